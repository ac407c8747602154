import CParamTraceShims
import Glibc
import ParamTraceCore

/// What an experiment produced.
public struct ExperimentOutcome: Sendable {
  public var directory: String
  public var manifest: JSONValue
  public var analysis: TraceAnalysis?
  public var workload: WorkloadResult?
  public var timings: LlamaTimings
  /// A stop signal (Ctrl-C, SIGTERM) ended the experiment early.
  public var interrupted: Bool
  /// Problems to show the user (lost events, budget not reached, workload failed…).
  public var warnings: [String]
  /// Whether the cgroup budget was ever reached; nil without `--budget`.
  public var budgetPressure: BudgetPressure?
  /// The model's pages cached before a budgeted run (a budget cannot bite on them); nil without `--budget`.
  public var residentAtStart: ResidentModelAtStart?
}

/// Runs one experiment (docs/record.md): checks everything first, starts cold,
/// sets the memory budget and verifies it, traces the disk that holds the model, runs the
/// workload, measures it, tears everything down (also on error and on Ctrl-C), analyzes the
/// trace with the model's extents and the workload's threads as filters, and writes the
/// experiment directory.
public enum ExperimentRecorder {
  /// Runs the experiment; `log` receives progress lines.
  public static func run(_ asked: ExperimentConfiguration, log: (String) -> Void) throws -> ExperimentOutcome {
    _ = paramtrace_install_stop_handlers()
    // A model the command names is known before the run: its disk is traced, --cold evicts it.
    var configuration = asked
    configuration.takeModelFromCommandIfMissing()
    if asked.model == nil, let model = configuration.model { log("model from the workload's command line: \(model)") }
    let directory = configuration.outputDirectory
    try preflight(configuration)
    // The model decides which disk to trace; without --model, the disk of the working
    // directory is traced and the model is found in the workload's mappings afterwards.
    var modelExtents: (map: FileExtentMap, details: FileExtentDetails)?
    if let model = configuration.model { modelExtents = try resolveExtents(model) }
    let disk = try modelExtents?.details.disk ?? diskOfWorkingDirectory()
    try prepareDirectory(directory)
    for stale in MemoryCgroup.removeStale() { log("removed a memory cgroup left by an earlier run: \(stale)") }

    // Everything that can be checked is checked before anything changes on the machine:
    // tracefs and the disk's events (the recorder's preflight), the lock's safety margin.
    var traceConfiguration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory)
    traceConfiguration.extraDisks = modelExtents?.map.otherDevices ?? []
    if !traceConfiguration.extraDisks.isEmpty {
      log("the model's files lie on \(1 + traceConfiguration.extraDisks.count) disks: tracing \(([disk] + traceConfiguration.extraDisks).map(\.description).joined(separator: ", "))")
    }
    traceConfiguration.actions = configuration.actions
    traceConfiguration.drain = configuration.drain
    var bufferChoice: TraceBufferSizing.Choice?
    if let buffer = configuration.bufferKiBPerCPU {
      traceConfiguration.bufferKiBPerCPU = buffer
    } else if let location = try? BlockDeviceSysfs.locate(disk), let name = location.diskName {
      let available = (try? ProcMemorySnapshot.take())?.meminfo["MemAvailable"].map { $0 }
      let choice = TraceBufferSizing.choose(diskName: name, cpus: ExperimentEnvironment.cpuCount(), memAvailableBytes: available)
      traceConfiguration.bufferKiBPerCPU = choice.kibPerCPU
      if configuration.actions == .tracepoints, configuration.drain == .raw { traceConfiguration.handoffCapKiB = choice.handoffCapKiB }
      bufferChoice = choice
    }
    let tracer = try TraceRecorder(traceConfiguration)
    defer { tracer.teardown() }
    if let lock = configuration.lockBytes { _ = try MemoryLocker.preflight(bytes: lock, force: configuration.forceLock) }

    var warnings: [String] = []
    var memoryJSON: [(String, JSONValue)] = []
    var settingsJSON: [(String, JSONValue)] = []

    // A kernel agent evicting page cache on its own makes re-reads no budget caused: paused
    // for the run when asked (put back by the defer on every way out), else said before the
    // run, and after it with what it may have cost.
    for line in ProactiveReclaimPause.restoreStale() { log("proactive reclaim restored: \(line)") }
    let proactiveReclaim = ProactiveReclaim.detect()
    var reclaimPause: ProactiveReclaimPause?
    defer { if let reclaimPause, !reclaimPause.restore() { log("warning: proactive reclaim not restarted: \(reclaimPause.problem ?? "?")") } }
    if configuration.pauseProactiveReclaim, proactiveReclaim.isActive {
      do { reclaimPause = try ProactiveReclaimPause(pausing: proactiveReclaim) } catch {
        throw ExperimentError("cannot pause proactive reclaim: \(error). Run without --pause-proactive-reclaim to record with it (record then warns).")
      }
      log("proactive reclaim paused for the run: \(reclaimPause?.changed.map { "\($0.path) (was \($0.previous))" }.joined(separator: ", ") ?? "")")
    } else if configuration.pauseProactiveReclaim {
      log("--pause-proactive-reclaim: no proactive reclaim runs here, nothing to pause")
    } else if let notice = proactiveReclaim.notice {
      log(notice + " (--pause-proactive-reclaim stops it for the run)")
    }

    // The disk's read-ahead for this run: put back by the defer on every way out (error,
    // failed workload, Ctrl-C, SIGTERM), and explicitly as soon as the workload has ended.
    var readAhead: BlockDeviceReadAhead?
    defer { if let readAhead, !readAhead.restore() { log("warning: could not restore \(readAhead.path): \(readAhead.problem ?? "?")") } }
    if let kilobytes = configuration.readAheadKilobytes {
      let setting: BlockDeviceReadAhead
      do { setting = try BlockDeviceReadAhead(disk: disk, kilobytes: kilobytes) } catch {
        throw ExperimentError("cannot set read_ahead_kb of disk \(disk): \(error)")
      }
      readAhead = setting
      modelExtents?.details.readAheadKilobytes = setting.achievedKilobytes
      log("read_ahead_kb of \(disk): \(setting.previousKilobytes) → \(setting.achievedKilobytes) for this run")
    }

    // Residency per layer over the run: the header is parsed now, before the cold start
    // evicts what that read brought in.
    var residencySampler: ModelResidencySampler?
    if configuration.residencyIntervalSeconds > 0, let model = configuration.model {
      do {
        let files = try ModelFileSet.open(model)
        residencySampler = try ModelResidencySampler(
          paths: files.paths, layout: ModelLayout(files), intervalSeconds: configuration.residencyIntervalSeconds)
      } catch {
        log("no residency samples: \(error)")
      }
    }

    // The disk's own bandwidth, before the cache is touched and before tracing starts (its
    // O_DIRECT reads must not be in the trace).
    var probe: ProbeReport?
    if let plan = configuration.probe, let model = configuration.model {
      let file = try Self.modelFiles(model)[0]
      log("probing \(file) (\(plan.tests.count) tests of \(formatFixed(Double(plan.nanosecondsPerTest) / 1e9, 2)) s, O_DIRECT)")
      probe = try StorageProbe.run(path: file, plan: plan)
      if let best = probe?.best { log("probe: best \(best.test.description), \(HumanUnits.rate(best.bytesPerSecond))") }
    }

    // Cold start.
    if configuration.dropCaches {
      log("dropping the page cache")
      try PageCache.dropAll()
    }
    // A model in several files is evicted, and its residency measured, file by file.
    let modelFilePaths = try configuration.model.map(Self.modelFiles) ?? []
    if configuration.cold, !modelFilePaths.isEmpty {
      var eviction: (residentBefore: UInt64, residentAfter: UInt64) = (0, 0)
      for path in modelFilePaths {
        let evicted = try PageCache.evict(path: path)
        eviction = (eviction.residentBefore + evicted.residentBefore, eviction.residentAfter + evicted.residentAfter)
      }
      log("evicted the model's pages: \(HumanUnits.bytes(eviction.residentBefore)) → \(HumanUnits.bytes(eviction.residentAfter)) resident")
      memoryJSON.append(("cold_eviction", .object([("resident_before", .number(eviction.residentBefore)), ("resident_after", .number(eviction.residentAfter))])))
      if eviction.residentAfter > 0 {
        warnings.append("\(HumanUnits.bytes(eviction.residentAfter)) of the model stayed in the page cache after eviction (mapped or locked by another process?).")
      }
    }
    let residencyBefore = Self.residency(modelFilePaths)
    // A budget does not apply to model pages that are already cached (charged elsewhere).
    let residentAtStart = ResidentModelAtStart(
      residentBytes: residencyBefore?.residentBytes, modelBytes: residencyBefore?.fileBytes, budgetBytes: configuration.budgetBytes)
    if let residentAtStart {
      settingsJSON.append(("budget_bypass", residentAtStart.json))
      if let warning = residentAtStart.warning {
        warnings.append(warning)
        log("WARNING: " + warning)
      }
    }
    let before = try ProcMemorySnapshot.take()

    // Memory budget, verified.
    var cgroup: MemoryCgroup?
    var locker: MemoryLocker?
    defer {
      locker?.release()
      if let cgroup, !cgroup.remove() { log("warning: could not remove \(cgroup.path): \(cgroup.removalProblem ?? "?")") }
    }
    if let budget = configuration.budgetBytes {
      let group = try MemoryCgroup(name: "record", limitBytes: budget)
      cgroup = group
      log("memory budget: cgroup \(group.path), limit \(HumanUnits.bytes(group.achievedLimitBytes))")
    }
    if let lock = configuration.lockBytes {
      let helper = try MemoryLocker(bytes: lock, force: configuration.forceLock, executable: configuration.executablePath)
      locker = helper
      log("memory lock: helper \(helper.pid) holds \(HumanUnits.bytes(helper.lockedBytes)) (VmLck)")
    }

    // Trace. The recorder's own CPU time (drain threads, the wait loop) from here to stop.
    let recorderUsageBefore = RecorderCPU.now()
    try tracer.start()
    try? tracer.mark(TraceMarkerText.workloadStart)
    log("tracing \(([disk] + traceConfiguration.extraDisks).map(\.description).joined(separator: " and ")) (\(configuration.actions == .full ? "blk tracer" : "tracepoints, \(configuration.drain.rawValue) drain")); running: \(configuration.command.joined(separator: " "))")

    // Workload.
    let workload = WorkloadProcess(
      command: configuration.command, cgroupProcsPath: cgroup?.procsPath,
      outputPath: directory + "/workload.out", echo: configuration.verbose)
    var interrupted = paramtrace_stop_signal() != 0
    var result: WorkloadResult?
    var recorderUsageAtWorkloadStart: RecorderCPU?
    var recorderUsageAtWorkloadEnd: RecorderCPU?
    if !interrupted {
      try workload.start()
      recorderUsageAtWorkloadStart = RecorderCPU.now()
      // With the trace's task events following the workload, /proc is looked at once a
      // second only (mappings, and a cross-check), not 20 times.
      let pollSeconds = tracer.taskEvents.isEmpty ? 0.05 : 1.0
      var status: RecordingStatusLine?
      if RecordingStatusLine.wanted(forced: configuration.progress) {
        let tally = tracer.rawFiles.flatMap { files in
          modelExtents.flatMap { ModelReadTally(stem: files.stem, cpus: files.cpus, extents: $0.map) }
        }
        status = RecordingStatusLine(diskName: tracer.diskName, model: tally)
      }
      // The status line and the residency samples share the wait loop's tick.
      var tickSeconds: Double? = status == nil ? nil : 0.5
      if residencySampler != nil { tickSeconds = min(tickSeconds ?? .infinity, configuration.residencyIntervalSeconds) }
      residencySampler?.sample()
      result = workload.wait(
        pollSeconds: pollSeconds, tickSeconds: tickSeconds,
        tick: {
          residencySampler?.sampleIfDue()
          if let status, let progress = tracer.progress { status.update(lostEvents: progress.lostEvents, traceBytes: progress.traceBytes) }
        }, shouldStop: { paramtrace_stop_signal() != 0 })
      recorderUsageAtWorkloadEnd = RecorderCPU.now()
      residencySampler?.sample()
      status?.finish()
      interrupted = paramtrace_stop_signal() != 0
    }
    try? tracer.mark(TraceMarkerText.workloadEnd)
    let cgroupStatistics = cgroup?.statistics()
    let pressure = cgroupStatistics.flatMap { cgroup?.pressure(statistics: $0) }
    // The lock must still hold at the end (the OOM killer may have taken the helper).
    var lockedAtEnd: UInt64?
    if let locker {
      do { lockedAtEnd = try locker.verify() } catch { warnings.append("The memory lock did not hold to the end: \(error)") }
    }
    var recording = try tracer.stop()
    recording.recorderCPU = RecorderCPU.now().since(recorderUsageBefore)
    if let start = recorderUsageAtWorkloadStart, let end = recorderUsageAtWorkloadEnd {
      recording.recorderCPUDuringWorkload = end.since(start)
    }
    recording.bufferKiBAtStart = traceConfiguration.bufferKiBPerCPU
    recording.bufferKiBPerCPU = recording.handoffs.last?.toKiB ?? traceConfiguration.bufferKiBPerCPU
    recording.handoffCapKiB = traceConfiguration.handoffCapKiB
    recording.bufferReason = bufferChoice?.reason ?? "--buffer-kib"
    let after = try ProcMemorySnapshot.take()
    locker?.release()
    if let reclaimPause {
      let restored = reclaimPause.restore()
      if !restored { warnings.append("Proactive reclaim was not started again: \(reclaimPause.problem ?? "?").") }
      settingsJSON.append(("proactive_reclaim_paused", reclaimPause.json(restored: restored)))
    }
    if let readAhead {
      let restored = readAhead.restore()
      if !restored { warnings.append("read_ahead_kb was not restored: \(readAhead.problem ?? "?"). Write \(readAhead.previousKilobytes) to \(readAhead.path).") }
      settingsJSON.append(
        (
          "read_ahead",
          .object([
            ("path", .string(readAhead.path)), ("previous_kb", .number(readAhead.previousKilobytes)),
            ("requested_kb", .number(readAhead.requestedKilobytes)), ("achieved_kb", .number(readAhead.achievedKilobytes)),
            ("restored", .bool(restored)),
          ])
        ))
    }
    let residencyAfter = Self.residency(modelFilePaths)

    // The model, when it was not given: from the workload's mappings.
    var modelPath = configuration.model
    if modelPath == nil, let found = result?.mappedModelFiles.first {
      modelPath = found
      modelExtents = try? resolveExtents(found)
      log("model found in the workload's mappings: \(found)")
      if let fileDisk = modelExtents?.details.disk, fileDisk != disk {
        warnings.append("The model \(found) is on \(fileDisk), but \(disk) was traced. Run again with --model \(found).")
        modelExtents = nil
      }
    }

    let output = (try? readWholeFile(directory + "/workload.out", limit: 64 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    let timings = LlamaTimings.parse(output)

    // Analysis: the model's extents and the workload's threads as filters.
    var analysis: TraceAnalysis?
    var fileOnly: AccessFigures?
    if let result {
      var options = AnalysisOptions()
      options.peakWindow = configuration.peakWindow
      options.filter.extents = modelExtents?.map
      // The owner filter: the workload's task tree from the trace's task events (every
      // thread and child, however short-lived), else the tasks /proc polling saw.
      if recording.taskEvents.isEmpty {
        options.filter.pids = result.taskIDs
      } else {
        options.filter.taskTreeRoots = [result.pid]
      }
      if let modelPath, let files = try? ModelFileSet.open(modelPath) {
        options.model = ModelLayout(files)
        options.expertsUsedPerToken = files.first.map.architecture.expertUsedCount
      }
      options.expectedForwardPasses = ExpectedForwardPasses(timings: timings, command: configuration.command)
      // Disk wait: phase windows from the workload's start and exit, tokens from its timing lines.
      options.timings = timings
      options.deviceBandwidth = probe?.bandwidth
      options.workloadStartNanoseconds = result.startMonotonicNanoseconds
      options.workloadEndNanoseconds = result.endMonotonicNanoseconds
      // A fault reads up to read_ahead_kb around itself, doubled by POSIX_FADV_SEQUENTIAL
      // (which llama.cpp sets): the largest read-around one fault can cause.
      if let readAhead = modelExtents?.details.readAheadKilobytes { options.readAroundWindowBytes = UInt64(readAhead) * 2048 }
      // llama.cpp's load time (MAP_POPULATE reads the whole file) marks where decode begins.
      if let load = timings.loadMilliseconds {
        options.decodeFromNanoseconds = result.startMonotonicNanoseconds + UInt64(load * 1e6)
        options.decodeFromSource = "llama.cpp's load time, \(formatFixed(load, 2)) ms after the workload started"
      }
      analysis = try analyze(recording, options: options)
      var unfiltered = options
      unfiltered.filter.pids = []
      unfiltered.filter.taskTreeRoots = []
      unfiltered.model = nil
      unfiltered.decodeFromNanoseconds = nil
      unfiltered.decodeMarker = nil
      fileOnly = try analyze(recording, options: unfiltered).figures
    }

    if recording.lostEvents > 0 {
      warnings.append("The tracer lost \(recording.lostEvents) events: the figures are incomplete. Use a larger --buffer-kib.")
    }
    if let result, !result.succeeded {
      warnings.append("The workload \(result.exitStatus.map { "exited with status \($0)" } ?? "was killed by signal \(result.terminatingSignal ?? 0)").")
    }
    if timings.isEmpty { warnings.append("No llama.cpp timing lines in the workload's output: tokens/s is absent.") }
    if interrupted { warnings.append("Interrupted by a signal: the run is incomplete.") }
    if let pressure, pressure.verdict == .noPressure {
      warnings.append("Budget: \(pressure.sentence). Lower --budget to measure pressure.")
    }
    if let analysis, let fileOnly, fileOnly.bytes > analysis.figures.bytes {
      let share = Double(fileOnly.bytes - analysis.figures.bytes) / Double(max(fileOnly.bytes, 1)) * 100
      if share > 1 {
        let who = analysis.tasks.map { tasks in
          tasks.otherOwners.prefix(3).map { "\($0.comm.isEmpty ? "?" : $0.comm.description) (pid \($0.pid))" }.joined(separator: ", ")
        }
        warnings.append(
          "\(formatFixed(share, 1))% of the model's bytes were read by tasks outside the workload\(who.map { $0.isEmpty ? "" : ": " + $0 } ?? "") (other processes reading the same file?).")
      }
    }
    let vmstatDelta = before.delta(to: after)
    let refaultedPages = vmstatDelta["workingset_refault_file"]
    let modelReReadBytes = analysis.map { $0.figures.bytes > $0.figures.uniqueBytes ? $0.figures.bytes - $0.figures.uniqueBytes : 0 }
    // The model's own evictions, when nothing of the run's making evicts it: a cold start
    // (no shadow entries left) and neither budget nor lock.
    let unconstrainedColdRun = configuration.budgetBytes == nil && configuration.lockBytes == nil && (configuration.cold || configuration.dropCaches)
    let modelEvictedBytes = unconstrainedColdRun ? residencySampler?.peakEvictedBytes : nil
    // Paused, it evicted nothing during the run: no warning.
    let reclaimWarning =
      reclaimPause != nil
      ? nil : proactiveReclaim.warning(refaultedPages: refaultedPages, modelReReadBytes: modelReReadBytes, modelEvictedBytes: modelEvictedBytes)
    if let reclaimWarning { warnings.append(reclaimWarning) }
    if recording.taskEvents.isEmpty {
      warnings.append("This kernel has no sched_process_fork event: the workload's tasks come from polling /proc, which misses threads and children that live less than 50 ms.")
    }

    memoryJSON += [
      ("meminfo_before", snapshotJSON(before.meminfo)), ("meminfo_after", snapshotJSON(after.meminfo)),
      ("vmstat_delta", .object(vmstatDelta.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
      ("model_resident_before", .optional(residencyBefore?.residentBytes)), ("model_resident_after", .optional(residencyAfter?.residentBytes)),
    ]
    if let cgroupStatistics { memoryJSON.append(("cgroup_statistics", snapshotJSON(cgroupStatistics))) }

    if let timeline = residencySampler?.timeline, timeline.count > 0 {
      settingsJSON.append(
        (
          "residency",
          .object([
            ("file", .string("residency.json")), ("method", .string(timeline.method.rawValue)), ("samples", .number(timeline.count)),
            ("interval_seconds", .double(configuration.residencyIntervalSeconds)), ("groups", .number(timeline.groups.count)),
            ("calls_per_sample", .number(timeline.groups.reduce(0) { $0 + $1.ranges.count })),
            ("sampling_seconds", .double(Double(timeline.samplingNanoseconds) / 1e9)),
          ])
        ))
    }
    let manifest = ManifestBuilder.build(
      configuration: configuration, disk: disk, modelPath: modelPath, modelExtents: modelExtents, cgroup: cgroup,
      locker: locker, lockedAtEnd: lockedAtEnd, pressure: pressure, recording: recording, workload: result, timings: timings,
      memory: memoryJSON, analysis: analysis, fileOnly: fileOnly, probe: probe, interrupted: interrupted, warnings: warnings,
      settings: settingsJSON, proactiveReclaim: proactiveReclaim)
    try writeText(manifest.rendered() + "\n", to: directory + "/manifest.json")
    if let timeline = residencySampler?.timeline, timeline.count > 0 {
      try writeText(timeline.json.rendered(indent: 0) + "\n", to: directory + "/residency.json")
    }
    if let analysis {
      try writeText(analysis.json.rendered() + "\n", to: directory + "/analysis.json")
      let notes = [residentAtStart?.warning, reclaimWarning]
      let machineWarnings = notes.compactMap { $0 }.map { "\nWARNING: \($0)\n" }.joined()
      try writeText(analysis.summary(inputDescription: recording.files.joined(separator: " ")) + machineWarnings, to: directory + "/summary.txt")
    }
    return ExperimentOutcome(
      directory: directory, manifest: manifest, analysis: analysis, workload: result, timings: timings, interrupted: interrupted,
      warnings: warnings, budgetPressure: pressure, residentAtStart: residentAtStart)
  }

  // MARK: - Steps

  static func preflight(_ configuration: ExperimentConfiguration) throws {
    guard geteuid() == 0 else {
      throw ExperimentError("record needs root: it traces the block layer (tracefs), sets cgroup limits and drops caches. Run it with sudo.")
    }
    guard !configuration.command.isEmpty else { throw ExperimentError("no workload: put the command after --, e.g. record --out run1 -- ./llama-cli -m model.gguf -n 64") }
    if configuration.cold, configuration.model == nil { throw ExperimentError(ExperimentConfiguration.coldNeedsAModel(command: configuration.command)) }
    if configuration.budgetBytes != nil, configuration.lockBytes != nil {
      throw ExperimentError("--budget and --lock exclude each other: choose the cgroup limit (precise) or the memory lock (the notebook's way).")
    }
    if configuration.budgetBytes != nil { _ = try MemoryCgroup.detectLayout() }
    if configuration.probe != nil, configuration.model == nil {
      throw ExperimentError("--probe measures the disk under the model's file, but no model is named: give --model PATH, or name it in the workload's command (-m PATH).")
    }
  }

  static func prepareDirectory(_ path: String) throws {
    if mkdir(path, 0o755) != 0, errno != EEXIST {
      throw ExperimentError("create \(path): \(String(cString: strerror(errno))). Choose a writable --out directory.")
    }
    guard let names = directoryEntryNames(path) else { throw ExperimentError("open \(path): \(String(cString: strerror(errno))).") }
    guard names.isEmpty else {
      throw ExperimentError("\(path) is not empty: each experiment gets its own directory. Choose a new --out.")
    }
  }

  /// The extents of the model's files laid end to end (one file, or every split or shard);
  /// the details are the first file's (all files are on its disk, or this refuses).
  static func resolveExtents(_ path: String) throws -> (map: FileExtentMap, details: FileExtentDetails) {
    if let files = try severalModelFiles(path) {
      do {
        let resolved = try ModelFileSet.extents(files)
        return (resolved.map, resolved.details[0])
      } catch {
        throw ExperimentError("cannot map the files of \(path) to disk sectors: \(error)")
      }
    }
    do { return try FileExtents.resolve(path: path) } catch {
      throw ExperimentError("cannot map \(path) to disk sectors: \(error)")
    }
  }

  /// The files of a model named by a split, an index or a directory; nil for one file (which
  /// need not be a model file to be traced).
  static func severalModelFiles(_ path: String) throws -> ModelFiles? {
    guard directoryEntryNames(path) != nil || path.hasSuffix(".json") || GGUFSplitName(path: path) != nil else { return nil }
    return try ModelFileSet.open(path)
  }

  /// The paths of the model's files.
  static func modelFiles(_ path: String) throws -> [String] { try Self.severalModelFiles(path)?.paths ?? [path] }

  /// Bytes of the files resident in the page cache; nil when any cannot be measured.
  static func residency(_ paths: [String]) -> (residentBytes: UInt64, fileBytes: UInt64)? {
    guard !paths.isEmpty else { return nil }
    var total: (residentBytes: UInt64, fileBytes: UInt64) = (0, 0)
    for path in paths {
      guard let one = try? PageCache.residency(path: path) else { return nil }
      total = (total.residentBytes + one.residentBytes, total.fileBytes + one.fileBytes)
    }
    return total
  }

  /// The whole disk that holds the working directory (record without --model).
  static func diskOfWorkingDirectory() throws -> DeviceNumber {
    do { return try FileExtents.diskHolding(path: ".") } catch {
      throw ExperimentError("cannot tell which disk to trace: \(error). Give the model with --model PATH.")
    }
  }

  static func analyze(_ recording: TraceRecordingResult, options: AnalysisOptions) throws -> TraceAnalysis {
    var source = try TraceInputs.open(
      paths: recording.analysisFiles, format: recording.analysisFormat, strict: false, countedOnly: options.actionsNotNeeded)
    var run = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { run.consume(batch, markers: source.markers) }
    var diagnostics = source.diagnostics
    diagnostics.lostEvents = max(diagnostics.lostEvents, recording.lostEvents)
    return run.finish(diagnostics: diagnostics, markers: source.markers)
  }

  static func snapshotJSON(_ values: [String: UInt64]) -> JSONValue {
    .object(values.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })
  }

  static func writeText(_ text: String, to path: String) throws {
    var writer = try TextFileWriter(path: path)
    try writer.write(text)
    try writer.close()
  }
}
