/// Bytes completed per fixed window of one device, kept only while they can still change.
///
/// Requests arrive in issue order and complete after their issue, so once a request issued at
/// T has arrived, no later one completes before T: every window ending more than `grace`
/// before T is final and can be written out. Memory is the windows of `grace` plus the longest
/// latency, never the length of the trace. A completion later than that (a request stuck for
/// longer than `grace`, or out of issue order) is added to the oldest open window, and counted.
struct CompletionRateBins {
  /// Window width in nanoseconds (10 ms).
  let width: UInt64
  /// How long after a window's end it stays open.
  let grace: UInt64
  /// Start of `bytes[0]` on the trace's clock.
  private(set) var start: UInt64
  /// Bytes completed in each open window, oldest first.
  private var bytes: [UInt64] = []
  /// Completions that came after their window was written.
  private(set) var lateCompletions = 0

  init(origin: UInt64, width: UInt64 = 10_000_000, grace: UInt64 = 1_000_000_000) {
    self.width = width
    self.grace = grace
    start = origin
  }

  /// Adds `count` bytes completed at `time`.
  @inline(__always)
  mutating func add(bytes count: UInt64, completedAt time: UInt64) {
    guard time >= start else {
      lateCompletions += 1
      if bytes.isEmpty { bytes.append(0) }
      bytes[0] &+= count
      return
    }
    let index = Int((time - start) / width)
    if index >= bytes.count { bytes.append(contentsOf: repeatElement(0, count: index + 1 - bytes.count)) }
    bytes[index] &+= count
  }

  /// True when `release(before: time)` has windows to hand over.
  @inline(__always)
  func hasReady(before time: UInt64) -> Bool { time > start &+ grace &+ width }

  /// Hands the windows that end before `time - grace` to `body` (start, bytes), oldest first,
  /// and forgets them; with `time` nil, every window. Windows nothing completed in after the
  /// last one handed over may be skipped: `body` sees only windows that exist.
  @inline(__always)
  mutating func release(before time: UInt64?, _ body: (UInt64, UInt64) -> Void) {
    var ready = bytes.count
    if let time {
      guard hasReady(before: time) else { return }
      ready = Int((time - grace - start) / width)
    }
    let present = min(ready, bytes.count)
    for index in 0..<present { body(start + UInt64(index) * width, bytes[index]) }
    bytes.removeFirst(present)
    start += UInt64(ready) * width
  }
}
