import Testing

@testable import ParamTraceCore

/// The grid of a sweep's axes besides memory (issue 15, item 1): parsing, combinations, labels.
@Suite struct SweepAxisTests {
  @Test func combinationsVaryTheLastAxisFastest() {
    let axes = [
      SweepAxis(name: "load_mode", role: .loadMode, values: ["mmap", "none"]),
      SweepAxis(name: "threads", role: .threads, values: ["1", "2", "4"]),
    ]
    let combinations = SweepAxis.combinations(axes)
    #expect(combinations.count == 6)
    #expect(combinations.map { $0.map(\.value) } == [["mmap", "1"], ["mmap", "2"], ["mmap", "4"], ["none", "1"], ["none", "2"], ["none", "4"]])
    #expect(combinations.allSatisfy { $0.map(\.name) == ["load_mode", "threads"] })
  }

  @Test func noAxesIsOneEmptyCombination() {
    #expect(SweepAxis.combinations([]) == [[]])
  }

  @Test func customAxisNeedsANameAndDistinctValues() {
    #expect(SweepAxis.parseCustom("batch=32, 512") == SweepAxis(name: "batch", role: .custom, values: ["32", "512"]))
    #expect(SweepAxis.parseCustom("batch") == nil)
    #expect(SweepAxis.parseCustom("=1,2") == nil)
    #expect(SweepAxis.parseCustom("2x=1,2") == nil)
    #expect(SweepAxis.parseCustom("bad-name=1") == nil)
    #expect(SweepAxis.parseCustom("batch=1,,2") == nil)
    #expect(SweepAxis.parseCustom("batch=1,1") == nil)
    #expect(SweepAxis.parseCustom("ctx_size=a=b") == SweepAxis(name: "ctx_size", role: .custom, values: ["a=b"]))
  }

  @Test func labelsAreSafeDirectoryNamesAndDescribeTheExactValues() {
    let values = [SweepAxisValue(name: "load_mode", value: "mmap+mlock"), SweepAxisValue(name: "prompt", value: "/tmp/a b,c")]
    #expect(SweepAxisValue.labelSuffix(values) == ",load_mode=mmap+mlock,prompt=_tmp_a_b_c")
    #expect(SweepAxisValue.labelSuffix([]) == "")
    #expect(SweepAxisValue.describe(values) == "load_mode=mmap+mlock, prompt=/tmp/a b,c")
    #expect(SweepAxisValue.json(values).rendered(indent: 0) == #"{"load_mode": "mmap+mlock", "prompt": "/tmp/a b,c"}"#)
  }

  /// `report` splits `NAME-rN` into label and repetition: an axis suffix must survive that.
  @Test func theRepetitionSplitKeepsTheAxesInTheLabel() {
    let split = ExperimentSummary.splitRepetition("budget-3GiB,load_mode=none,threads=4-r2")
    #expect(split.label == "budget-3GiB,load_mode=none,threads=4" && split.repetition == 2)
  }
}
