import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

/// The sweep's decisions on values: what it reads from a run's manifest, where it bisects
/// next, and what it prints (issue 11, item 4).
@Suite struct SweepRunnerTests {
  static let mib: UInt64 = 1 << 20

  /// A finished run under `budget` MiB with its tokens/s and the decode bytes of 8 eval runs.
  static func run(_ budget: UInt64, tokens: Double, decodeMiB: UInt64, modelMiB: UInt64 = 3892) throws -> SweepRun {
    let point = MemoryPoint(kind: .budget, bytes: budget * mib)
    var run = SweepRun(point: point, repetition: 1, directory: "\(point.label)-r1", status: .ok)
    let manifest = try JSONReader.parse(
      Array(
        """
        {"model": {"size_bytes": \(modelMiB * mib)}, "workload": {"exit_status": 0},
         "timings": {"eval_tokens": 8, "prompt_tokens": 6, "eval_tokens_per_second": \(tokens)},
         "analysis": {"reread_factor": 3.1, "decode_bytes": \(decodeMiB * mib)}}
        """.utf8))
    SweepRunner.fill(&run, manifest)
    return run
  }

  /// Decode bytes hold the prompt pass and the eval runs: divided by 8 + 1, not by 8.
  @Test func theShareIsPerDecodePassNotPerEvalToken() throws {
    let run = try Self.run(4000, tokens: 0.51, decodeMiB: 9 * 1946)
    #expect(run.decodePasses == 9)
    #expect(run.decodeSharePerPass == 0.5)
    #expect(run.tokensPerSecond == 0.51 && run.rereadFactor == 3.1)
  }

  /// `--budgets 4200MiB,4000MiB`: the 4100 MiB run is under the share threshold but three
  /// times slower than 4200 MiB, so the sweep goes on between 4100 and 4200 MiB, and says so in MiB.
  @Test func theCliffIsNarrowedPastASlowRunAndPrintedInTheUsersUnit() throws {
    var configuration = SweepConfiguration(
      experiment: ExperimentConfiguration(command: ["x"], outputDirectory: "/nonexistent", executablePath: "x", toolVersion: "t"),
      points: [], repetitions: 1)
    configuration.cliffResolutionBytes = 32 * Self.mib
    let runs = [
      try Self.run(4200, tokens: 6.10, decodeMiB: 140), try Self.run(4000, tokens: 0.51, decodeMiB: 9 * 3000),
      try Self.run(4100, tokens: 1.81, decodeMiB: 3400),
    ]
    #expect(SweepRunner.nextCliffBudget(Array(runs[0...1]), configuration) == 4100 * Self.mib)
    #expect(SweepRunner.nextCliffBudget(runs, configuration) == 4150 * Self.mib)
    let cliff = try #require(SweepRunner.cliff(runs, thrashShare: 0.1))
    #expect(cliff.thrashing.bytes == 4100 * Self.mib && cliff.calm.bytes == 4200 * Self.mib)

    let unit = MemoryPoint.displayUnit(ofList: "4200MiB,4000MiB")
    let text = SweepRun.summary(runs, thrashShare: 0.1, unit: unit, findCliff: true)
    #expect(text.contains("Cliff: thrashes at budget-4100MiB (4100 MiB): 1.81 tokens/s, 9.7% of the model re-read per decode pass, more than a third below 6.10 tokens/s with more memory; calm at budget-4200MiB (4200 MiB): 6.10 tokens/s, 0.4% of the model re-read per decode pass."), "\(text)")
    #expect(!text.contains("GiB"))
    #expect(text.contains("budget-4100MiB-r1           4100 MiB      ok             1.81      3.10          9.7%   slowed down"), "\(text)")
    #expect(text.contains("budget-4000MiB-r1           4000 MiB      ok             0.51      3.10         77.1%   thrashes"), "\(text)")
  }

  @Test func withoutABracketTheSweepSaysWhatToAdd() throws {
    let text = SweepRun.summary([try Self.run(4200, tokens: 6.1, decodeMiB: 10)], thrashShare: 0.1, unit: MemoryPoint.displayUnit(ofList: "4200MiB"), findCliff: true)
    #expect(text.contains("Cliff: not bracketed") && text.contains("Add a smaller or a larger budget"))
  }

  @Test func theDisplayUnitIsTheSmallestTheUserWrote() {
    #expect(MemoryPoint.displayUnit(ofList: "0,3GiB,1500MiB").name == "MiB")
    #expect(MemoryPoint.displayUnit(ofList: "none,3G,2G").name == "GiB")
    #expect(MemoryPoint.displayUnit(ofList: "4GB,3900MB").name == "MB")
    #expect(MemoryPoint.displayUnit(ofList: "0").name == "GiB")
  }
}
