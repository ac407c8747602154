import ArgumentParser
import Glibc
import ParamTraceCore
import ParamTraceSystem

struct RecordCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Run a workload under one memory configuration, trace its block I/O, and write an experiment directory.",
    discussion: """
      Everything is checked before anything starts (root, tracefs, memory cgroup controller, the \
      model's disk). The trace covers the whole disk that holds the model, in a private tracefs \
      instance (or the ftrace blk tracer with --actions full), drained to DIR while the workload \
      runs; requests are attributed to the workload afterwards through its threads and the \
      model's extents. On exit, error, Ctrl-C or SIGTERM: tracing off, instance removed, cgroup \
      removed, lock helper gone, workload stopped.

      Without --model, the model is the file the workload's command names: the value of -m or \
      --model (llama.cpp's), else the first argument that is an existing .gguf or .safetensors \
      file; without one, the file the workload maps (found only after the run, so --cold then \
      cannot evict it and record stops with exit 64 before anything starts).

      DIR gets: manifest.json (command, configuration, environment, budget asked and achieved, \
      trace, workload, llama.cpp timings, memory counters, the probe with --probe, warnings), \
      the trace, workload.out, analysis.json and summary.txt, and residency.json: the model's \
      page-cache residency per layer every --residency-interval seconds (cachestat(2), else \
      mincore), which `report --html` draws as a heat map. The analysis includes disk wait: \
      bytes read per generated token, the disk-busy share of load and decode, and the I/O-bound \
      ceiling on tokens/s (from --probe's bandwidth, else the run's own peak: a lower bound).

      With --budget, whether the workload ever reached its limit (the cgroup's failure counter \
      and peak) is printed as the budget's verdict and kept as budget_pressure: "no pressure" \
      means the budget never constrained the run.

      Exit status: 0; 2 when the workload failed (everything is still written); 130 when \
      interrupted; 1 for an error; 64 for bad arguments (--cold with no model named, --budget \
      with --lock, …).

      Overhead: by default one thread per CPU copies the kernel's raw ring-buffer pages to DIR as they are (the kernel formats nothing and the recorder parses nothing while the workload runs); the workload's tasks come from the trace's own task events, and /proc is read once a second. With a workload doing no I/O the recorder used 0.5 % of one core on a 2-core VM. Measurements: docs/recording-overhead.md; the whole reference: docs/record.md.

      EXAMPLES:
        paramtrace record --budget 3GiB --cold --out runs/3g -- \\
          ./llama-cli -m m.gguf -n 64 -no-cnv -p hi
        paramtrace record --lock 20GiB --drop-caches --out runs/lock20 -- \\
          ./llama-cli -m m.gguf -n 64
        paramtrace record --budget 200MiB --cold --out runs/twin -- \\
          paramtrace replay twin.gguf --tokens 8
      """
  )

  @Option(help: "The model file (for several files: its first split, any split, its safetensors index or their directory; every disk they lie on is traced); when omitted, the one the workload's command names (-m/--model PATH, or a .gguf/.safetensors path), else the one it maps.")
  var model: String?

  @Option(help: "Memory limit for the workload's own cgroup (page cache included), e.g. 3GiB.")
  var budget: String?

  @Option(help: "Lock this much memory in a helper process first (the notebook's mem_locker), e.g. 20GiB.")
  var lock: String?

  @Flag(help: "Allow --lock past the safety margin (never past MemAvailable - 256 MiB).")
  var force = false

  @Flag(help: "Evict the model's pages from the page cache first (posix_fadvise, verified with mincore). Needs the model: --model, or named in the workload's command (-m/--model PATH, or a .gguf/.safetensors path); else exit 64.")
  var cold = false

  @Flag(help: "Drop the whole page cache first (sync; echo 3 > /proc/sys/vm/drop_caches).")
  var dropCaches = false

  @Option(help: "tracepoints (default: a private tracefs instance) or full (the ftrace blk tracer: Q…C).")
  var actions: String = "tracepoints"

  @Option(help: "How tracepoints are saved: raw (default: each CPU's ring-buffer pages as they are, trace.raw.cpuN with the event layouts in trace.raw.formats; the kernel formats nothing, so it keeps up with NVMe rates) or text (trace.tp.txt, readable anywhere, but the kernel formats every event).")
  var drain: String = "raw"

  @Option(name: .customLong("buffer-kib"), help: "Trace ring buffer per CPU, in KiB, for the whole run (default: chosen from the disk, and handed to larger rings when the rate seen in the first seconds needs them).")
  var bufferKiB: Int?

  @Option(help: "Seconds between samples of the model's page-cache residency per layer (cachestat(2), else mincore) into residency.json; 0 turns it off.")
  var residencyInterval: Double = 0.5

  @Option(name: .customLong("read-ahead-kb"), help: "Set the model disk's queue/read_ahead_kb for the run (restored afterwards, also on error, Ctrl-C and SIGTERM).")
  var readAheadKB: UInt64?

  @Flag(help: "Stop the kernel's proactive reclaim (running DAMON pageout schemes, the damon_reclaim module) for the run and start it again after (also on error, Ctrl-C and SIGTERM; after a SIGKILL the next record does): it evicts page cache whatever the budget. Without it, record only warns.")
  var pauseProactiveReclaim = false

  @Option(help: "The experiment directory (created; must be new or empty).")
  var out: String

  @Option(help: "Window for peak bandwidth in the analysis, in seconds (default: a tenth of the run, between 0.01 and 1).")
  var window: Double?

  @Flag(help: "Before the workload, measure the model's disk with paramtrace probe (O_DIRECT reads, 16 tests of --probe-seconds): kept as probe in the manifest, and the bandwidth of the analysis's I/O-bound ceiling.")
  var probe = false

  @Option(name: .customLong("probe-seconds"), help: "Seconds per probe test with --probe.")
  var probeSeconds: Double = 2

  @Flag(help: "Show the workload's output live.")
  var verbose = false

  @Flag(help: "Show the status line (elapsed, reads and MiB the disk completed, MiB/s, events lost, trace size) even when standard error is not a terminal; on a terminal it is always shown.")
  var progress = false

  @Argument(parsing: .postTerminator, help: "The workload: put it after --.")
  var command: [String] = []

  func validate() throws {
    if command.isEmpty { throw ValidationError("no workload: put the command after --, e.g. record --out run1 -- ./llama-cli -m model.gguf") }
    if let budget, ByteSize.parse(budget) == nil { throw ValidationError("--budget \(budget): expected a size such as 3GiB or 512MiB.") }
    if let lock, ByteSize.parse(lock) == nil { throw ValidationError("--lock \(lock): expected a size such as 20GiB.") }
    if budget != nil && lock != nil { throw ValidationError("--budget and --lock exclude each other.") }
    if TraceActions(rawValue: actions) == nil { throw ValidationError("--actions must be tracepoints or full.") }
    if TraceDrainKind(rawValue: drain) == nil { throw ValidationError("--drain must be raw or text.") }
    if cold && model == nil && ModelFileDiscovery.modelPath(inCommand: command, isFile: isRegularFile) == nil {
      throw ValidationError(ExperimentConfiguration.coldNeedsAModel(command: command))
    }
    if let window { try PeakWindowArgument.validate(window) }
    guard residencyInterval == 0 || (residencyInterval >= 0.05 && residencyInterval.isFinite) else {
      throw ValidationError("--residency-interval must be 0 (off) or at least 0.05 seconds.")
    }
    if let bufferKiB, bufferKiB < 4 { throw ValidationError("--buffer-kib must be at least 4.") }
    guard probeSeconds > 0, probeSeconds.isFinite, probeSeconds <= 600 else {
      throw ValidationError("--probe-seconds must be a positive number of seconds, at most 600.")
    }
  }

  func run() throws {
    var configuration = ExperimentConfiguration(
      command: command, outputDirectory: out, executablePath: currentExecutablePath(), toolVersion: ParamTraceVersion.current)
    configuration.model = model
    configuration.budgetBytes = budget.flatMap(ByteSize.parse)
    configuration.lockBytes = lock.flatMap(ByteSize.parse)
    configuration.forceLock = force
    configuration.cold = cold
    configuration.dropCaches = dropCaches
    configuration.actions = TraceActions(rawValue: actions) ?? .tracepoints
    configuration.drain = TraceDrainKind(rawValue: drain) ?? .raw
    configuration.bufferKiBPerCPU = bufferKiB
    configuration.verbose = verbose
    configuration.progress = progress
    configuration.peakWindow = PeakWindowArgument.rule(window)
    if probe { configuration.probe = ProbePlan(secondsPerTest: probeSeconds) }
    configuration.readAheadKilobytes = readAheadKB
    configuration.pauseProactiveReclaim = pauseProactiveReclaim
    configuration.residencyIntervalSeconds = residencyInterval
    let outcome = try ExperimentRecorder.run(configuration) { printError("paramtrace: \($0)") }
    if let analysis = outcome.analysis {
      print(analysis.summary(inputDescription: "experiment \(outcome.directory)"), terminator: "")
    }
    let t = outcome.timings
    print("Workload: \(outcome.workload.map { formatFixed($0.wallSeconds, 2) + " s" } ?? "not run")"
      + ", tokens/s \(t.evalTokensPerSecond.map { formatFixed($0, 2) } ?? "absent")"
      + ", load \(t.loadMilliseconds.map { formatFixed($0, 0) + " ms" } ?? "absent")")
    if let pressure = outcome.budgetPressure { print("Budget: \(pressure.sentence)") }
    if let warning = outcome.residentAtStart?.warning { print("WARNING: \(warning)") }
    print("Experiment: \(outcome.directory)/manifest.json")
    // The budget's verdict is printed above already.
    for warning in outcome.warnings where !warning.hasPrefix("Budget: ") && warning != outcome.residentAtStart?.warning { printError("warning: \(warning)") }
    if outcome.interrupted { throw ExitCode(130) }
    if let workload = outcome.workload, !workload.succeeded { throw ExitCode(2) }
  }
}

/// This executable's path (for the memory-lock helper, which is paramtrace itself).
func currentExecutablePath() -> String {
  var buffer = [CChar](repeating: 0, count: 4096)
  let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
  return count > 0 ? String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
}
