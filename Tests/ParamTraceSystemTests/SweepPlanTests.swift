import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

/// The grid a sweep runs (issue 15, item 1): memory points × the other axes × repetitions,
/// interleaved, and each run's own command, read-ahead and label.
@Suite struct SweepPlanTests {
  static func configuration(_ command: [String], axes: [SweepAxis], repetitions: Int = 2) -> SweepConfiguration {
    var configuration = SweepConfiguration(
      experiment: ExperimentConfiguration(command: command, outputDirectory: "/sweep", executablePath: "x", toolVersion: "t"),
      points: [MemoryPoint(kind: .none, bytes: nil), MemoryPoint(kind: .budget, bytes: 64 << 20)], repetitions: repetitions)
    configuration.axes = axes
    return configuration
  }

  @Test func everyRepetitionCoversTheWholeGridBeforeTheNext() {
    let configuration = Self.configuration(
      ["llama-cli", "-t", "2"],
      axes: [SweepAxis(name: "load_mode", role: .loadMode, values: ["mmap", "none"]), SweepAxis(name: "threads", role: .threads, values: ["1", "2"])])
    let plan = configuration.plan
    #expect(plan.count == 2 * 2 * 2 * 2)
    let names = plan.map { SweepRun(point: $0.point, axes: $0.axes, repetition: $0.repetition, directory: "", status: .ok).label + "-r\($0.repetition)" }
    #expect(
      Array(names.prefix(8)) == [
        "unconstrained,load_mode=mmap,threads=1-r1", "budget-64MiB,load_mode=mmap,threads=1-r1",
        "unconstrained,load_mode=mmap,threads=2-r1", "budget-64MiB,load_mode=mmap,threads=2-r1",
        "unconstrained,load_mode=none,threads=1-r1", "budget-64MiB,load_mode=none,threads=1-r1",
        "unconstrained,load_mode=none,threads=2-r1", "budget-64MiB,load_mode=none,threads=2-r1",
      ])
    #expect(Array(names.suffix(8)) == names.prefix(8).map { $0.replacing("-r1", with: "-r2") })
    #expect(Set(names).count == names.count)
  }

  @Test func aSweepOverMemoryAloneKeepsItsOldNames() {
    let plan = Self.configuration(["true"], axes: []).plan
    #expect(plan.map { SweepRun(point: $0.point, repetition: $0.repetition, directory: "", status: .ok).label } == ["unconstrained", "budget-64MiB", "unconstrained", "budget-64MiB"])
  }

  @Test func eachRunGetsItsCommandReadAheadAndAxesForTheManifest() {
    let configuration = Self.configuration(
      ["llama-cli", "-m", "m.gguf", "--no-mmap", "-b", "{batch}"],
      axes: [
        SweepAxis(name: "load_mode", role: .loadMode, values: ["dio"]), SweepAxis(name: "read_ahead_kb", role: .readAheadKilobytes, values: ["512"]),
        SweepAxis(name: "batch", role: .custom, values: ["32"]),
      ])
    let planned = configuration.plan[1]
    let run = configuration.experiment(for: planned.point, axes: planned.axes, directory: "/sweep/x")
    #expect(run.command == ["llama-cli", "-m", "m.gguf", "-b", "32", "-dio"])
    #expect(run.readAheadKilobytes == 512 && run.budgetBytes == 64 << 20 && run.lockBytes == nil && run.outputDirectory == "/sweep/x")
    #expect(run.sweepAxes.map(\.value) == ["dio", "512", "32"])
    // The shared configuration is left as the user wrote it.
    #expect(configuration.experiment.command.last == "{batch}" && configuration.experiment.readAheadKilobytes == nil)
  }

  /// The cliff rule per combination: a slow budget under none is compared with none's
  /// unconstrained run, not with mmap's.
  @Test func verdictsAreJudgedWithinEachCombination() throws {
    func run(_ mode: String, _ budget: UInt64?, tokens: Double, decodeMiB: UInt64) throws -> SweepRun {
      var run = try SweepRunnerTests.run(budget ?? 1, tokens: tokens, decodeMiB: decodeMiB, modelMiB: 100)
      if budget == nil { run.point = MemoryPoint(kind: .none, bytes: nil) }
      run.axes = [SweepAxisValue(name: "load_mode", value: mode)]
      run.directory = run.label + "-r1"
      return run
    }
    let runs = [
      try run("mmap", nil, tokens: 10, decodeMiB: 0), try run("mmap", 64, tokens: 9.8, decodeMiB: 1),
      try run("none", nil, tokens: 3, decodeMiB: 0), try run("none", 64, tokens: 2.9, decodeMiB: 1),
    ]
    let verdicts = SweepRunner.verdicts(runs, thrashShare: 0.1)
    // 2.9 tokens/s would be "slowed down" against mmap's 10; against none's own 3 it is calm.
    #expect(verdicts["budget-64MiB,load_mode=none"] == .calm && verdicts["budget-64MiB,load_mode=mmap"] == .calm)
    let text = SweepRun.summary(runs, thrashShare: 0.1, unit: MemoryPoint.displayUnit(ofList: "64MiB"), findCliff: true)
    #expect(text.contains("Cliff (load_mode=mmap): not bracketed") && text.contains("Cliff (load_mode=none): not bracketed"), "\(text)")
    #expect(text.contains("budget-64MiB,load_mode=none-r1   64 MiB"), "\(text)")
  }
}
