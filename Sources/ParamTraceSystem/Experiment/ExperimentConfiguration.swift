import ParamTraceCore

/// One experiment: a workload, a memory configuration, how to start it and how to trace it.
public struct ExperimentConfiguration: Sendable {
  /// The workload and its arguments.
  public var command: [String]
  /// The experiment directory (created; must be empty if it exists; not on tmpfs).
  public var outputDirectory: String
  /// The model file; found from the workload's mappings when nil.
  public var model: String?
  /// Where `model` came from, for the manifest: `--model`, or `the workload's command line`.
  public var modelSource = "--model"
  /// Memory limit of the workload's own cgroup (`--budget`).
  public var budgetBytes: UInt64?
  /// Memory to lock in a helper process (`--lock`, the notebook's mem_locker).
  public var lockBytes: UInt64?
  /// Lock past the safety margin (never past MemAvailable − 256 MiB).
  public var forceLock = false
  /// Evict only the model's pages before the run.
  public var cold = false
  /// Drop the whole page cache before the run.
  public var dropCaches = false
  /// Tracepoints in a private instance, or the full blk tracer (Q…C).
  public var actions: TraceActions = .tracepoints
  /// How tracepoints are drained: raw ring-buffer pages (default) or text.
  public var drain: TraceDrainKind = .raw
  /// Per-CPU trace buffer; nil for the recorder's default.
  public var bufferKiBPerCPU: Int?
  /// Echo the workload's output live.
  public var verbose = false
  /// Show the status line even when standard error is not a terminal (`--progress`).
  public var progress = false
  /// The paramtrace executable, for the memory-lock helper.
  public var executablePath: String
  /// The tool's version, written into the manifest.
  public var toolVersion: String
  /// Window for peak bandwidth in the analysis: `--window`, or chosen from the run's length.
  public var peakWindow = PeakWindow.fromRunLength
  /// Probe the model's disk before the workload (`--probe`): the result goes into the manifest
  /// and is the bandwidth of the analysis's I/O-bound ceiling.
  public var probe: ProbePlan?
  /// The model disk's `queue/read_ahead_kb` for this run (`--read-ahead-kb`), restored after
  /// it; nil leaves the disk as it is.
  public var readAheadKilobytes: UInt64?
  /// Stop the kernel's proactive reclaim (DAMON pageout schemes) for the run and start it
  /// again after (`--pause-proactive-reclaim`); false leaves it running, and warns.
  public var pauseProactiveReclaim = false
  /// Seconds between samples of the model's page-cache residency per layer (`residency.json`);
  /// 0 turns sampling off.
  public var residencyIntervalSeconds = 0.5
  /// This run's values of the sweep's axes (`sweep --load-modes`, `--threads`, `--axis`…),
  /// kept in the manifest so a report groups the run without sweep.json; empty outside a sweep.
  public var sweepAxes: [SweepAxisValue] = []

  public init(command: [String], outputDirectory: String, executablePath: String, toolVersion: String) {
    self.command = command
    self.outputDirectory = outputDirectory
    self.executablePath = executablePath
    self.toolVersion = toolVersion
  }

  /// `--model`, else the model the workload's command names (`ModelFileDiscovery`).
  public mutating func takeModelFromCommandIfMissing() {
    guard model == nil, let found = ModelFileDiscovery.modelPath(inCommand: command, isFile: isRegularFile) else { return }
    model = found
    modelSource = "the workload's command line"
  }

  /// What to say when `--cold` has no model (the exit-64 message of `record` and `sweep`):
  /// the `-m` path that is no file, or where a model can be named.
  public static func coldNeedsAModel(command: [String]) -> String {
    if let named = ModelFileDiscovery.modelFlagValues(inCommand: command).first {
      return "--cold evicts the model's pages, but the workload's model \(named) is not a file (from the working directory): fix the path, or give --model PATH."
    }
    return "--cold evicts the model's pages, but no model is named: give --model PATH, or name it in the workload's command (-m PATH, --model PATH, or an existing .gguf or .safetensors path); or drop the whole page cache with --drop-caches."
  }

  /// The memory configuration in words, for reports: `budget 3.00 GiB`, `lock 20.00 GiB`, `none`.
  public var memoryDescription: String {
    if let budgetBytes { return "budget \(HumanUnits.bytes(budgetBytes))" }
    if let lockBytes { return "lock \(HumanUnits.bytes(lockBytes))" }
    return "none"
  }
}

/// An experiment that could not run, with what to do.
public struct ExperimentError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}
