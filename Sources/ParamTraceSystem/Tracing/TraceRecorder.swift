import CParamTraceShims
import ParamTraceCore
import Synchronization
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// Records the block I/O of one disk through tracefs while a workload runs (docs/metrics.md
/// "Recording", spec §3), without blktrace.
///
/// - `.tracepoints`: a private instance `instances/paramtrace-PID[-N]` with the block
///   tracepoints filtered by `dev ==` the whole disk (never by pid: completions run in
///   interrupt context), `trace_clock=mono`, saved as text to `OUTDIR/trace.tp.txt`.
/// - `.full`: the top-level `blk` tracer in binary mode, saved as blktrace's per-CPU files
///   `OUTDIR/trace.blktrace.N` (one recorder per machine: an flock guards it).
///
/// A drain thread empties `trace_pipe` into the files for the whole run, so the ring never
/// fills; losses the kernel reports (per-CPU `stats`, `[LOST M EVENTS]`) are returned, never
/// hidden. Everything the recorder changed in tracefs is undone by `stop()`, by `teardown()`
/// (idempotent, safe after any error and from a signal handler's main-thread path) and by
/// deinit. A later recorder removes what a killed one left behind (`paramtrace-PID` instances
/// of dead pids; the `blk` tracer settings saved in the lock file) and says so on stderr.
///
/// Overhead: one thread that wakes at most ~20 times a second and writes the trace in 1 MiB
/// pieces (about 100 bytes of text or 48 bytes of binary per event), dropping the written
/// trace from the page cache as it goes; ring buffers of `bufferKiBPerCPU` per CPU of kernel
/// memory. The trace's own writes go to the traced disk and appear in the trace (a few
/// requests per MiB of trace, outside the model file's sectors).
public final class TraceRecorder: @unchecked Sendable {
  /// Tracepoints every `.tracepoints` recording needs.
  static let requiredEvents = [
    "block_bio_queue", "block_rq_insert", "block_rq_issue", "block_rq_requeue", "block_rq_complete",
  ]
  /// Tracepoints added when the kernel has them. They fire only when the block layer merges a
  /// bio into a queued request, splits one, or merges two queued requests, so they cost at
  /// most one event per bio or request. Without them a queued bio that merged has no recorded
  /// fate, a split request's second half has no queue line, and a request the scheduler
  /// merged into its neighbour (inserted, never issued) looked unfinished: 11–16 per replay
  /// of a 0.1-scale twin under a 350 MiB budget, before block_rq_merge was added.
  static let optionalEvents = ["block_bio_backmerge", "block_bio_frontmerge", "block_split", "block_rq_merge"]
  /// The scheduler's task events (spec §12), `SUBSYSTEM/NAME`: they name parent and child of
  /// every thread and process created, so the analysis knows the workload's tasks however
  /// short-lived (docs/metrics.md lesson 9). They fire at task rate, not I/O rate, and cannot be
  /// filtered by device; the ones this kernel has are enabled.
  static let taskEventNames = [
    "task/task_newtask", "sched/sched_process_fork", "sched/sched_process_exec", "sched/sched_process_exit",
    "task/task_rename",
  ]
  /// Task events every task tree needs: without the fork event no child is known.
  static let requiredTaskEvent = "sched/sched_process_fork"
  /// What `instance` says for the `blk` tracer.
  public static let topLevelInstanceName = "top-level (blk tracer)"
  /// Top-level options the `blk` recording changes and restores.
  static let blkOptions = ["bin", "context-info", "blk_classic"]

  public let configuration: TraceRecorderConfiguration
  /// The disk's kernel name (`vda`).
  public let diskName: String
  let tracefs: Tracefs
  /// The tracepoints enabled (`.tracepoints`).
  let events: [String]
  /// The task events recorded (`SUBSYSTEM/NAME`); empty when the kernel lacks the fork event
  /// or `recordTaskEvents` is off.
  public let taskEvents: [String]
  let session: Mutex<Session>
  /// Keeps a handoff (`handOff`) and stop/teardown apart: they wait for one under way.
  let handoffGate = Mutex(HandoffGate())

  struct Session: ~Copyable {
    enum Phase { case prepared, running, stopped, tornDown }
    var phase = Phase.prepared
    var blkLock: BlkTracerLock?
    /// The instance directory (`.tracepoints`) once created.
    var instanceName: String?
    var instancePath: String?
    var markerFD: Int32 = -1
    var drain: TraceDrain?
    /// `.raw`: the drains of CPUs 1…N-1 (`drain` is CPU 0's).
    var moreDrains: [TraceDrain] = []
    /// The tracepoints are drained as raw pages (else as text).
    var rawDrain = false
    /// `.full`: the private instance that records the task events beside the `blk` tracer.
    var taskInstancePath: String?
    var taskDrain: TraceDrain?
    var taskStatsBefore: [Int: TraceRingStats] = [:]
    /// `.full`: the top-level settings as they were (relative path → value).
    var saved: [String: String] = [:]
    var changedTopLevel = false
    var statsBefore: [Int: TraceRingStats] = [:]
    /// Test hook: the text trace's path instead of `OUTDIR/trace.tp.txt` (`/dev/full` for ENOSPC).
    var textOutputOverride: String?
    /// `.raw`: the live set of files (0: `trace.raw`, k: `trace.raw.sK`, after k handoffs to
    /// larger rings), its ring size and when it began recording.
    var segment = 0
    var tracingStart: UInt64 = 0
    var liveKiB = 0
    var segmentStart: UInt64 = 0
    /// The last rate check: the set it looked at, when, and each drain's bytes then.
    var lastRateLook: (segment: Int, time: UInt64, bytes: [Int])?
    /// Each set's formats text, and the windows a handoff appended to it.
    var segmentFormats: [String] = []
    var segmentWindows: [[UInt16: FtraceRawFormats.Window]] = []
    /// A handoff's instances while it runs (teardown removes them if it comes first).
    var pendingInstancePath: String?
    var retiringInstancePath: String?
    /// What the earlier sets recorded, their drains finished.
    var retired = RetiredSegments()
    var handoffs: [RingHandoff.Decision] = []
    var handoffProblems: [String] = []
  }

  /// Earlier sets of a handed-off recording, summed.
  struct RetiredSegments {
    var files: [String] = []
    var bytesWritten = 0
    var records = 0
    var lostEventsInStream = 0
    var lostInStats = 0
    var lost = 0
  }

  /// Whether a handoff may start, and whether one runs.
  struct HandoffGate {
    var closed = false
    var running = false
  }

  /// Checks everything a recording needs, before anything changes (spec §3.5): root or
  /// CAP_SYS_ADMIN; tracefs (mounted when missing); the disk (a whole disk with a sysfs entry);
  /// the block tracepoints; the output directory (created when missing; not tmpfs/ramfs). For
  /// `.full` also the `blk` tracer and its lock, `current_tracer` = nop, the disk's
  /// `trace/enable` = 0 and no top-level events. Removes what crashed recorders left behind.
  ///
  /// - Throws: `TraceRecorderError` saying what is missing and how to fix it.
  public init(_ configuration: TraceRecorderConfiguration) throws {
    self.configuration = configuration
    guard Self.isPrivileged() else { throw TraceRecorderError(.notPrivileged, path: Tracefs.standardRoot) }
    let tracefs = try Tracefs.locate()
    self.tracefs = tracefs

    let location: BlockDeviceLocation
    do { location = try BlockDeviceSysfs.locate(configuration.disk) } catch {
      throw TraceRecorderError(.diskUnknown(configuration.disk, error.description), path: "/sys/dev/block/\(configuration.disk)")
    }
    guard !location.isPartition else {
      throw TraceRecorderError(.notWholeDisk(configuration.disk, disk: location.disk), path: "/sys/dev/block/\(configuration.disk)")
    }
    diskName = location.diskName ?? "\(configuration.disk)"
    for extra in configuration.extraDisks {
      let other: BlockDeviceLocation
      do { other = try BlockDeviceSysfs.locate(extra) } catch {
        throw TraceRecorderError(.diskUnknown(extra, error.description), path: "/sys/dev/block/\(extra)")
      }
      guard !other.isPartition else { throw TraceRecorderError(.notWholeDisk(extra, disk: other.disk), path: "/sys/dev/block/\(extra)") }
    }
    if configuration.actions == .full, !configuration.extraDisks.isEmpty {
      throw TraceRecorderError(
        .misuse(
          "the model lies on \(1 + configuration.extraDisks.count) disks, and `--actions full` (the blk tracer) records one disk here; record it with the default tracepoints, which trace every disk the model is on"
        ), path: "")
    }

    let eventsDirectory = tracefs.path("events/block")
    let missing = Self.requiredEvents.filter { !Tracefs.exists("\(eventsDirectory)/\($0)/enable") }
    guard missing.isEmpty else { throw TraceRecorderError(.blockEventsMissing(missing), path: eventsDirectory) }
    events = Self.requiredEvents + Self.optionalEvents.filter { Tracefs.exists("\(eventsDirectory)/\($0)/enable") }
    let taskEventsPresent = Self.taskEventNames.filter { Tracefs.exists(tracefs.path("events/\($0)/enable")) }
    taskEvents =
      configuration.recordTaskEvents && taskEventsPresent.contains(Self.requiredTaskEvent) ? taskEventsPresent : []

    guard configuration.bufferKiBPerCPU > 0 else {
      throw TraceRecorderError(.misuse("bufferKiBPerCPU must be positive, not \(configuration.bufferKiBPerCPU)"), path: "")
    }
    try Self.prepareOutputDirectory(configuration.outputDirectory)
    Self.removeStaleInstances(tracefs)

    var blkLock: BlkTracerLock?
    if configuration.actions == .full {
      let tracers = try Tracefs.read(tracefs.path("available_tracers"))
      guard tracers.split(separator: " ").contains("blk") else {
        throw TraceRecorderError(.blkTracerMissing, path: tracefs.path("available_tracers"))
      }
      let enable = "/sys/block/\(diskName)/trace/enable"
      guard Tracefs.exists(enable) else {
        throw TraceRecorderError(.diskUnknown(configuration.disk, "\(enable) is missing (no blk tracing for this disk)"), path: enable)
      }
      let lock = try BlkTracerLock()
      Self.recoverCrashedBlkRecording(lock.leftover, tracefs: tracefs)
      let current = try Tracefs.read(tracefs.path("current_tracer"))
      guard current == "nop" else { throw TraceRecorderError(.tracerBusy(current: current), path: tracefs.path("current_tracer")) }
      guard try Tracefs.read(enable) == "0" else { throw TraceRecorderError(.blktraceRunning(diskName: diskName), path: enable) }
      let topEvents = try Tracefs.read(tracefs.path("set_event")).split(separator: "\n").map(String.init)
      guard topEvents.isEmpty else {
        throw TraceRecorderError(.topLevelEventsEnabled(topEvents), path: tracefs.path("set_event"))
      }
      blkLock = lock
    } else if let lock = try? BlkTracerLock() {
      // Not needed for a private instance, but a free lock with saved settings means a killed
      // `.full` recording left the top-level tracer on: put it back.
      Self.recoverCrashedBlkRecording(lock.leftover, tracefs: tracefs)
      lock.release()
    }
    var session = Session()
    session.blkLock = blkLock
    self.session = Mutex(session)
  }

  deinit { teardown() }

  // MARK: Public operations

  /// Creates and configures the instance (or the `blk` tracer), starts the drain thread and
  /// turns tracing on. On failure everything done so far is undone before it throws.
  public func start() throws {
    try session.withLock { (state: inout Session) throws(TraceRecorderError) in
      guard case .prepared = state.phase else {
        throw TraceRecorderError(.misuse("start() called \(state.phase == .running ? "twice" : "after stop or teardown")"), path: "")
      }
      do throws(TraceRecorderError) {
        switch configuration.actions {
        case .tracepoints: try startInstance(&state)
        case .full: try startBlkTracer(&state)
        }
        state.phase = .running
      } catch {
        teardownLocked(&state)
        throw error
      }
    }
  }

  /// Writes `text` into the trace's timeline: a `tracing_mark_write: TEXT` line in the
  /// instance (`.tracepoints`), or a blktrace message note stamped with CLOCK_MONOTONIC
  /// (`.full`, where ftrace's binary output drops markers). Newlines become spaces; at most
  /// 1000 bytes are kept. Decoders report these as `markers`.
  public func mark(_ text: String) throws {
    var line = String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    if line.utf8.count > 1000 { line = String(decoding: line.utf8.prefix(1000), as: UTF8.self) }
    try session.withLock { (state: inout Session) throws(TraceRecorderError) in
      guard case .running = state.phase else { throw TraceRecorderError(.misuse("mark() outside a running recording"), path: "") }
      switch configuration.actions {
      case .tracepoints:
        let path = (state.instancePath ?? "") + "/trace_marker"
        let fd = state.markerFD
        let written = line.withUTF8 { utf8 in Glibc.write(fd, utf8.baseAddress, utf8.count) }
        guard written >= 0 else {
          throw TraceRecorderError(.tracefs(operation: "write marker to", errno: Errno(rawValue: errno)), path: path)
        }
      case .full:
        state.drain?.add(TraceMarker(time: MonotonicClock.nanoseconds(), text: line))
      }
    }
  }

  /// Turns tracing off, drains what is left, reads the per-CPU stats, tears everything down
  /// and returns the files and counters.
  ///
  /// - Throws: the drain's failure (for example ENOSPC writing the trace; the files keep what
  ///   was written before it), or a tracefs error. Teardown has happened either way.
  public func stop() throws -> TraceRecordingResult {
    closeHandoffGate()
    return try session.withLock { (state: inout Session) throws(TraceRecorderError) -> TraceRecordingResult in
      guard case .running = state.phase, let drain = state.drain else {
        throw TraceRecorderError(.misuse("stop() without a running recording"), path: "")
      }
      let base = state.instancePath ?? tracefs.root
      do throws(TraceRecorderError) {
        try Tracefs.write("0", to: base + "/tracing_on")
        if configuration.actions == .full { try Tracefs.write("0", to: "/sys/block/\(diskName)/trace/enable") }
        drain.finish()
        for more in state.moreDrains { more.finish() }
        drain.join()
        for more in state.moreDrains { more.join() }
        var taskLost = 0
        var taskSummary: TraceDrainSummary?
        if let taskDrain = state.taskDrain, let taskPath = state.taskInstancePath {
          try Tracefs.write("0", to: taskPath + "/tracing_on")
          taskDrain.finish()
          taskDrain.join()
          if let failure = taskDrain.failure { throw failure }
          let after = try TraceRingStats.read(base: taskPath)
          taskSummary = taskDrain.sink.summary
          taskLost = Self.lostEvents(before: state.taskStatsBefore, after: after, inStream: taskSummary!.lostEventsInStream)
        }
        let statsAfter = try TraceRingStats.read(base: base)
        var summary = Self.summary(of: [drain] + state.moreDrains)
        let retired = state.retired
        summary.files = retired.files + summary.files
        summary.bytesWritten += retired.bytesWritten
        summary.records += retired.records
        let handoffs = state.handoffs
        let handoffProblems = state.handoffProblems
        let failure = drain.failure ?? state.moreDrains.lazy.compactMap(\.failure).first
        let instance = state.instanceName ?? Self.topLevelInstanceName
        let before = state.statsBefore
        let rawDrain = state.rawDrain
        teardownLocked(&state)
        state.phase = .tornDown
        if let failure { throw failure }
        var result = makeResult(summary: summary, before: before, after: statsAfter, instance: instance, rawDrain: rawDrain, retired: retired)
        result.taskEvents = taskEvents
        result.handoffs = handoffs
        result.warnings += handoffProblems
        if let taskSummary {
          result.taskFile = taskSummary.files.first
          result.lostTaskEvents = taskLost
          result.bytesWritten += taskSummary.bytesWritten
          if taskLost > 0 {
            result.lostEvents += taskLost
            result.warnings.append(
              "the kernel lost \(taskLost) task events (fork, exit…): the workload's task tree may miss tasks.")
          }
        }
        return result
      } catch {
        teardownLocked(&state)
        throw error
      }
    }
  }

  /// Undoes everything: tracing off, drain thread ended, events disabled, instance removed
  /// (retrying while a reader holds it), and for `.full` the top-level tracer, options, clock,
  /// buffer size, the disk's `trace/enable` and `tracing_on` restored and the lock released.
  /// Idempotent; never throws (problems are printed on stderr).
  public func teardown() {
    closeHandoffGate()
    session.withLock { teardownLocked(&$0, reportingDrainFailure: true) }
  }

  /// No handoff starts from now on; waits for one under way (it takes the session's lock,
  /// so this must be called without it).
  func closeHandoffGate() {
    handoffGate.withLock { $0.closed = true }
    while handoffGate.withLock({ $0.running }) { usleep(1_000) }
  }

  /// The drain thread's failure, if it stopped early (for example ENOSPC): poll it during a
  /// long run to abort the workload instead of tracing into a full ring.
  public var failure: TraceRecorderError? {
    session.withLock { $0.drain?.failure }
  }

  /// Events lost so far (the rings' counters since start) and trace bytes written, for a
  /// status line; nil when not running.
  public var progress: (lostEvents: Int, traceBytes: Int)? {
    session.withLock { state in
      guard case .running = state.phase, let drain = state.drain else { return nil }
      let base = state.instancePath ?? tracefs.root
      let after = (try? TraceRingStats.read(base: base)) ?? [:]
      let lost = TraceRingStats.growth(from: state.statsBefore, to: after).lost + state.retired.lost
      let bytes = ([drain] + state.moreDrains).reduce(0) { $0 + $1.bytesWrittenSoFar } + state.retired.bytesWritten
      return (lost, bytes)
    }
  }

  /// A raw recording's file stem and CPUs once started (nil for text and `.full`), for a
  /// status line that decodes what the drains have written.
  public var rawFiles: (stem: String, cpus: [Int])? {
    session.withLock { state in
      guard state.rawDrain, let path = state.instancePath else { return nil }
      return (configuration.outputDirectory + "/" + Self.rawStem, Tracefs.cpus(in: path))
    }
  }

  /// The instance's name once started (`paramtrace-PID[-N]`), or the top-level name for `.full`.
  public var instance: String? {
    session.withLock { state in
      configuration.actions == .full ? Self.topLevelInstanceName : state.instanceName
    }
  }

  /// Test hook: write the `.tracepoints` trace to `path` instead (before `start()`).
  func overrideTextOutputForTesting(_ path: String) {
    session.withLock { $0.textOutputOverride = path }
  }

  /// Test hook: stop (or resume) reading `trace_pipe`, so a small ring overflows.
  func setDrainPausedForTesting(_ paused: Bool) {
    session.withLock { state in
      state.drain?.setPaused(paused)
      for drain in state.moreDrains { drain.setPaused(paused) }
    }
  }

  // MARK: Starting

  /// Makes a new private instance `paramtrace-PID[-N]` (`onCreate` learns its path at once,
  /// so teardown removes it whatever fails next), tracing off, with the text options the
  /// decoders read, `buffer_size_kb` and `trace_clock=mono`; returns its name and path.
  func makeInstance(
    bufferKiB: Int, onCreate: (String) -> Void
  ) throws(TraceRecorderError) -> (name: String, path: String) {
    let instances = tracefs.path("instances")
    var name = "paramtrace-\(getpid())"
    var suffix = 0
    while let error = Tracefs.makeInstance("\(instances)/\(name)") {
      guard error == .fileExists else {
        throw TraceRecorderError(.tracefs(operation: "mkdir", errno: error), path: "\(instances)/\(name)")
      }
      suffix += 1
      guard suffix < 100 else { throw TraceRecorderError(.instanceExists(name), path: instances) }
      name = "paramtrace-\(getpid())-\(suffix)"
    }
    let directory = "\(instances)/\(name)"
    onCreate(directory)
    try Tracefs.write("0", to: directory + "/tracing_on")
    // New instances copy the top-level options: make the text what the decoder reads even
    // when a `.full` recording has bin=1, context-info=0 up there.
    for (option, value) in [
      ("bin", "0"), ("raw", "0"), ("hex", "0"), ("context-info", "1"), ("irq-info", "1"), ("latency-format", "0"),
      ("record-tgid", "0"), ("markers", "1"), ("overwrite", "1"), ("printk-msg-only", "0"),
    ] where Tracefs.exists("\(directory)/options/\(option)") {
      try Tracefs.write(value, to: "\(directory)/options/\(option)")
    }
    try Tracefs.write(String(bufferKiB), to: directory + "/buffer_size_kb")
    try Tracefs.write("mono", to: directory + "/trace_clock")
    return (name, directory)
  }

  /// Enables the block tracepoints in the instance at `directory`, filtered to every disk the
  /// model lies on (usually one): `dev == A || dev == B`.
  func enableBlockEvents(in directory: String) throws(TraceRecorderError) {
    let filter = ([configuration.disk] + configuration.extraDisks).map { "dev == 0x" + String($0.raw, radix: 16) }.joined(separator: " || ")
    for event in events {
      try Tracefs.write(filter, to: "\(directory)/events/block/\(event)/filter")
      try Tracefs.write("1", to: "\(directory)/events/block/\(event)/enable")
    }
  }

  /// Enables the task events in the instance at `directory`, unfiltered.
  func enableTaskEvents(in directory: String) throws(TraceRecorderError) {
    for event in taskEvents { try Tracefs.write("1", to: "\(directory)/events/\(event)/enable") }
  }

  private func startInstance(_ state: inout Session) throws(TraceRecorderError) {
    let (name, directory) = try makeInstance(bufferKiB: configuration.bufferKiBPerCPU) { state.instancePath = $0 }
    state.instanceName = name
    try enableBlockEvents(in: directory)
    try enableTaskEvents(in: directory)
    if configuration.drain == .raw, state.textOutputOverride == nil {
      state.rawDrain = true
      try startRawDrains(&state, directory: directory)
    } else {
      let sink = try TextTraceSink(
        path: state.textOutputOverride ?? configuration.outputDirectory + "/trace.tp.txt", header: "# tracer: nop\n#\n")
      state.drain = try TraceDrain(pipePath: directory + "/trace_pipe", sink: sink, ringBytes: ringBytes(directory))
    }
    let drain = state.drain!
    state.markerFD = open(directory + "/trace_marker", O_WRONLY | O_CLOEXEC)
    guard state.markerFD >= 0 else {
      throw TraceRecorderError(.tracefs(operation: "open", errno: Errno(rawValue: errno)), path: directory + "/trace_marker")
    }
    state.statsBefore = try TraceRingStats.read(base: directory)
    try drain.start()
    for more in state.moreDrains { try more.start() }
    try Tracefs.write("1", to: directory + "/tracing_on")
    state.segmentStart = MonotonicClock.nanoseconds()
    state.tracingStart = state.segmentStart
    state.liveKiB = configuration.bufferKiBPerCPU
    if state.rawDrain, configuration.handoffCapKiB != nil { scheduleRateChecks() }
  }

  /// The stem of a raw recording's files: `trace.raw.cpuN` and `trace.raw.formats`.
  static let rawStem = "trace.raw"

  /// One drain per CPU on `per_cpu/cpuN/trace_pipe_raw`, and the event layouts saved first.
  private func startRawDrains(_ state: inout Session, directory: String) throws(TraceRecorderError) {
    let stem = configuration.outputDirectory + "/" + Self.rawStem
    let (drains, formats) = try makeRawDrains(instance: directory, stem: stem, ringKiB: configuration.bufferKiBPerCPU)
    state.drain = drains[0]
    state.moreDrains = Array(drains.dropFirst())
    state.segmentFormats = [formats]
    state.segmentWindows = [[:]]
  }

  /// The layouts saved as `stem.formats`, and one drain per CPU of the instance at `directory`
  /// into `stem.cpuN` (not started); returns the drains and the formats text.
  func makeRawDrains(instance directory: String, stem: String, ringKiB: Int) throws(TraceRecorderError) -> ([TraceDrain], String) {
    let (pageSize, formats) = try saveRawFormats(instance: directory, to: stem + ".formats")
    // poll(2) on trace_pipe_raw wakes when the ring is this full; the drain's own pacing
    // reads sooner when events come fast.
    if Tracefs.exists(directory + "/buffer_percent") { try Tracefs.write("25", to: directory + "/buffer_percent") }
    let cpus = Tracefs.cpus(in: directory)
    guard !cpus.isEmpty else { throw TraceRecorderError(.misuse("no per_cpu directories in \(directory)"), path: directory) }
    var drains: [TraceDrain] = []
    for cpu in cpus {
      let sink = try RawPageSink(path: "\(stem).cpu\(cpu)", pageSize: pageSize)
      drains.append(try TraceDrain(pipePath: "\(directory)/per_cpu/cpu\(cpu)/trace_pipe_raw", sink: sink, ringBytes: ringKiB << 10))
    }
    return (drains, formats)
  }

  /// Writes the instance's page and event layouts (every enabled event, and `ftrace/print`
  /// for markers) as `== PATH` sections; returns the page size and the text.
  private func saveRawFormats(instance directory: String, to path: String) throws(TraceRecorderError) -> (Int, String) {
    var sections: [String] = ["events/header_page", "events/header_event"]
    if Tracefs.exists(directory + "/buffer_subbuf_size_kb") { sections.append("buffer_subbuf_size_kb") }
    sections += events.map { "events/block/\($0)/format" } + taskEvents.map { "events/\($0)/format" }
    sections.append("events/ftrace/print/format")
    var text = "# paramtrace raw ring-buffer layouts, read from \(directory) at record time\n"
    var pageSize = Int(getpagesize())
    for section in sections {
      let base = section.hasPrefix("events/ftrace") || section.hasPrefix("events/header") ? tracefs.root : directory
      guard let content = try? Tracefs.read(base + "/" + section) else { continue }
      if section == "buffer_subbuf_size_kb", let kib = Int(content) { pageSize = kib * 1024 }
      text += "== \(section)\n\(content)\n"
    }
    try Self.writeFile(text, to: path)
    return (pageSize, text)
  }

  /// Writes `text` as the whole file at `path`, synced.
  static func writeFile(_ text: String, to path: String) throws(TraceRecorderError) {
    let file = try TraceOutputFile(path: path)
    try file.write(Array(text.utf8))
    try file.finish()
  }

  private func startBlkTracer(_ state: inout Session) throws(TraceRecorderError) {
    var saved: [String: String] = [:]
    saved["current_tracer"] = try Tracefs.read(tracefs.path("current_tracer"))
    saved["tracing_on"] = try Tracefs.read(tracefs.path("tracing_on"))
    saved["trace_clock"] = Tracefs.selected(try Tracefs.read(tracefs.path("trace_clock")))
    saved["buffer_size_kb"] = Tracefs.bufferSizeToRestore(try Tracefs.read(tracefs.path("buffer_size_kb")))
    for option in Self.blkOptions {
      saved["options/" + option] = try Tracefs.read(tracefs.path("options/" + option))
    }
    saved["disk"] = diskName
    state.saved = saved
    state.blkLock?.record(saved)
    state.changedTopLevel = true

    try Tracefs.write("0", to: tracefs.path("tracing_on"))
    try Tracefs.write("mono", to: tracefs.path("trace_clock"))
    try Tracefs.write(String(configuration.bufferKiBPerCPU), to: tracefs.path("buffer_size_kb"))
    try Tracefs.write("0", to: tracefs.path("options/blk_classic"))
    try Tracefs.write("1", to: tracefs.path("options/bin"))
    try Tracefs.write("0", to: tracefs.path("options/context-info"))
    try Tracefs.write("blk", to: tracefs.path("current_tracer"))  // also empties the ring
    try Tracefs.write("1", to: "/sys/block/\(diskName)/trace/enable")

    let sink = try BlkBinarySplitter(
      directory: configuration.outputDirectory, disk: configuration.disk,
      cpuCount: max(1, Tracefs.cpus(in: tracefs.root).count), tracefsRoot: tracefs.root)
    let drain = try TraceDrain(pipePath: tracefs.path("trace_pipe"), sink: sink, ringBytes: ringBytes(tracefs.root))
    state.drain = drain
    state.statsBefore = try TraceRingStats.read(base: tracefs.root)
    // The blk tracer's binary stream has no room for other events: the task events go to a
    // private instance of their own, drained as text beside the per-CPU files.
    if !taskEvents.isEmpty {
      let (_, directory) = try makeInstance(bufferKiB: Self.taskBufferKiB) { state.taskInstancePath = $0 }
      try enableTaskEvents(in: directory)
      let taskSink = try TextTraceSink(path: configuration.outputDirectory + "/" + Self.taskFileName, header: "# tracer: nop\n#\n")
      let taskDrain = try TraceDrain(pipePath: directory + "/trace_pipe", sink: taskSink, ringBytes: ringBytes(directory))
      state.taskDrain = taskDrain
      state.taskStatsBefore = try TraceRingStats.read(base: directory)
      try taskDrain.start()
      try Tracefs.write("1", to: directory + "/tracing_on")
    }
    try drain.start()
    try Tracefs.write("1", to: tracefs.path("tracing_on"))
  }

  /// The task events' file of a `.full` recording.
  static let taskFileName = "trace.tasks.txt"
  /// Ring size per CPU for the task events' own instance: they come at task rate.
  static let taskBufferKiB = 1024

  /// All the rings of an instance together: `buffer_total_size_kb`, else size × CPUs.
  private func ringBytes(_ base: String) -> Int {
    if let total = try? Tracefs.read(base + "/buffer_total_size_kb"), let kib = Int(total.prefix(while: { $0.isNumber })) {
      return kib << 10
    }
    return configuration.bufferKiBPerCPU << 10 * max(1, Tracefs.cpus(in: base).count)
  }

  // MARK: Finishing

  /// What a set of finished drains wrote, together (one per CPU for raw pages).
  static func summary(of drains: [TraceDrain]) -> TraceDrainSummary {
    var summary = drains[0].sink.summary
    for more in drains.dropFirst() {
      let other = more.sink.summary
      summary.files += other.files
      summary.bytesWritten += other.bytesWritten
      summary.records += other.records
      summary.lostEventsInStream += other.lostEventsInStream
      summary.skippedBytes += other.skippedBytes
    }
    return summary
  }

  /// Lost events of one instance: the larger of the per-CPU counters' growth and the LOST
  /// notices in the stream (both count the same losses), plus events left unread.
  static func lostEvents(before: [Int: TraceRingStats], after: [Int: TraceRingStats], inStream: Int) -> Int {
    let growth = TraceRingStats.growth(from: before, to: after)
    return max(growth.lost, inStream) + growth.unread
  }

  private func makeResult(
    summary: TraceDrainSummary, before: [Int: TraceRingStats], after: [Int: TraceRingStats], instance: String, rawDrain: Bool,
    retired: RetiredSegments = RetiredSegments()
  ) -> TraceRecordingResult {
    var (lostInStats, unread) = TraceRingStats.growth(from: before, to: after)
    let lost = Self.lostEvents(before: before, after: after, inStream: summary.lostEventsInStream) + retired.lost
    lostInStats += retired.lostInStats
    var result = TraceRecordingResult(
      files: summary.files, format: configuration.actions == .full ? .blktrace : rawDrain ? .ftraceRaw : .tracepoint,
      lostEvents: lost,
      perCPUStats: after.mapValues(\.fields), bytesWritten: summary.bytesWritten, instance: instance)
    result.lostEventsInStats = lostInStats
    result.lostEventsInStream = summary.lostEventsInStream + retired.lostEventsInStream
    result.records = summary.records
    result.skippedBytes = summary.skippedBytes
    if lost > 0 {
      result.warnings.append(
        "the kernel lost \(lost) trace events (ring buffer overflow: \(lostInStats) by the per-CPU stats, \(summary.lostEventsInStream) in LOST notices\(unread > 0 ? ", \(unread) left unread" : "")): the trace is incomplete. Record again with a larger buffer (now \(configuration.bufferKiBPerCPU) KiB per CPU)."
      )
    }
    if summary.skippedBytes > 0 {
      result.warnings.append(
        "skipped \(summary.skippedBytes) bytes of the blk tracer's output that were not blktrace records (did something else write into the top-level trace buffer?)."
      )
    }
    return result
  }

  /// Teardown with the session locked; `reportingDrainFailure` prints a drain failure nobody
  /// else will report (teardown without stop).
  private func teardownLocked(_ state: inout Session, reportingDrainFailure: Bool = false) {
    if case .tornDown = state.phase { return }
    if let directory = state.instancePath {
      bestEffort { () throws(TraceRecorderError) in try Tracefs.write("0", to: directory + "/tracing_on") }
    } else if state.changedTopLevel {
      bestEffort { () throws(TraceRecorderError) in try Tracefs.write("0", to: tracefs.path("tracing_on")) }
    }
    if let directory = state.taskInstancePath {
      bestEffort { () throws(TraceRecorderError) in try Tracefs.write("0", to: directory + "/tracing_on") }
    }
    if let drain = state.drain {
      drain.closeDescriptors()  // ends the thread first (abort when it still runs)
      if reportingDrainFailure, let failure = drain.failure { printWarning("recording failed: \(failure)") }
      state.drain = nil
    }
    for drain in state.moreDrains { drain.closeDescriptors() }
    state.moreDrains = []
    if let drain = state.taskDrain {
      drain.closeDescriptors()
      state.taskDrain = nil
    }
    for directory in [state.pendingInstancePath, state.retiringInstancePath].compactMap({ $0 }) {
      bestEffort { () throws(TraceRecorderError) in try Tracefs.write("0", to: directory + "/tracing_on") }
      bestEffort { () throws(TraceRecorderError) in try Tracefs.write("0", to: directory + "/events/enable") }
      bestEffort { () throws(TraceRecorderError) in try Tracefs.removeInstance(directory) }
    }
    state.pendingInstancePath = nil
    state.retiringInstancePath = nil
    if let directory = state.taskInstancePath {
      bestEffort { () throws(TraceRecorderError) in try Tracefs.write("0", to: directory + "/events/enable") }
      bestEffort { () throws(TraceRecorderError) in try Tracefs.removeInstance(directory) }
      state.taskInstancePath = nil
    }
    if state.markerFD >= 0 {
      close(state.markerFD)
      state.markerFD = -1
    }
    if let directory = state.instancePath {
      bestEffort { () throws(TraceRecorderError) in try Tracefs.write("0", to: directory + "/events/enable") }
      bestEffort { () throws(TraceRecorderError) in try Tracefs.removeInstance(directory) }
      state.instancePath = nil
    }
    if state.changedTopLevel {
      for problem in Self.restoreTopLevel(state.saved, tracefs: tracefs) { printWarning("teardown: \(problem)") }
      state.changedTopLevel = false
    }
    state.blkLock?.release()
    state.blkLock = nil
    state.phase = .tornDown
  }

  private func bestEffort(_ body: () throws(TraceRecorderError) -> Void) {
    do { try body() } catch { printWarning("teardown: \(error)") }
  }

  /// Puts the top-level settings a `.full` recording changed back to `saved`: tracing off,
  /// the disk's `trace/enable` 0, `current_tracer`, options, clock, buffer size, then
  /// `tracing_on`. Returns the problems (best effort: every step is tried).
  static func restoreTopLevel(_ saved: [String: String], tracefs: Tracefs) -> [String] {
    var problems: [String] = []
    func put(_ value: String?, _ path: String) {
      guard let value else { return }
      do { try Tracefs.write(value, to: path) } catch { problems.append(error.description) }
    }
    put("0", tracefs.path("tracing_on"))
    if let disk = saved["disk"], Tracefs.exists("/sys/block/\(disk)/trace/enable") {
      put("0", "/sys/block/\(disk)/trace/enable")
    }
    put(saved["current_tracer"] ?? "nop", tracefs.path("current_tracer"))
    for option in blkOptions { put(saved["options/" + option], tracefs.path("options/" + option)) }
    put(saved["trace_clock"], tracefs.path("trace_clock"))
    put(saved["buffer_size_kb"], tracefs.path("buffer_size_kb"))
    put(saved["tracing_on"], tracefs.path("tracing_on"))
    return problems
  }

  // MARK: Preflight helpers

  /// Root, or CAP_SYS_ADMIN in the effective set (`CapEff` in /proc/self/status, bit 21).
  static func isPrivileged() -> Bool {
    if geteuid() == 0 { return true }
    guard let status = try? Tracefs.read("/proc/self/status") else { return false }
    for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
      let hex = line.dropFirst("CapEff:".count).filter { !$0.isWhitespace }
      if let capabilities = UInt64(hex, radix: 16) { return capabilities & (1 << 21) != 0 }
    }
    return false
  }

  /// Creates the directory when missing and refuses memory filesystems.
  static func prepareOutputDirectory(_ path: String) throws(TraceRecorderError) {
    if !Tracefs.exists(path), mkdir(path, 0o755) != 0, errno != EEXIST {
      throw TraceRecorderError(.output(operation: "create directory", errno: Errno(rawValue: errno), bytesKept: 0), path: path)
    }
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else {
      throw TraceRecorderError(.output(operation: "open directory", errno: Errno(rawValue: errno), bytesKept: 0), path: path)
    }
    defer { close(fd) }
    var magic: UInt64 = 0
    guard paramtrace_fstatfs_type(fd, &magic) == 0 else {
      throw TraceRecorderError(.output(operation: "statfs", errno: Errno(rawValue: errno), bytesKept: 0), path: path)
    }
    let type = FilesystemType(magic: magic & 0xFFFF_FFFF)
    if type.magic == 0x0102_1994 || type.magic == 0x8584_58F6 {
      throw TraceRecorderError(.outputOnMemoryFilesystem(type.name), path: path)
    }
  }

  /// Removes `instances/paramtrace-PID[-N]` whose PID no longer runs (a crashed or killed
  /// recorder), saying so on stderr.
  static func removeStaleInstances(_ tracefs: Tracefs) {
    let instances = tracefs.path("instances")
    for name in Tracefs.list(instances) where name.hasPrefix("paramtrace-") {
      guard let pid = Int32(name.dropFirst("paramtrace-".count).prefix(while: { $0.isNumber })) else { continue }
      if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
      let directory = "\(instances)/\(name)"
      try? Tracefs.write("0", to: directory + "/tracing_on")
      try? Tracefs.write("0", to: directory + "/events/enable")
      do {
        try Tracefs.removeInstance(directory, attempts: 25)
        printWarning(
          "removed tracefs instance \(name), left by paramtrace pid \(pid), which no longer runs (an earlier recording crashed or was killed)"
        )
      } catch {
        printWarning("could not remove the stale tracefs instance \(name): \(error)")
      }
    }
  }

  /// After taking the lock: when its file still holds a dead holder's settings and the `blk`
  /// tracer is still on, restores them and says so on stderr.
  static func recoverCrashedBlkRecording(_ leftover: [String: String], tracefs: Tracefs) {
    // Only a holder that got as far as saving the settings changed anything.
    guard leftover["current_tracer"] != nil else { return }
    let pid = leftover["pid"] ?? "?"
    guard (try? Tracefs.read(tracefs.path("current_tracer"))) == "blk" else { return }
    let problems = restoreTopLevel(leftover, tracefs: tracefs)
    printWarning(
      "paramtrace pid \(pid) left the blk tracer on (it crashed or was killed mid-recording); restored current_tracer, options, trace_clock, buffer size and \(leftover["disk"].map { "/sys/block/\($0)/trace/enable" } ?? "the disk's trace/enable")"
        + (problems.isEmpty ? "" : "; problems: " + problems.joined(separator: "; ")))
  }
}
