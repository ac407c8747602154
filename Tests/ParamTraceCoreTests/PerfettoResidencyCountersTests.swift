import Testing

@testable import ParamTraceCore

/// The page-cache residency record samples (residency.json) exported as Perfetto counters per
/// layer (issue 14, item 3), on the real 4-pass thrashing capture with a hand-made timeline whose
/// every value is known.
@Suite struct PerfettoResidencyCountersTests {
  static let mib: UInt64 = 1 << 20

  /// 16 layers and the outside group; sample k holds k MiB in layer 0, 7 MiB in the others
  /// except layer 15, which drops to 0 from the third sample on, and 1 MiB outside.
  static func timeline(times: [UInt64]) -> ResidencyTimeline {
    let groups = (0..<16).map { ModelResidencyRanges.Group(layer: $0, ranges: [], bytes: 7 * mib) }
      + [ModelResidencyRanges.Group(layer: nil, ranges: [], bytes: 2 * mib)]
    var timeline = ResidencyTimeline(groups: groups, method: .cachestat, intervalNanoseconds: 500_000_000)
    for (sample, time) in times.enumerated() {
      var resident = [UInt64(sample) * mib] + [UInt64](repeating: 7 * mib, count: 14) + [sample >= 2 ? 0 : 7 * mib]
      resident.append(1 * mib)
      timeline.append(time: time, resident: resident)
    }
    return timeline
  }

  /// The counter events named `name`: (ts in µs, MiB).
  static func series(_ rules: ChromeTraceRules, _ name: String) -> [(ts: Double, mib: Double)] {
    rules.events.compactMap { event in
      guard event["ph"]?.string == "C", event["name"]?.string == name, let ts = event["ts"]?.double,
        let value = event[path: "args", "MiB"]?.double
      else { return nil }
      return (ts, value)
    }
  }

  @Test func samplesBecomeCountersPerLayerInsideTheTrace() throws {
    // Where the trace starts, from a first export without residency.
    var (probe, probeOptions) = try PerfettoTraceWriterTests.thrashingTrace()
    probeOptions.model = TensorAttributionTests.stringOrderedLayout()
    let origin = try PerfettoTraceWriterTests.export(&probe, options: probeOptions).writer.origin
    let second: UInt64 = 1_000_000_000

    var (source, options) = try PerfettoTraceWriterTests.thrashingTrace()
    options.model = TensorAttributionTests.stringOrderedLayout()
    var settings = PerfettoTraceWriter.Settings()
    // Two samples before the trace (only the later is kept, at time 0), three inside.
    settings.residency = Self.timeline(times: [origin - 2 * second, origin - second, origin + second, origin + 2 * second, origin + 3 * second])
    let (bytes, _, writer) = try PerfettoTraceWriterTests.export(&source, options: options, settings: settings)
    let rules = ChromeTraceRules(bytes)
    #expect(rules.problems.isEmpty, "\(rules.problems.prefix(5))")
    #expect(writer.residencySamplesWritten == 4)

    let layer0 = Self.series(rules, "resident MiB blk.0")
    #expect(layer0.map(\.ts) == [0, 1e6, 2e6, 3e6])
    #expect(layer0.map(\.mib) == [1, 2, 3, 4])
    // Written where the value changes: layer 15 twice, the steady layers once.
    #expect(Self.series(rules, "resident MiB blk.15").map(\.mib) == [7, 0])
    #expect(Self.series(rules, "resident MiB blk.7").map(\.ts) == [0])
    #expect(Self.series(rules, "resident MiB outside the blocks").map(\.mib) == [1])
    let total = Self.series(rules, "resident MiB (whole model)")
    let expectedTotals: [Double] = [107, 101, 102, 103]  // layer 0, 14 layers of 7, layer 15 (7 then 0), 1 outside
    #expect(total.map(\.mib) == expectedTotals)
    // On the model's process, as its own category.
    let one = rules.events.first { $0["name"]?.string == "resident MiB blk.3" }
    #expect(one?["pid"]?.int == PerfettoTraceWriter.modelPid && one?["cat"]?.string == "page cache")
  }

  @Test func theWindowAndTheLimitCutTheSamplesAsTheyCutTheRequests() throws {
    var (probe, probeOptions) = try PerfettoTraceWriterTests.thrashingTrace()
    probeOptions.model = TensorAttributionTests.stringOrderedLayout()
    let origin = try PerfettoTraceWriterTests.export(&probe, options: probeOptions).writer.origin
    let second: UInt64 = 1_000_000_000
    let times = (0..<8).map { origin + UInt64($0) * second / 2 }

    var (source, options) = try PerfettoTraceWriterTests.thrashingTrace()
    options.model = TensorAttributionTests.stringOrderedLayout()
    var settings = PerfettoTraceWriter.Settings()
    settings.residency = Self.timeline(times: times)
    settings.windowStart = origin + 3 * second / 4
    settings.windowEnd = origin + 2 * second
    let windowed = ChromeTraceRules(try PerfettoTraceWriterTests.export(&source, options: options, settings: settings).bytes)
    // The sample at 0.5 s stands for the window's start (0.75 s); 1.0, 1.5 and 2.0 s follow.
    #expect(Self.series(windowed, "resident MiB blk.0").map(\.ts) == [0.75e6, 1e6, 1.5e6, 2e6])
    #expect(Self.series(windowed, "resident MiB blk.0").map(\.mib) == [1, 2, 3, 4])

    var (limited, limitedOptions) = try PerfettoTraceWriterTests.thrashingTrace()
    limitedOptions.model = TensorAttributionTests.stringOrderedLayout()
    var cut = PerfettoTraceWriter.Settings()
    cut.residency = Self.timeline(times: times)
    cut.requestLimit = 10
    let result = try PerfettoTraceWriterTests.export(&limited, options: limitedOptions, settings: cut)
    let cutTime = try #require(result.writer.cutTime)
    let kept = times.filter { $0 <= cutTime }.count
    #expect(result.writer.residencySamplesWritten == max(1, kept))
  }

  @Test func residencyJSONReadsBackAsWritten() throws {
    var timeline = Self.timeline(times: [10, 20, 30])
    timeline.samplingNanoseconds = 1234
    timeline.stretchedIntervals = 2
    let back = try ResidencyTimeline(document: try JSONReader.parse(timeline.json.renderedBytes(indent: 0)))
    #expect(back.times == timeline.times && back.residentBytes == timeline.residentBytes)
    #expect(back.groups.map(\.name) == timeline.groups.map(\.name) && back.groups.map(\.bytes) == timeline.groups.map(\.bytes))
    #expect(back.method == .cachestat && back.intervalNanoseconds == 500_000_000)
    #expect(back.samplingNanoseconds == 1234 && back.stretchedIntervals == 2)
    #expect(throws: ResidencyTimeline.ReadError.self) { try ResidencyTimeline(document: try JSONReader.parse(Array("{\"format\":\"x\"}".utf8))) }
    // A sample time without its row of values.
    let members = try #require(timeline.json.members)
    let short = JSONValue.object(members.map { $0.0 == "time_ns" ? ($0.0, .array([.number(10), .number(20), .number(30), .number(40)])) : $0 })
    #expect(throws: ResidencyTimeline.ReadError.self) { try ResidencyTimeline(document: short) }
  }
}
