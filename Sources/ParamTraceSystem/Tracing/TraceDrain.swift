import CParamTraceShims
import ParamTraceCore
import Synchronization
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// A dedicated thread that empties a `trace_pipe` into a sink for the whole recording, so the
/// ring buffer never fills.
///
/// Cadence: read until the pipe is empty (non-blocking reads; `trace_pipe` hands out at most
/// 8 KiB per read on 6.18), write what is due, pause, then wait in poll(2) for data. The pause
/// batches events into large writes and few wake-ups: 50 ms, shortened when events come fast
/// so that one pause fills at most a quarter of the rings (the rate is measured over the last
/// pass), and skipped when that is under a millisecond. Stopping: `finish()` after tracing is
/// off reads until the pipe is empty twice in a row, then syncs the files; `abort()`
/// (teardown) ends the thread at once and closes the files as they are.
final class TraceDrain: @unchecked Sendable {
  /// Longest pause between drain passes.
  static let cadenceMilliseconds: Int32 = 50

  struct Control {
    var finishing = false
    var paused = false
    var markers: [TraceMarker] = []
    var failure: TraceRecorderError?
    var ended = false
  }

  let pipePath: String
  /// Bytes of all the rings together (buffer size per CPU × CPUs), to pace the passes.
  let ringBytes: Int
  private let pipe: Int32
  private let wakeRead: Int32
  private let wakeWrite: Int32
  /// Touched only by the thread while it runs, and by the owner after `join`.
  let sink: any TraceDrainSink
  private let control = Mutex(Control())
  private let aborted = Atomic<Bool>(false)
  private var thread: pthread_t?
  private var joined = false

  /// Opens `pipePath` (non-blocking) for `sink`; `start()` starts the thread. `ringBytes` is
  /// the size of all the per-CPU rings together.
  init(pipePath: String, sink: any TraceDrainSink, ringBytes: Int) throws(TraceRecorderError) {
    self.pipePath = pipePath
    self.ringBytes = max(4096, ringBytes)
    self.sink = sink
    pipe = open(pipePath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard pipe >= 0 else {
      throw TraceRecorderError(.tracefs(operation: "open", errno: Errno(rawValue: errno)), path: pipePath)
    }
    var ends: [Int32] = [-1, -1]
    guard Glibc.pipe(&ends) == 0 else {
      let error = Errno(rawValue: errno)
      close(pipe)
      throw TraceRecorderError(.tracefs(operation: "pipe for", errno: error), path: pipePath)
    }
    wakeRead = ends[0]
    wakeWrite = ends[1]
    for fd in ends {
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
  }

  deinit { closeDescriptors() }

  private let descriptorsOpen = Atomic<Bool>(true)

  /// Ends the thread (abort, when it still runs) and closes `trace_pipe` and the wake-up
  /// pipe, so the instance can be removed. Idempotent.
  func closeDescriptors() {
    if !ended { abort() }
    join()
    guard descriptorsOpen.exchange(false, ordering: .acquiringAndReleasing) else { return }
    close(pipe)
    close(wakeRead)
    close(wakeWrite)
  }

  /// Starts the thread.
  func start() throws(TraceRecorderError) {
    // The thread holds the drain until it returns.
    let started = startThread { self.run() }
    guard let handle = started.thread else {
      throw TraceRecorderError(.tracefs(operation: "start drain thread for", errno: Errno(rawValue: started.error)), path: pipePath)
    }
    thread = handle
  }

  /// Asks the thread to read until the pipe is empty and end (call after tracing is off).
  func finish() {
    control.withLock { $0.finishing = true }
    wake()
  }

  /// Asks the thread to end now, dropping what is still in the ring.
  func abort() {
    aborted.store(true, ordering: .relaxed)
    wake()
  }

  /// Waits for the thread to end (once).
  func join() {
    guard let handle = thread, !joined else { return }
    joined = true
    pthread_join(handle, nil)
  }

  /// Places `marker` in the output by time (the binary sink only).
  func add(_ marker: TraceMarker) {
    control.withLock { $0.markers.append(marker) }
  }

  /// Test hook: a paused drain reads nothing (so a small ring overflows); `finish` overrides it.
  func setPaused(_ paused: Bool) {
    control.withLock { $0.paused = paused }
    wake()
  }

  /// Bytes the thread has read so far (for a status line; updated after each pass).
  var bytesWrittenSoFar: Int { readSoFar.load(ordering: .relaxed) }
  private let readSoFar = Atomic<Int>(0)

  /// The first error the thread hit (it stopped reading then).
  var failure: TraceRecorderError? { control.withLock { $0.failure } }

  /// True once the thread has returned.
  var ended: Bool { control.withLock { $0.ended } }

  private func wake() {
    var byte: UInt8 = 1
    _ = Glibc.write(wakeWrite, &byte, 1)
  }

  private func clearWake() {
    var bytes = [UInt8](repeating: 0, count: 64)
    while bytes.withUnsafeMutableBytes({ Glibc.read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
  }

  /// Waits up to `milliseconds` for a wake-up (and for data when `orData`).
  private func wait(milliseconds: Int32, orData: Bool) {
    var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
    if orData { fds.append(pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)) }
    _ = poll(&fds, nfds_t(fds.count), milliseconds)
    if fds[0].revents != 0 { clearWake() }
  }

  private func run() {
    // Best effort: a workload that keeps every CPU busy must not starve the reader (root may
    // raise priority; otherwise this fails quietly).
    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(paramtrace_gettid()), -5)
    var emptyPassesWhileFinishing = 0
    var passStart = MonotonicClock.nanoseconds()
    do throws(TraceRecorderError) {
      loop: while !aborted.load(ordering: .relaxed) {
        let (finishing, paused, markers) = control.withLock { state in
          defer { state.markers.removeAll() }
          return (state.finishing, state.paused, state.markers)
        }
        sink.add(markers: markers)
        if paused, !finishing {
          wait(milliseconds: 100, orData: false)
          continue
        }
        let got = try drainOnce()
        readSoFar.add(got, ordering: .relaxed)
        if aborted.load(ordering: .relaxed) { break }
        try sink.idle()
        if finishing {
          // Tracing is off; events that were being committed land within microseconds.
          if got == 0 {
            emptyPassesWhileFinishing += 1
            if emptyPassesWhileFinishing >= 2 { break loop }
            usleep(5_000)
          } else {
            emptyPassesWhileFinishing = 0
          }
        } else {
          let now = MonotonicClock.nanoseconds()
          let pause = Self.pauseMilliseconds(bytes: got, nanoseconds: now &- passStart, ringBytes: ringBytes)
          passStart = now
          if pause > 0 {
            wait(milliseconds: pause, orData: false)
            if control.withLock({ $0.finishing }) { continue }
            wait(milliseconds: 1000, orData: true)
          }
        }
      }
      // After an abort (teardown) too: keep what was read, without waiting for more.
      try sink.finish()
    } catch {
      sink.abandon()
      control.withLock { if $0.failure == nil { $0.failure = error } }
    }
    control.withLock { $0.ended = true }
  }

  /// The pause after a pass that read `bytes` over `nanoseconds` (since the previous pass
  /// began): the cadence, shortened so that the same rate fills at most a quarter of the
  /// rings during it; 0 (no pause) under a millisecond.
  static func pauseMilliseconds(bytes: Int, nanoseconds: UInt64, ringBytes: Int) -> Int32 {
    guard bytes > 0 else { return cadenceMilliseconds }
    let budget = Double(ringBytes) / 4
    let rate = Double(bytes) / Double(max(nanoseconds, 1_000))  // bytes per ns
    let milliseconds = budget / rate / 1_000_000
    return milliseconds < 1 ? 0 : Int32(min(Double(cadenceMilliseconds), milliseconds))
  }

  /// Reads until the pipe is empty (EAGAIN); returns the bytes read.
  private func drainOnce() throws(TraceRecorderError) -> Int {
    var total = 0
    var reads = 0
    while true {
      let space = try sink.readSpace()
      let count = Glibc.read(pipe, space.baseAddress, space.count)
      if count > 0 {
        try sink.commit(count)
        total += count
        reads += 1
        if reads & 255 == 0, aborted.load(ordering: .relaxed) { return total }
        continue
      }
      if count == 0 { return total }  // tracing off and nothing left
      switch errno {
      case EINTR: continue
      case EAGAIN: return total
      default: throw TraceRecorderError(.drainRead(errno: Errno(rawValue: errno)), path: pipePath)
      }
    }
  }
}
