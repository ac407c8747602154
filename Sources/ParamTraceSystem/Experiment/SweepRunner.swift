import CParamTraceShims
import Glibc
import ParamTraceCore

/// One run of a sweep, as `sweep.json` lists it.
public struct SweepRun: Sendable {
  public enum Status: String, Sendable { case ok, failed, interrupted }
  public var point: MemoryPoint
  public var repetition: Int
  public var directory: String
  public var status: Status
  public var error: String?
  /// Decode tokens per second, when the workload printed timing lines.
  public var tokensPerSecond: Double?
  /// Passes over the weights in the decode phase (the prompt pass and the eval runs).
  public var decodePasses: Int?
  /// Bytes the decode phase read again / model size / decode passes (`DecodePasses`); nil without a decode phase.
  public var decodeSharePerPass: Double?
  /// Re-read factor of the whole run.
  public var rereadFactor: Double?
  /// Whether the budget was ever reached (`BudgetPressure`); nil without a cgroup budget.
  public var budgetPressure: BudgetPressure?

  /// The run as the cliff rule sees it (the budget as asked); nil unless it finished.
  public var cliffRun: ThrashingCliff.Run? {
    guard status == .ok else { return nil }
    let memory: ThrashingCliff.Run.Memory
    switch (point.kind, point.bytes) {
    case (.budget, let bytes?): memory = .budget(bytes)
    case (.lock, let bytes?): memory = .lock(bytes)
    default: memory = .unconstrained
    }
    return ThrashingCliff.Run(
      label: point.label, memory: memory, tokensPerSecond: tokensPerSecond, decodeSharePerPass: decodeSharePerPass, rereadFactor: rereadFactor,
      limitReached: budgetPressure?.wasReached)
  }
}

/// Progress of a sweep, for the terminal.
public struct SweepProgress: Sendable {
  public var runIndex: Int
  public var runCount: Int
  public var label: String
  public var elapsedSeconds: Double
  public var estimatedRemainingSeconds: Double?
}

/// Runs `record` for every memory point and repetition, interleaved (repetition 1 of every
/// point, then repetition 2, …) so drift spreads over all points; resumable (finished runs
/// are kept and skipped); a failed run is recorded and the sweep goes on; Ctrl-C stops it
/// after tearing the current run down.
public enum SweepRunner {
  public static func run(
    _ configuration: SweepConfiguration, progress: (SweepProgress) -> Void, log: (String) -> Void
  ) throws -> [SweepRun] {
    let directory = configuration.experiment.outputDirectory
    if mkdir(directory, 0o755) != 0, errno != EEXIST {
      throw ExperimentError("create \(directory): \(String(cString: strerror(errno))). Choose a writable --out directory.")
    }
    var plan: [(MemoryPoint, Int)] = []
    for repetition in 1...max(1, configuration.repetitions) {
      for point in configuration.points { plan.append((point, repetition)) }
    }
    var runs: [SweepRun] = []
    let start = MonotonicClock.nanoseconds()
    var measuredSeconds: [Double] = []
    var index = 0
    var stopped = false

    func execute(_ point: MemoryPoint, _ repetition: Int, total: Int) -> SweepRun? {
      index += 1
      let name = "\(point.label)-r\(repetition)"
      let runDirectory = directory + "/" + name
      let elapsed = Double(MonotonicClock.nanoseconds() - start) / 1e9
      let remaining = measuredSeconds.isEmpty ? nil : measuredSeconds.reduce(0, +) / Double(measuredSeconds.count) * Double(total - index + 1)
      progress(SweepProgress(runIndex: index, runCount: total, label: name, elapsedSeconds: elapsed, estimatedRemainingSeconds: remaining))
      if let finished = finishedRun(point: point, repetition: repetition, directory: runDirectory) {
        log("\(name): already recorded, kept")
        return finished
      }
      removeIncomplete(runDirectory)
      var experiment = configuration.experiment
      experiment.outputDirectory = runDirectory
      experiment.budgetBytes = point.kind == .budget ? point.bytes : nil
      experiment.lockBytes = point.kind == .lock ? point.bytes : nil
      let runStart = MonotonicClock.nanoseconds()
      var run = SweepRun(point: point, repetition: repetition, directory: name, status: .ok)
      do {
        let outcome = try ExperimentRecorder.run(experiment, log: log)
        run.status = outcome.interrupted ? .interrupted : .ok
        if let workload = outcome.workload, !workload.succeeded { run.status = .failed; run.error = outcome.warnings.first }
        fill(&run, outcome.manifest)
      } catch {
        run.status = paramtrace_stop_signal() != 0 ? .interrupted : .failed
        run.error = "\(error)"
        log("\(name) failed: \(error)")
      }
      measuredSeconds.append(Double(MonotonicClock.nanoseconds() - runStart) / 1e9)
      return run
    }

    for (point, repetition) in plan {
      guard let run = execute(point, repetition, total: plan.count) else { continue }
      runs.append(run)
      try writeSweepFile(configuration, runs)
      if run.status == .interrupted || paramtrace_stop_signal() != 0 {
        stopped = true
        break
      }
    }

    if configuration.findCliff, !stopped {
      var extra = 0
      while let next = nextCliffBudget(runs, configuration), extra < 16 {
        extra += 1
        guard let run = execute(MemoryPoint(kind: .budget, bytes: next), 1, total: plan.count + extra) else { break }
        runs.append(run)
        try writeSweepFile(configuration, runs)
        if run.status == .interrupted || paramtrace_stop_signal() != 0 { break }
      }
    }
    return runs
  }

  /// The budget halfway between the largest budget that thrashes and the smallest that does
  /// not, rounded to MiB; nil when they are within the resolution (or no such pair exists).
  public static func nextCliffBudget(_ runs: [SweepRun], _ configuration: SweepConfiguration) -> UInt64? {
    guard let cliff = cliff(runs, thrashShare: configuration.thrashShare), let low = cliff.thrashing.bytes, let high = cliff.calm.bytes
    else { return nil }
    guard high - low > configuration.cliffResolutionBytes else { return nil }
    let middle = (low + high) / 2
    return max(low + (1 << 20), middle / (1 << 20) * (1 << 20))
  }

  /// The largest budget that thrashes and the smallest larger one that is calm, by the rule
  /// `report` uses too (`ThrashingCliff`).
  public static func cliff(_ runs: [SweepRun], thrashShare: Double) -> ThrashingCliff? {
    ThrashingCliff(runs.compactMap(\.cliffRun), threshold: thrashShare)
  }

  /// Every memory configuration of the runs with its verdict, by label.
  public static func verdicts(_ runs: [SweepRun], thrashShare: Double) -> [String: ThrashingCliff.Verdict] {
    var verdicts: [String: ThrashingCliff.Verdict] = [:]
    for configuration in ThrashingCliff.configurations(runs.compactMap(\.cliffRun), threshold: thrashShare) where configuration.memory != .unconstrained {
      verdicts[configuration.label] = configuration.verdict
    }
    return verdicts
  }

  // MARK: - Runs on disk

  static func finishedRun(point: MemoryPoint, repetition: Int, directory: String) -> SweepRun? {
    guard let bytes = try? readWholeFile(directory + "/manifest.json", limit: 64 << 20),
      let manifest = try? JSONReader.parse(bytes)
    else { return nil }
    var run = SweepRun(point: point, repetition: repetition, directory: String(directory.split(separator: "/").last ?? ""), status: .ok)
    if manifest["interrupted"]?.bool == true { return nil }  // record it again
    if let status = manifest["workload"]?["exit_status"]?.double, status != 0 { run.status = .failed }
    fill(&run, manifest)
    return run
  }

  static func removeIncomplete(_ directory: String) {
    // A run directory without a manifest is what an interrupted run left: start it over.
    // It holds only files record writes (trace, outputs), no subdirectories.
    guard let names = directoryEntryNames(directory) else { return }
    for name in names { unlink(directory + "/" + name) }
    rmdir(directory)
  }

  /// The figures the sweep decides by, read from the manifest as `report` reads them.
  static func fill(_ run: inout SweepRun, _ manifest: JSONValue) {
    let row = ExperimentSummary(experiment: run.directory, label: run.point.label, manifest: manifest, analysis: nil, sweepStatus: .ok)
    run.tokensPerSecond = row.tokensPerSecond
    run.rereadFactor = row.rereadFactor
    run.decodePasses = row.decodePasses
    run.decodeSharePerPass = row.decodeSharePerPass
    run.budgetPressure = row.budgetPressure
  }

  static func writeSweepFile(_ configuration: SweepConfiguration, _ runs: [SweepRun]) throws {
    let verdicts = verdicts(runs, thrashShare: configuration.thrashShare)
    let document = JSONValue.object([
      ("format", .string("paramtrace-sweep")),
      ("version", .number(1)),
      ("command", .array(configuration.experiment.command.map { .string($0) })),
      (
        "configurations",
        .array(
          configuration.points.map {
            .object([("label", .string($0.label)), ("kind", .string($0.kind.rawValue)), ("bytes", .optional($0.bytes))])
          })
      ),
      ("repeat", .number(configuration.repetitions)),
      ("find_cliff", .bool(configuration.findCliff)),
      ("thrash_share_threshold", .double(configuration.thrashShare)),
      ("cliff", cliffJSON(runs, configuration)),
      (
        "runs",
        .array(
          runs.map { run in
            .object([
              ("directory", .string(run.directory)), ("label", .string(run.point.label)), ("kind", .string(run.point.kind.rawValue)),
              ("bytes", .optional(run.point.bytes)), ("repetition", .number(run.repetition)), ("status", .string(run.status.rawValue)),
              ("error", run.error.map { .string($0) } ?? .null), ("tokens_per_second", .optional(run.tokensPerSecond)),
              ("reread_factor", .optional(run.rereadFactor)), ("decode_passes", .optional(run.decodePasses)),
              ("decode_reread_per_pass", .optional(run.decodeSharePerPass)),
              ("budget_pressure", run.budgetPressure.map { .string($0.verdict.rawValue) } ?? .null),
              ("verdict", verdicts[run.point.label].map { .string($0.rawValue) } ?? .null),
            ])
          })
      ),
    ])
    var writer = try TextFileWriter(path: configuration.experiment.outputDirectory + "/sweep.json")
    try writer.write(document.rendered() + "\n")
    try writer.close()
  }

  static func cliffJSON(_ runs: [SweepRun], _ configuration: SweepConfiguration) -> JSONValue {
    guard let cliff = cliff(runs, thrashShare: configuration.thrashShare) else { return .null }
    var members = cliff.jsonMembers
    members.append(("resolution_bytes", .number(configuration.cliffResolutionBytes)))
    return .object(members)
  }
}
