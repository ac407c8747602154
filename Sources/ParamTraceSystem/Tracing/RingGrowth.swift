import Dispatch
import ParamTraceCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Grows a raw recording's rings once the event rate is known (issue 13 item 4): the size
/// chosen before the run comes from the disk's queue depth, which says how many events can be
/// pending at once but not how many come each second; the first moments of the run say that.
///
/// The drains report the bytes each pass read from their CPU's ring. At `checkpoints` seconds
/// after tracing began, the fastest CPU's rate so far decides: each ring must hold
/// `heldSeconds` of it (the drain can be starved that long by a workload that keeps every core
/// busy with interrupts and I/O completion). When that is more than the rings have, they are
/// resized in place (`buffer_size_kb` of the instance, which the kernel grows while tracing,
/// without losing what is in them), never past `capKiB`. Rings are never shrunk.
final class RingGrowth: Sendable {
  /// One resize, for the manifest.
  struct Decision: Sendable, Hashable {
    var atSeconds: Double
    var fromKiB: Int
    var toKiB: Int
    /// The fastest CPU's ring bytes per second so far.
    var bytesPerSecondPerCPU: Double
  }

  static let heldSeconds = 2.0
  static let checkpoints: [Double] = [0.5, 2, 5]

  private struct State {
    var bytesByCPU: [Int]
    var currentKiB: Int
    var nextCheckpoint = 0
    var decisions: [Decision] = []
    var failure: String?
    var resizing = false
  }

  let sizeFile: String
  let capKiB: Int
  private let startNanoseconds: UInt64
  private let state: Mutex<State>

  /// For the instance whose `buffer_size_kb` is `sizeFile`, with `cpus` drains, starting at
  /// `startKiB` per CPU.
  init(sizeFile: String, cpus: Int, startKiB: Int, capKiB: Int) {
    self.sizeFile = sizeFile
    self.capKiB = max(startKiB, capKiB)
    startNanoseconds = MonotonicClock.nanoseconds()
    state = Mutex(State(bytesByCPU: Array(repeating: 0, count: max(1, cpus)), currentKiB: startKiB))
  }

  /// Called by drain `slot` after each pass that read `bytes`. Cheap (a lock and an add) except
  /// at a checkpoint, where the drain that gets there first may resize the rings.
  func observe(slot: Int, bytes: Int) {
    let now = MonotonicClock.nanoseconds()
    let elapsed = Double(now &- startNanoseconds) / 1e9
    let resize: (from: Int, to: Int, rate: Double)? = state.withLock { state in
      if slot < state.bytesByCPU.count { state.bytesByCPU[slot] += bytes }
      guard state.nextCheckpoint < Self.checkpoints.count, elapsed >= Self.checkpoints[state.nextCheckpoint], !state.resizing else {
        return nil
      }
      state.nextCheckpoint += 1
      let rate = Double(state.bytesByCPU.max() ?? 0) / elapsed
      let wanted = Self.kib(forBytesPerSecond: rate)
      guard wanted > state.currentKiB, state.currentKiB < capKiB else { return nil }
      state.resizing = true
      return (state.currentKiB, min(wanted, capKiB), rate)
    }
    guard let resize else { return }
    // Resizing takes tens of milliseconds (the kernel allocates the pages and swaps them in on
    // each CPU): done off the drain's thread, which keeps reading its ring meanwhile.
    DispatchQueue.global().async { self.apply(resize, at: elapsed) }
  }

  private func apply(_ resize: (from: Int, to: Int, rate: Double), at elapsed: Double) {
    var problem: String?
    do { try Tracefs.write(String(resize.to), to: sizeFile) } catch { problem = "\(error)" }
    state.withLock { state in
      state.resizing = false
      if let problem {
        state.failure = problem
        state.nextCheckpoint = Self.checkpoints.count  // do not try again
      } else {
        state.currentKiB = resize.to
        state.decisions.append(Decision(atSeconds: elapsed, fromKiB: resize.from, toKiB: resize.to, bytesPerSecondPerCPU: resize.rate))
      }
    }
  }

  /// Ring KiB that hold `heldSeconds` at `rate` bytes per second, rounded up to whole MiB.
  static func kib(forBytesPerSecond rate: Double) -> Int {
    let bytes = rate * heldSeconds
    return Int((bytes / Double(1 << 20)).rounded(.up)) << 10
  }

  /// The resizes so far, and why growth stopped if a resize failed (waits for one under way).
  var decisions: [Decision] {
    while state.withLock({ $0.resizing }) { usleep(1_000) }
    return state.withLock { $0.decisions }
  }
  var failure: String? {
    while state.withLock({ $0.resizing }) { usleep(1_000) }
    return state.withLock { $0.failure }
  }
  /// The ring size per CPU now.
  var currentKiB: Int { state.withLock { $0.currentKiB } }
}
