import CParamTraceShims
import Glibc
import ParamTraceCore

/// One run of a sweep, as `sweep.json` lists it.
public struct SweepRun: Sendable {
  public enum Status: String, Sendable { case ok, failed, interrupted }
  public var point: MemoryPoint
  /// Its values of the axes besides memory (empty for a sweep over memory alone).
  public var axes: [SweepAxisValue] = []
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

  /// Its configuration: the memory point's label and the axes' values
  /// (`budget-3GiB,load_mode=mmap`); the directory is this with `-rN`.
  public var label: String { point.label + SweepAxisValue.labelSuffix(axes) }

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
      label: label, memory: memory, tokensPerSecond: tokensPerSecond, decodeSharePerPass: decodeSharePerPass, rereadFactor: rereadFactor,
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

/// Runs `record` for every run of the grid (memory points × the other axes' combinations,
/// `SweepConfiguration.plan`), interleaved (repetition 1 of every configuration, then
/// repetition 2, …) so drift spreads over all of them; resumable (finished runs are kept and
/// skipped); a failed run is recorded and the sweep goes on; Ctrl-C stops it after tearing
/// the current run down (its read-ahead put back by record). `--find-cliff` narrows the
/// budget for each combination of the other axes.
public enum SweepRunner {
  public static func run(
    _ configuration: SweepConfiguration, progress: (SweepProgress) -> Void, log: (String) -> Void
  ) throws -> [SweepRun] {
    let directory = configuration.experiment.outputDirectory
    if mkdir(directory, 0o755) != 0, errno != EEXIST {
      throw ExperimentError("create \(directory): \(String(cString: strerror(errno))). Choose a writable --out directory.")
    }
    let plan = configuration.plan
    var runs: [SweepRun] = []
    let start = MonotonicClock.nanoseconds()
    var measuredSeconds: [Double] = []
    var index = 0
    var stopped = false

    func execute(_ planned: SweepConfiguration.PlannedRun, total: Int) -> SweepRun? {
      index += 1
      var run = SweepRun(point: planned.point, axes: planned.axes, repetition: planned.repetition, directory: "", status: .ok)
      let name = "\(run.label)-r\(planned.repetition)"
      run.directory = name
      let runDirectory = directory + "/" + name
      let elapsed = Double(MonotonicClock.nanoseconds() - start) / 1e9
      let remaining = measuredSeconds.isEmpty ? nil : measuredSeconds.reduce(0, +) / Double(measuredSeconds.count) * Double(total - index + 1)
      progress(SweepProgress(runIndex: index, runCount: total, label: name, elapsedSeconds: elapsed, estimatedRemainingSeconds: remaining))
      if let finished = finishedRun(run, directory: runDirectory) {
        log("\(name): already recorded, kept")
        return finished
      }
      removeIncomplete(runDirectory)
      let experiment = configuration.experiment(for: planned.point, axes: planned.axes, directory: runDirectory)
      if !planned.axes.isEmpty { log("\(name): \(experiment.command.joined(separator: " "))") }
      let runStart = MonotonicClock.nanoseconds()
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

    for planned in plan {
      guard let run = execute(planned, total: plan.count) else { continue }
      runs.append(run)
      try writeSweepFile(configuration, runs)
      if run.status == .interrupted || paramtrace_stop_signal() != 0 {
        stopped = true
        break
      }
    }

    // The cliff is narrowed for each combination of the other axes on its own: the budget
    // where mmap thrashes need not be where --no-mmap does.
    if configuration.findCliff, !stopped {
      var extra = 0
      search: for values in SweepAxis.combinations(configuration.axes) {
        var added = 0
        while added < 16, let next = nextCliffBudget(runs.filter { $0.axes == values }, configuration) {
          added += 1
          extra += 1
          let planned = SweepConfiguration.PlannedRun(point: MemoryPoint(kind: .budget, bytes: next), axes: values, repetition: 1)
          guard let run = execute(planned, total: plan.count + extra) else { break }
          runs.append(run)
          try writeSweepFile(configuration, runs)
          if run.status == .interrupted || paramtrace_stop_signal() != 0 { break search }
        }
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

  /// The cliff of each combination of the other axes, in the order the combinations first
  /// appear (one entry with no axes for a sweep over memory alone).
  public static func cliffs(_ runs: [SweepRun], thrashShare: Double) -> [(axes: [SweepAxisValue], cliff: ThrashingCliff?)] {
    combinationsInOrder(runs).map { values in (values, cliff(runs.filter { $0.axes == values }, thrashShare: thrashShare)) }
  }

  /// Every memory configuration of the runs with its verdict, by label; each combination of
  /// the other axes is judged on its own (its tokens/s against its own larger budgets).
  public static func verdicts(_ runs: [SweepRun], thrashShare: Double) -> [String: ThrashingCliff.Verdict] {
    var verdicts: [String: ThrashingCliff.Verdict] = [:]
    for values in combinationsInOrder(runs) {
      let members = runs.filter { $0.axes == values }.compactMap(\.cliffRun)
      for configuration in ThrashingCliff.configurations(members, threshold: thrashShare) where configuration.memory != .unconstrained {
        verdicts[configuration.label] = configuration.verdict
      }
    }
    return verdicts
  }

  static func combinationsInOrder(_ runs: [SweepRun]) -> [[SweepAxisValue]] {
    var seen: [[SweepAxisValue]] = []
    for run in runs where !seen.contains(run.axes) { seen.append(run.axes) }
    return seen
  }

  // MARK: - Runs on disk

  /// `planned` as its directory holds it, when a finished run is there.
  static func finishedRun(_ planned: SweepRun, directory: String) -> SweepRun? {
    guard let bytes = try? readWholeFile(directory + "/manifest.json", limit: 64 << 20),
      let manifest = try? JSONReader.parse(bytes)
    else { return nil }
    var run = planned
    run.status = .ok
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
    let row = ExperimentSummary(experiment: run.directory, label: run.label, manifest: manifest, analysis: nil, sweepStatus: .ok)
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
      ("axes", .array(configuration.axes.map { .object([("name", .string($0.name)), ("values", .array($0.values.map { .string($0) }))]) })),
      ("repeat", .number(configuration.repetitions)),
      ("find_cliff", .bool(configuration.findCliff)),
      ("thrash_share_threshold", .double(configuration.thrashShare)),
      ("cliff", configuration.axes.isEmpty ? cliffJSON(runs, configuration) : .null),
      (
        "cliffs",
        .array(
          cliffs(runs, thrashShare: configuration.thrashShare).map { entry in
            .object([("axes", SweepAxisValue.json(entry.axes)), ("cliff", cliffJSON(runs.filter { $0.axes == entry.axes }, configuration))])
          })
      ),
      (
        "runs",
        .array(
          runs.map { run in
            .object([
              ("directory", .string(run.directory)), ("label", .string(run.label)), ("memory_label", .string(run.point.label)),
              ("axes", SweepAxisValue.json(run.axes)), ("kind", .string(run.point.kind.rawValue)),
              ("bytes", .optional(run.point.bytes)), ("repetition", .number(run.repetition)), ("status", .string(run.status.rawValue)),
              ("error", run.error.map { .string($0) } ?? .null), ("tokens_per_second", .optional(run.tokensPerSecond)),
              ("reread_factor", .optional(run.rereadFactor)), ("decode_passes", .optional(run.decodePasses)),
              ("decode_reread_per_pass", .optional(run.decodeSharePerPass)),
              ("budget_pressure", run.budgetPressure.map { .string($0.verdict.rawValue) } ?? .null),
              ("verdict", verdicts[run.label].map { .string($0.rawValue) } ?? .null),
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
