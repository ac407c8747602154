/// One row of the report: the notebook's columns for one experiment directory, and the
/// corrected figures next to them. Absent values are nil (never zero).
///
/// Built from the bytes of `manifest.json` and `analysis.json` that `paramtrace record`
/// writes; a run that failed before writing them is a row with only its name, memory
/// configuration and status.
public struct ExperimentSummary: Sendable, Hashable {
  /// How the run ended.
  public enum Status: String, Sendable, Hashable, CaseIterable {
    /// The workload ran to the end and exited with status 0.
    case ok
    /// The run failed: `record` stopped with an error, or the workload exited non-zero.
    case failed
    /// The run was stopped by a signal (Ctrl-C, SIGTERM).
    case interrupted
  }

  /// The memory pressure of the run.
  public enum MemoryKind: String, Sendable, Hashable {
    /// A memory cgroup limit around the workload (`record --budget`).
    case budget
    /// Memory locked by a helper first (`record --lock`, the notebook's mem_locker).
    case lock
    /// No pressure.
    case none
  }

  /// The row's name: the experiment directory's name.
  public var experiment: String
  /// The configuration the row belongs to; repetitions of one configuration share it.
  public var label: String
  /// The repetition number within the label (sweeps), nil otherwise.
  public var repetition: Int?
  /// How the run ended.
  public var status: Status
  /// Why the run failed, in words.
  public var error: String?

  /// Budget, lock or none.
  public var memoryKind: MemoryKind = .none
  /// Budget or lock asked for, in bytes.
  public var requestedBytes: UInt64?
  /// Budget or lock verified in place, in bytes.
  public var achievedBytes: UInt64?
  /// Whether a cgroup budget was ever reached (nil for locks and runs without a budget).
  public var budgetPressure: BudgetPressure?

  /// Number of workload tasks (pids) the analysis kept; nil when not filtered by pid.
  public var ownerTasks: Int?
  /// The file whose extents filtered the operations (its name as the analysis recorded it).
  public var sectorFilterFile: String?
  public var sectorFilterExtents: Int?
  /// Size of the model file, when known.
  public var modelSizeBytes: UInt64?

  /// llama.cpp's `total time` when it printed one (from after its warm-up to the end: prompt,
  /// decode and sampling, not the load), else the workload's wall time, in seconds.
  public var inferenceSeconds: Double?
  /// True when `inferenceSeconds` is the wall time (no llama.cpp timing line).
  public var inferenceIsWallTime = false
  /// llama.cpp's `load time` (model load and warm-up decode), in seconds.
  public var loadSeconds: Double?
  /// The workload's wall time, start to exit, in seconds.
  public var wallSeconds: Double?
  /// Decode tokens per second (llama.cpp's eval line).
  public var tokensPerSecond: Double?

  /// Operations (block requests counted once each).
  public var operations: Int?
  /// Bytes read (inside the file when filtered to it).
  public var bytes: UInt64?
  /// Physical gaps: sequential and backward shares of all gaps, in percent.
  public var sequentialPercent: Double?
  public var backwardPercent: Double?
  /// `Cached` of /proc/meminfo after the run minus before, in bytes.
  public var pageCacheDeltaBytes: Int64?

  /// Size of the union of the bytes read.
  public var uniqueBytes: UInt64?
  /// Bytes read / unique bytes.
  public var rereadFactor: Double?
  /// The same in the decode phase alone.
  public var decodeRereadFactor: Double?
  /// Bytes read in the decode phase (0 when it read nothing; nil without a load/decode split).
  public var decodeBytes: UInt64?
  /// Size of the union of the load phase's reads (what decode reads for the first time is the rest).
  public var loadUniqueBytes: UInt64?
  /// llama.cpp's `eval time … / N runs` and the prompt's tokens, for the decode passes.
  public var evalRuns: Int?
  public var promptTokens: Int?
  /// Sequential share of the gaps in file offsets (needs extents), in percent.
  public var logicalSequentialPercent: Double?
  /// Bytes / (last completion − first issue), in bytes per second; nil without completions.
  public var averageBytesPerSecond: Double?
  /// Most bytes completed in one window, per second; nil without completions.
  public var peakBytesPerSecond: Double?
  /// The window of the peak, in seconds.
  public var peakWindowSeconds: Double?
  /// 99th percentile of issue-to-completion latency, in nanoseconds.
  public var latencyP99Nanoseconds: UInt64?
  /// Median and 90th percentile of the request sizes (exact, nearest rank), in bytes.
  public var requestSizeMedianBytes: UInt64?
  public var requestSizeP90Bytes: UInt64?
  /// Its memory configuration's verdict by the cliff rule, set by `SummaryTable` (it depends on
  /// the other rows); nil for unconstrained and unfinished runs.
  public var cliffVerdict: ThrashingCliff.Verdict?
  /// Events the tracer lost (the figures are incomplete when above 0).
  public var lostEvents: UInt64?
  /// llama.cpp's load mode as the manifest recorded it (`load_mode.effective`).
  public var loadMode: String?
  /// Files of the model (a split GGUF or safetensors shards); nil for one file.
  public var modelFiles: Int?
  /// Mixture-of-experts figures of the decode passes (`tensors.experts`), nil for dense models.
  public var experts: ExpertColumns?
  /// Warnings of the recording and of the analysis.
  public var warnings: [String] = []

  /// A row with nothing measured.
  public init(experiment: String, label: String, repetition: Int? = nil, status: Status, error: String? = nil) {
    self.experiment = experiment
    self.label = label
    self.repetition = repetition
    self.status = status
    self.error = error
  }

  /// Reads a row from an experiment directory's documents.
  ///
  /// - Parameters:
  ///   - experiment: the directory's name.
  ///   - label: the configuration (a sweep's label); nil takes the name less a trailing
  ///     `-rN` (so `lock20-r1` and `lock20-r2` group together).
  ///   - manifest, analysis: the parsed documents, nil when missing or unreadable.
  ///   - sweepStatus: the status the sweep recorded, which wins over the manifest's.
  public init(
    experiment: String, label: String? = nil, repetition: Int? = nil, manifest: ParsedJSON?, analysis: ParsedJSON?,
    sweepStatus: Status? = nil, error: String? = nil
  ) {
    let split = Self.splitRepetition(experiment)
    self.init(
      experiment: experiment, label: label ?? split.label, repetition: repetition ?? (label == nil ? split.repetition : nil),
      status: sweepStatus ?? .ok, error: error)
    guard let manifest else {
      if sweepStatus == nil {
        status = .failed
        self.error = error ?? "no manifest.json: the run did not finish"
      }
      return
    }
    readManifest(manifest)
    if let analysis { readAnalysis(analysis) }
    if sweepStatus == nil {
      if manifest["interrupted"]?.bool == true {
        status = .interrupted
      } else if let workload = manifest["workload"], !workload.isNull {
        let exit = workload["exit_status"]?.int64
        if let signal = workload["signal"]?.int64 {
          status = .failed
          self.error = self.error ?? "the workload was killed by signal \(signal)"
        } else if let exit, exit != 0 {
          status = .failed
          self.error = self.error ?? "the workload exited with status \(exit)"
        }
      } else {
        status = .failed
        self.error = self.error ?? "the workload did not run"
      }
    }
  }

  /// `name-r3` → (`name`, 3); other names unchanged.
  public static func splitRepetition(_ name: String) -> (label: String, repetition: Int?) {
    guard let dash = name.lastIndex(of: "-") else { return (name, nil) }
    let tail = name[name.index(after: dash)...]
    guard tail.count >= 2, tail.first == "r", let number = Int(tail.dropFirst()), number >= 0, dash > name.startIndex else {
      return (name, nil)
    }
    return (String(name[..<dash]), number)
  }

  private mutating func readManifest(_ manifest: ParsedJSON) {
    if let budget = manifest["budget"] {
      switch budget["kind"]?.string {
      case "cgroup", "budget": memoryKind = .budget
      case "lock": memoryKind = .lock
      default: memoryKind = .none
      }
      requestedBytes = budget["requested_bytes"]?.uint64
      achievedBytes = budget["achieved_bytes"]?.uint64
    }
    // Manifests from before issue 11 have the cgroup's counters but no verdict.
    if let pressure = manifest["budget_pressure"], !pressure.isNull {
      budgetPressure = BudgetPressure(json: pressure)
    } else if memoryKind == .budget, let counters = manifest[path: "memory", "cgroup_statistics"]?.members {
      var statistics: [String: UInt64] = [:]
      for (key, value) in counters { if let number = value.uint64 { statistics[key] = number } }
      budgetPressure = BudgetPressure(statistics: statistics, limitBytes: achievedBytes)
    }
    modelSizeBytes = manifest[path: "model", "size_bytes"]?.uint64
    if let total = manifest[path: "timings", "total_ms"]?.double {
      inferenceSeconds = total / 1000
    } else if let wall = manifest[path: "workload", "wall_seconds"]?.double {
      inferenceSeconds = wall
      inferenceIsWallTime = true
    }
    loadSeconds = manifest[path: "timings", "load_ms"]?.double.map { $0 / 1000 }
    wallSeconds = manifest[path: "workload", "wall_seconds"]?.double
    tokensPerSecond = manifest[path: "timings", "eval_tokens_per_second"]?.double
    evalRuns = manifest[path: "timings", "eval_tokens"]?.int
    promptTokens = manifest[path: "timings", "prompt_tokens"]?.int
    if let before = manifest[path: "memory", "meminfo_before", "Cached"]?.int64,
      let after = manifest[path: "memory", "meminfo_after", "Cached"]?.int64
    {
      pageCacheDeltaBytes = after - before
    }
    lostEvents = manifest[path: "trace", "lost_events"]?.uint64
    loadMode = manifest[path: "load_mode", "effective"]?.string
    // The manifest's copy of the analysis figures, for a directory without analysis.json.
    if let copy = manifest["analysis"], !copy.isNull {
      operations = copy["operations"]?.int
      bytes = copy["bytes"]?.uint64
      uniqueBytes = copy["unique_bytes"]?.uint64
      rereadFactor = copy["reread_factor"]?.double
      decodeRereadFactor = copy["decode_reread_factor"]?.double
      decodeBytes = copy["decode_bytes"]?.uint64
      loadUniqueBytes = copy["load_unique_bytes"]?.uint64
      sequentialPercent = copy["sequential_percent"]?.double
      logicalSequentialPercent = copy["logical_sequential_percent"]?.double
      averageBytesPerSecond = copy["average_bytes_per_second"]?.double
      peakBytesPerSecond = copy["peak_bytes_per_second"]?.double
      latencyP99Nanoseconds = copy["latency_p99_ns"]?.uint64
      requestSizeMedianBytes = copy["request_size_median_bytes"]?.uint64
      requestSizeP90Bytes = copy["request_size_p90_bytes"]?.uint64
      if let tasks = copy["owner_tasks"]?.int { ownerTasks = tasks > 0 ? tasks : nil }
    }
    for warning in manifest["warnings"]?.array ?? [] {
      if let text = warning.string { warnings.append(text) }
    }
  }

  private mutating func readAnalysis(_ analysis: ParsedJSON) {
    operations = analysis["operations"]?.int ?? operations
    bytes = analysis["bytes"]?.uint64 ?? bytes
    uniqueBytes = analysis["unique_bytes"]?.uint64 ?? uniqueBytes
    rereadFactor = analysis["reread_factor"]?.double ?? rereadFactor
    if let gaps = analysis["gaps"], let total = gaps["total"]?.double, total > 0 {
      sequentialPercent = (gaps["sequential"]?.double).map { $0 / total * 100 }
      backwardPercent = (gaps["backward"]?.double).map { $0 / total * 100 }
    }
    if let gaps = analysis["logical_gaps"], let total = gaps["total"]?.double, total > 0 {
      logicalSequentialPercent = (gaps["sequential"]?.double).map { $0 / total * 100 }
    }
    if let bandwidth = analysis["bandwidth"] {
      let fromCompletions = bandwidth["from_completions"]?.bool ?? false
      averageBytesPerSecond = fromCompletions ? bandwidth["average_bytes_per_second"]?.double : nil
      peakBytesPerSecond = fromCompletions ? bandwidth["peak_bytes_per_second"]?.double : nil
      peakWindowSeconds = bandwidth["window_seconds"]?.double
    }
    latencyP99Nanoseconds = analysis[path: "latency_ns", "p99"]?.uint64
    requestSizeMedianBytes = analysis["request_size_median_bytes"]?.uint64 ?? requestSizeMedianBytes
    requestSizeP90Bytes = analysis["request_size_p90_bytes"]?.uint64 ?? requestSizeP90Bytes
    if let decode = analysis[path: "phases", "decode"] {
      decodeRereadFactor = decode["reread_factor"]?.double
      decodeBytes = decode["bytes"]?.uint64 ?? decodeBytes
      loadUniqueBytes = analysis[path: "phases", "load", "unique_bytes"]?.uint64 ?? loadUniqueBytes
    }
    modelSizeBytes = modelSizeBytes ?? analysis["file_size"]?.uint64
    if let filter = analysis["filter"] {
      let pids = filter["pids"]?.array?.count ?? 0
      ownerTasks = pids > 0 ? pids : nil
      if let file = filter["extents_file"]?.string {
        sectorFilterFile = file.isEmpty ? "file" : file
        sectorFilterExtents = filter["extent_count"]?.int
      } else if let ranges = filter["sectors"]?.array {
        sectorFilterFile = "sector ranges"
        sectorFilterExtents = ranges.count
      }
    }
    if let lost = analysis["lost_events"]?.uint64 { lostEvents = max(lostEvents ?? 0, lost) }
    if let files = analysis["files"]?.array, files.count > 1 { modelFiles = files.count }
    if let json = analysis[path: "tensors", "experts"], !json.isNull { experts = ExpertColumns(json: json) }
    for warning in analysis["warnings"]?.array ?? [] {
      if let text = warning.string, !warnings.contains(text) { warnings.append(text) }
    }
  }

  /// Budget or lock bytes to plot against: achieved when verified, else requested.
  public var memoryBytes: UInt64? { achievedBytes ?? requestedBytes }

  /// The decode re-read factor as the plots draw it: 1 where the decode phase read nothing
  /// (nothing read again; its factor, 0 / 0 bytes, does not exist, but the run belongs on the
  /// plot, beside calm runs whose decode phase read the load's last bytes once: 1.00).
  public var plottedDecodeRereadFactor: Double? { decodeBytes == 0 ? 1 : decodeRereadFactor }

  /// Passes over the weights in the decode phase: the prompt pass and the eval runs.
  public var decodePasses: Int? { DecodePasses.count(evalRuns: evalRuns, promptTokens: promptTokens) }

  /// Bytes the decode phase read again / model size / decode passes (0 when decode read nothing).
  public var decodeSharePerPass: Double? {
    DecodePasses.sharePerPass(decodeBytes: decodeBytes, loadUniqueBytes: loadUniqueBytes, modelBytes: modelSizeBytes, passes: decodePasses)
  }

  /// The row as the cliff rule sees it; nil for a run that did not finish, or a memory
  /// configuration without bytes.
  public var cliffRun: ThrashingCliff.Run? {
    guard status == .ok else { return nil }
    let memory: ThrashingCliff.Run.Memory
    switch memoryKind {
    case .none: memory = .unconstrained
    case .budget:
      guard let bytes = memoryBytes else { return nil }
      memory = .budget(bytes)
    case .lock:
      guard let bytes = memoryBytes else { return nil }
      memory = .lock(bytes)
    }
    return ThrashingCliff.Run(
      label: label, memory: memory, tokensPerSecond: tokensPerSecond, decodeSharePerPass: decodeSharePerPass, rereadFactor: rereadFactor,
      limitReached: budgetPressure?.wasReached)
  }
}
