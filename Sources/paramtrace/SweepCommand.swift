import ArgumentParser
import Glibc
import ParamTraceCore
import ParamTraceSystem

struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run record over several memory budgets (or locks) and repetitions, and find the thrashing cliff.",
    discussion: """
      Runs are interleaved (repetition 1 of every budget, then repetition 2, …) so drift \
      spreads over all budgets. Each run is an experiment directory DIR/<label>-r<N> as record \
      writes it; DIR/sweep.json lists them. Resumable: finished runs are kept and skipped when \
      the same command is run again; a failed run is recorded as failed and the sweep goes on; \
      Ctrl-C stops after tearing the current run down.

      --find-cliff then narrows the budget between the largest one that thrashes and the smallest one that does not, to --resolution, and records both sides in sweep.json (exact bytes). A budget thrashes when its decode phase re-reads more than --thrash-share of the model per decode pass (the decode phase, after llama.cpp's load time, holds the prompt pass and one pass per eval run: eval runs + 1 passes), or when its tokens/s are more than a third below the best median with more memory, whatever its share (unless it never reached its memory limit: then the slowdown is not the memory's). `paramtrace report` draws its band by the same rule.

      Budgets print in the unit you wrote them in (the smallest of --budgets): MiB in, MiB out. The whole reference: docs/sweep.md; the thrashing rule: docs/metrics.md.

      Other axes: --load-modes, --read-ahead-kb, --threads and --axis NAME=V1,V2 (repeatable) make a grid with the memory points: every combination is run, every repetition of the grid before the next. Each value reaches the workload through {NAME} in its command ({load_mode}, {threads}, {read_ahead_kb}, or your axis's name), replaced wherever it appears. Without {load_mode} the command is rewritten in llama.cpp's spelling: its load-mode options are taken out and --load-mode MODE appended when the command used --load-mode, else the older switches (none: --no-mmap, mlock: --no-mmap --mlock, mmap+mlock: --mlock, dio: -dio; auto and mmap: none, those builds' default is mmap). Without {threads} the value of llama.cpp's -t/--threads is replaced. --read-ahead-kb sets the model disk's queue/read_ahead_kb for each run and puts the old value back after it, also on error, Ctrl-C and SIGTERM. Runs are named LABEL,NAME=VALUE…-rN; --find-cliff narrows the budget for each combination of the other axes; `paramtrace report` gives each axis a column and draws one panel per value of the first axis after memory.

      A budget cannot limit model pages that are already cached (they are charged to whoever read them first), so with --budgets every run starts by evicting the model, as --cold does; --warm keeps the cache as it is (record then warns when the model is resident).

      EXAMPLES:
        paramtrace sweep --budgets 0,3GiB,2GiB,1GiB --repeat 3 --cold \\
          --out sweep1 -- ./llama-cli -m m.gguf -n 32 -no-cnv -p hi
        paramtrace sweep --budgets 5GiB,3GiB --find-cliff --resolution 128MiB \\
          --cold --out cliff -- paramtrace replay m.gguf --tokens 16
        paramtrace sweep --budgets 0,2GiB --load-modes mmap,none --threads 2,4 \\
          --out g -- llama-cli -m m.gguf -t 2
        paramtrace sweep --budgets 2GiB --read-ahead-kb 128,8192 --axis b=32,512 \\
          --out r -- llama-cli -m m.gguf -b {b}
        paramtrace report sweep1 --html sweep1.html
      """
  )

  @Option(help: "The model file (for several files: its first split, any split, its safetensors index or their directory); when omitted, the one the workload's command names (-m/--model PATH, or a .gguf/.safetensors path), else the one it maps.")
  var model: String?

  @Option(help: "Comma-separated cgroup budgets, 0 for unconstrained, e.g. 0,3GiB,2GiB,1GiB.")
  var budgets: String?

  @Option(help: "Comma-separated memory locks instead of budgets, e.g. 0,20GiB,23GiB.")
  var locks: String?

  @Option(help: "Repetitions of every configuration.")
  var `repeat`: Int = 1

  @Flag(help: "Evict the model's pages before every run (the default with --budgets). Needs the model: --model, or named in the workload's command; else exit 64.")
  var cold = false

  @Flag(help: "With --budgets, keep the page cache as it is instead of evicting the model before each run (a resident model escapes the budget: record warns).")
  var warm = false

  @Option(help: "Comma-separated llama.cpp load modes, e.g. mmap,none,dio (auto, none, mmap, mlock, mmap+mlock, dio).")
  var loadModes: String?

  @Option(name: .customLong("read-ahead-kb"), help: "Comma-separated values of the model disk's queue/read_ahead_kb, e.g. 128,8192 (restored after each run).")
  var readAheadKB: String?

  @Option(help: "Comma-separated thread counts, put into {threads} or llama.cpp's -t value, e.g. 1,2,4.")
  var threads: String?

  @Option(help: "Any other axis: NAME=V1,V2,… with {NAME} in the workload's command (repeatable).")
  var axis: [String] = []

  @Flag(help: "Drop the whole page cache before every run.")
  var dropCaches = false

  @Flag(help: "Stop the kernel's proactive reclaim (DAMON pageout schemes) during every run, as record does.")
  var pauseProactiveReclaim = false

  @Flag(help: "Allow locks past the safety margin (never past MemAvailable - 256 MiB).")
  var force = false

  @Flag(help: "Narrow the budget where re-reads start (needs --budgets with a thrashing and a calm budget).")
  var findCliff = false

  @Option(help: "Stop narrowing the cliff when the budgets are this close, e.g. 64MiB.")
  var resolution: String = "64MiB"

  @Option(help: "A budget thrashes when its decode phase re-reads more than this share of the model per decode pass.")
  var thrashShare: Double = ThrashingCliff.defaultThreshold

  @Option(help: "tracepoints (default) or full (the ftrace blk tracer).")
  var actions: String = "tracepoints"

  @Option(name: .customLong("buffer-kib"), help: "Trace ring buffer per CPU, in KiB, for the whole run (default: chosen from the disk, and handed to larger rings when the rate seen in the first seconds needs them).")
  var bufferKiB: Int?

  @Option(help: "Seconds between samples of the model's page-cache residency per layer in each run (residency.json); 0 turns it off.")
  var residencyInterval: Double = 0.5

  @Option(help: "The sweep directory.")
  var out: String

  @Flag(help: "Show each workload's output live.")
  var verbose = false

  @Argument(parsing: .postTerminator, help: "The workload: put it after --.")
  var command: [String] = []

  func validate() throws {
    if command.isEmpty { throw ValidationError("no workload: put the command after --.") }
    if (budgets == nil) == (locks == nil) { throw ValidationError("give --budgets or --locks (one of them).") }
    if let budgets, MemoryPoint.parseList(budgets, kind: .budget) == nil {
      throw ValidationError("--budgets \(budgets): expected sizes separated by commas, e.g. 0,3GiB,2GiB.")
    }
    if let locks, MemoryPoint.parseList(locks, kind: .lock) == nil {
      throw ValidationError("--locks \(locks): expected sizes separated by commas, e.g. 0,20GiB.")
    }
    if `repeat` < 1 || `repeat` > 100 { throw ValidationError("--repeat must be between 1 and 100.") }
    if findCliff, locks != nil { throw ValidationError("--find-cliff narrows cgroup budgets: use --budgets.") }
    if ByteSize.parse(resolution) == nil { throw ValidationError("--resolution \(resolution): expected a size such as 64MiB.") }
    guard thrashShare >= 0, thrashShare.isFinite else { throw ValidationError("--thrash-share must be a share such as 0.1 (10% of the model per decode pass).") }
    if cold && model == nil && ModelFileDiscovery.modelPath(inCommand: command, isFile: isRegularFile) == nil {
      throw ValidationError(ExperimentConfiguration.coldNeedsAModel(command: command))
    }
    if TraceActions(rawValue: actions) == nil { throw ValidationError("--actions must be tracepoints or full.") }
    guard residencyInterval == 0 || (residencyInterval >= 0.05 && residencyInterval.isFinite) else {
      throw ValidationError("--residency-interval must be 0 (off) or at least 0.05 seconds.")
    }
    if cold && warm { throw ValidationError("--cold and --warm exclude each other: evict the model before each run, or keep the cache.") }
    if budgets != nil, !warm, !cold, model == nil, ModelFileDiscovery.modelPath(inCommand: command, isFile: isRegularFile) == nil {
      throw ValidationError(
        "--budgets evicts the model before each run (a cached model escapes the budget), but no model is named: give --model PATH or name it in the workload's command, or add --warm to keep the cache as it is.")
    }
    let axes = try sweepAxes()
    if let problem = WorkloadCommandTemplate.problem(command, axes: axes) { throw ValidationError(problem) }
  }

  /// The axes besides memory, in a fixed order: load mode, read-ahead, threads, then --axis
  /// in the order given.
  func sweepAxes() throws -> [SweepAxis] {
    var axes: [SweepAxis] = []
    if let loadModes {
      guard let values = SweepAxis.parseValues(loadModes), values.allSatisfy({ LlamaLoadMode.modes.contains($0) }) else {
        throw ValidationError("--load-modes \(loadModes): expected llama.cpp load modes separated by commas, each once: \(LlamaLoadMode.modes.joined(separator: ", ")).")
      }
      axes.append(SweepAxis(name: SweepAxis.loadModeName, role: .loadMode, values: values))
    }
    if let readAheadKB {
      guard let values = SweepAxis.parseValues(readAheadKB), values.allSatisfy({ UInt64($0) != nil }) else {
        throw ValidationError("--read-ahead-kb \(readAheadKB): expected KiB values separated by commas, each once, e.g. 128,8192.")
      }
      axes.append(SweepAxis(name: SweepAxis.readAheadName, role: .readAheadKilobytes, values: values))
    }
    if let threads {
      guard let values = SweepAxis.parseValues(threads), values.allSatisfy({ (Int($0) ?? 0) > 0 }) else {
        throw ValidationError("--threads \(threads): expected thread counts separated by commas, each once, e.g. 1,2,4.")
      }
      axes.append(SweepAxis(name: SweepAxis.threadsName, role: .threads, values: values))
    }
    for text in axis {
      guard let custom = SweepAxis.parseCustom(text) else {
        throw ValidationError("--axis \(text): expected NAME=V1,V2 (NAME: letters, digits and _, starting with a letter; values separated by commas, each once).")
      }
      if axes.contains(where: { $0.name == custom.name }) {
        throw ValidationError("--axis \(custom.name): that axis is given twice (or is a built-in one: use --load-modes, --read-ahead-kb or --threads).")
      }
      axes.append(custom)
    }
    return axes
  }

  func run() throws {
    var experiment = ExperimentConfiguration(
      command: command, outputDirectory: out, executablePath: currentExecutablePath(), toolVersion: ParamTraceVersion.current)
    experiment.model = model
    // A cached model escapes a cgroup budget: budgeted sweeps start every run cold.
    experiment.cold = cold || (budgets != nil && !warm)
    experiment.dropCaches = dropCaches
    experiment.pauseProactiveReclaim = pauseProactiveReclaim
    experiment.forceLock = force
    experiment.actions = TraceActions(rawValue: actions) ?? .tracepoints
    experiment.bufferKiBPerCPU = bufferKiB
    experiment.verbose = verbose
    experiment.residencyIntervalSeconds = residencyInterval
    let points = budgets.flatMap { MemoryPoint.parseList($0, kind: .budget) } ?? locks.flatMap { MemoryPoint.parseList($0, kind: .lock) } ?? []
    var configuration = SweepConfiguration(experiment: experiment, points: points, repetitions: `repeat`)
    configuration.findCliff = findCliff
    configuration.cliffResolutionBytes = ByteSize.parse(resolution) ?? (64 << 20)
    configuration.thrashShare = thrashShare
    configuration.axes = try sweepAxes()
    let terminal = isatty(2) != 0
    let runs = try SweepRunner.run(
      configuration,
      progress: { progress in
        let eta = progress.estimatedRemainingSeconds.map { ", about \(Self.duration($0)) left" } ?? ""
        let line = "run \(progress.runIndex) of \(progress.runCount): \(progress.label) (elapsed \(Self.duration(progress.elapsedSeconds))\(eta))"
        printError(terminal ? "\u{1B}[1m" + line + "\u{1B}[0m" : line)
      },
      log: { message in if verbose || !message.hasPrefix("memory") { printError("  \(message)") } })
    let unit = MemoryPoint.displayUnit(ofList: budgets ?? locks ?? "")
    print(SweepRun.summary(runs, thrashShare: thrashShare, unit: unit, findCliff: findCliff), terminator: "")
    print("Sweep: \(out)/sweep.json; `paramtrace report \(out)` for the full table, `--html` for plots.")
    if runs.contains(where: { $0.status == .interrupted }) { throw ExitCode(130) }
    if runs.contains(where: { $0.status == .failed }) { throw ExitCode(2) }
  }

  static func duration(_ seconds: Double) -> String {
    let whole = Int(seconds.rounded())
    return whole >= 60 ? "\(whole / 60)m\(whole % 60)s" : "\(whole)s"
  }
}
