import ParamTraceCore
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// What the rate-check thread holds: the recorder, weakly (a recorder dropped without `stop`
/// ends the thread at its next look).
private final class RateCheckContext {
  weak var recorder: TraceRecorder?
  let start: UInt64

  init(recorder: TraceRecorder, start: UInt64) {
    self.recorder = recorder
    self.start = start
  }

  /// Until the recording stops: at each look, the rate check. Between looks it wakes every
  /// 20 ms during the first looks and every 250 ms after (4 wakeups a second for the rest of
  /// a long run), to end soon after the recording does.
  func run() {
    var index = 0
    while true {
      let look = RingHandoff.look(index)
      let due = start + UInt64(look * 1e9)
      let pollMicroseconds: UInt64 = look <= RingHandoff.firstLooks.last! ? 20_000 : 250_000
      while MonotonicClock.nanoseconds() < due {
        guard let recorder, !recorder.handoffGate.withLock({ $0.closed }) else { return }
        usleep(UInt32(min(pollMicroseconds, max(1_000, (due &- MonotonicClock.nanoseconds()) / 1_000))))
      }
      guard let recorder, !recorder.handoffGate.withLock({ $0.closed }) else { return }
      recorder.checkRingRate()
      index += 1
    }
  }
}

/// The mechanics of `RingHandoff`: when the rings are too small for the rate, a second
/// instance with larger rings takes over the recording without a gap and without counting an
/// event twice.
extension TraceRecorder {
  /// Looks at the rate at each `RingHandoff.look` on a thread of its own (not a shared
  /// dispatch queue, whose threads a busy process can hold past the look; not the drains',
  /// which must keep reading). The thread ends when the recording stops.
  func scheduleRateChecks() {
    let context = RateCheckContext(recorder: self, start: MonotonicClock.nanoseconds())
    let started = startThread { context.run() }
    if let thread = started.thread {
      pthread_detach(thread)
    } else {
      session.withLock {
        $0.handoffProblems.append("the rate checks could not start (pthread_create: \(started.error)): the rings kept their first size")
      }
    }
  }

  /// At a look: the fastest CPU's ring rate since the last one, and a handoff when
  /// the rings hold less than `RingHandoff.heldSeconds` of it.
  func checkRingRate() {
    let entered = handoffGate.withLock { gate -> Bool in
      guard !gate.closed, !gate.running else { return false }
      gate.running = true
      return true
    }
    guard entered else { return }
    defer { handoffGate.withLock { $0.running = false } }
    guard let cap = configuration.handoffCapKiB else { return }
    // The rate since the last look (or since the live set began): the first moments of a run
    // include the workload's start, which would dilute a rate taken since tracing began.
    let look = session.withLock { state -> (rate: Double, kib: Int)? in
      guard case .running = state.phase, state.rawDrain, let drain = state.drain else { return nil }
      let now = MonotonicClock.nanoseconds()
      let bytes = ([drain] + state.moreDrains).map(\.bytesWrittenSoFar)
      var since = (time: state.segmentStart, bytes: [Int](repeating: 0, count: bytes.count))
      if let last = state.lastRateLook, last.segment == state.segment, last.bytes.count == bytes.count { since = (last.time, last.bytes) }
      state.lastRateLook = (state.segment, now, bytes)
      let seconds = Double(now &- since.time) / 1e9
      let fastest = zip(bytes, since.bytes).map { $0 - $1 }.max() ?? 0
      return (Double(fastest) / max(seconds, 0.001), state.liveKiB)
    }
    guard let look, let target = RingHandoff.target(bytesPerSecondPerCPU: look.rate, currentKiB: look.kib, capKiB: cap) else {
      return
    }
    do { try handOff(toKiB: target, rate: look.rate) } catch {
      session.withLock { $0.handoffProblems.append("the rings could not be handed to larger ones (\(target) KiB per CPU) for the rate seen: \(error)") }
    }
  }

  /// Moves the recording to a new instance with rings of `kib` per CPU (see `RingHandoff`).
  /// Before the switch a failure leaves the old instance recording and removes the new one;
  /// after it, the old instance's files are complete and only the cut can fall back to time.
  func handOff(toKiB kib: Int, rate: Double) throws(TraceRecorderError) {
    let started = MonotonicClock.nanoseconds()
    let live = session.withLock { state -> (segment: Int, kib: Int, name: String, tracingStart: UInt64)? in
      guard case .running = state.phase, let name = state.instanceName else { return nil }
      return (state.segment + 1, state.liveKiB, name, state.tracingStart)
    }
    guard let live else { return }
    let (segment, oldKiB, oldName) = (live.segment, live.kib, live.name)
    let atSeconds = Double(started &- live.tracingStart) / 1e9
    let stem = configuration.outputDirectory + "/" + RawTraceFiles.segmentStem(Self.rawStem, segment)

    // The new instance, recording beside the old one.
    let (name, directory) = try makeInstance(bufferKiB: kib) { path in session.withLock { $0.pendingInstancePath = path } }
    var drains: [TraceDrain] = []
    var formats = ""
    var statsBefore: [Int: TraceRingStats] = [:]
    var markerFD: Int32 = -1
    do throws(TraceRecorderError) {
      try enableBlockEvents(in: directory)
      try enableTaskEvents(in: directory)
      (drains, formats) = try makeRawDrains(instance: directory, stem: stem, ringKiB: kib)
      markerFD = open(directory + "/trace_marker", O_WRONLY | O_CLOEXEC)
      guard markerFD >= 0 else {
        throw TraceRecorderError(.tracefs(operation: "open", errno: Errno(rawValue: errno)), path: directory + "/trace_marker")
      }
      statsBefore = try TraceRingStats.read(base: directory)
      for drain in drains { try drain.start() }
      try Tracefs.write("1", to: directory + "/tracing_on")
    } catch {
      for drain in drains { drain.closeDescriptors() }
      if markerFD >= 0 { close(markerFD) }
      Self.removeInstanceQuietly(directory)
      for file in Tracefs.list(configuration.outputDirectory) where file.hasPrefix(RawTraceFiles.segmentStem(Self.rawStem, segment) + ".") {
        unlink(configuration.outputDirectory + "/" + file)
      }
      session.withLock { $0.pendingInstancePath = nil }
      throw error
    }
    let newOn = MonotonicClock.nanoseconds()

    // The switch, with marks held back: a rename on each CPU in both rings, then the old off.
    let cpus = Tracefs.cpus(in: directory)
    let syncName = RingHandoff.syncName(segment: segment)
    let old = session.withLock { state in
      let old = (
        path: state.instancePath!, drains: [state.drain!] + state.moreDrains, statsBefore: state.statsBefore,
        markerFD: state.markerFD, segment: state.segment
      )
      let renamed: (tid: Int32, cpus: Set<Int>) =
        taskEvents.contains("task/task_rename") ? RingHandoff.renameOnEachCPU(cpus, name: syncName) : (-1, [])
      let fallbackCut = MonotonicClock.nanoseconds()
      try? Tracefs.write("0", to: old.path + "/tracing_on")
      let oldOff = MonotonicClock.nanoseconds()
      state.retiringInstancePath = old.path
      state.instanceName = name
      state.instancePath = directory
      state.pendingInstancePath = nil
      state.drain = drains[0]
      state.moreDrains = Array(drains.dropFirst())
      state.statsBefore = statsBefore
      state.markerFD = markerFD
      state.segment = segment
      state.liveKiB = kib
      state.segmentStart = newOn
      state.segmentFormats.append(formats)
      state.segmentWindows.append([:])
      return (old, renamed, fallbackCut, oldOff)
    }
    let (retiring, renamed, fallbackCut, oldOff) = old

    // The old instance drained to its end, then cut.
    for drain in retiring.drains { drain.finish() }
    for drain in retiring.drains { drain.join() }
    let statsAfter = (try? TraceRingStats.read(base: retiring.path)) ?? [:]
    let summary = Self.summary(of: retiring.drains)
    let failure = retiring.drains.lazy.compactMap(\.failure).first
    for drain in retiring.drains { drain.closeDescriptors() }
    if retiring.markerFD >= 0 { close(retiring.markerFD) }
    Self.removeInstanceQuietly(retiring.path)

    let oldStem = configuration.outputDirectory + "/" + RawTraceFiles.segmentStem(Self.rawStem, retiring.segment)
    let oldFormatsText = session.withLock { $0.segmentFormats[retiring.segment] }
    var cuts: [Int: UInt64] = [:]
    if renamed.tid > 0, let parsed = try? FtraceRawFormats(parsing: oldFormatsText) {
      cuts = RingHandoff.cutTimes(stem: oldStem, cpus: cpus.filter { renamed.cpus.contains($0) }, formats: parsed, tid: renamed.tid, name: syncName)
    }
    var cutByCPU: [Int: String] = [:]
    let (oldWindows, newWindows) = session.withLock { state in
      for cpu in cpus {
        let cut = cuts[cpu] ?? fallbackCut
        cutByCPU[cpu] = cuts[cpu] == nil ? "time" : "task_rename"
        state.segmentWindows[retiring.segment][UInt16(cpu), default: .init()].keepBefore = cut
        state.segmentWindows[segment][UInt16(cpu), default: .init()].keepAfter = cut
      }
      let lostInStats = TraceRingStats.growth(from: retiring.statsBefore, to: statsAfter).lost
      let lost = Self.lostEvents(before: retiring.statsBefore, after: statsAfter, inStream: summary.lostEventsInStream)
      state.retired.files += summary.files
      state.retired.bytesWritten += summary.bytesWritten
      state.retired.records += summary.records
      state.retired.lostEventsInStream += summary.lostEventsInStream
      state.retired.lostInStats += lostInStats
      state.retired.lost += lost
      state.retiringInstancePath = nil
      if let failure { state.handoffProblems.append("the drain of the rings handed off failed: \(failure)") }
      if cutByCPU.values.contains("time") {
        state.handoffProblems.append(
          "the handoff to larger rings at \(formatFixed(atSeconds, 2)) s cut CPUs \(cutByCPU.filter { $0.value == "time" }.keys.sorted().map(String.init).joined(separator: ", ")) by time (no task_rename event to cut at): an event within microseconds of the cut may be counted twice or missed."
        )
      }
      state.handoffs.append(
        RingHandoff.Decision(
          atSeconds: atSeconds, fromKiB: oldKiB, toKiB: kib, bytesPerSecondPerCPU: rate, fromInstance: oldName,
          toInstance: name, stem: RawTraceFiles.segmentStem(Self.rawStem, segment), cutByCPU: cutByCPU,
          overlapMilliseconds: Double(oldOff &- newOn) / 1e6, lostBefore: lost))
      return (state.segmentWindows[retiring.segment], state.segmentWindows[segment])
    }
    try Self.writeFile(oldFormatsText + FtraceRawFormats.windowSection(oldWindows), to: oldStem + ".formats")
    try Self.writeFile(formats + FtraceRawFormats.windowSection(newWindows), to: stem + ".formats")
  }

  /// Tracing and events off, then the instance removed; a handoff's problems are reported by
  /// its caller, and teardown retries what is left.
  static func removeInstanceQuietly(_ directory: String) {
    try? Tracefs.write("0", to: directory + "/tracing_on")
    try? Tracefs.write("0", to: directory + "/events/enable")
    try? Tracefs.removeInstance(directory)
  }
}
