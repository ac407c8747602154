/// Per fixed window of one device (10 ms): the bytes completed in it, and the time its requests
/// spent in flight in it (their issue-to-completion intervals cut at the window's edges, summed:
/// divided by the width, the mean number of requests in flight). Kept only while they can
/// still change.
///
/// Requests arrive in issue order and complete after their issue, so once a request issued at
/// T has arrived, no later one touches a window before T: every window ending more than `grace`
/// before T is final and can be written out. Memory is the windows of `grace` plus the longest
/// latency, never the length of the trace. A request that reaches back into a window already
/// written (stuck longer than `grace`, or out of issue order) is clipped to the oldest open
/// window, and counted.
struct DeviceWindows {
  /// What one window holds.
  struct Window: Sendable, Hashable {
    /// Bytes completed in the window.
    var bytes: UInt64 = 0
    /// Nanoseconds of requests in flight in the window, summed over the requests.
    var busy: UInt64 = 0
  }

  /// Window width in nanoseconds.
  let width: UInt64
  /// How long after a window's end it stays open.
  let grace: UInt64
  /// Start of `windows[0]` on the trace's clock.
  private(set) var start: UInt64
  /// The open windows, oldest first.
  private var windows: [Window] = []
  /// Requests that reached back into windows already written.
  private(set) var lateRequests = 0

  init(origin: UInt64, width: UInt64 = 10_000_000, grace: UInt64 = 1_000_000_000) {
    self.width = width
    self.grace = grace
    start = origin
  }

  /// Adds one request issued at `issue` that completed `bytes` at `complete`.
  @inline(__always)
  mutating func add(bytes: UInt64, issue: UInt64, complete: UInt64) {
    if issue < start { lateRequests += 1 }
    let from = max(issue, start)
    let to = max(complete, start)
    let last = Int((to - start) / width)
    if last >= windows.count { windows.append(contentsOf: repeatElement(Window(), count: last + 1 - windows.count)) }
    windows[last].bytes &+= bytes
    var index = Int((from - start) / width)
    var at = from
    while at < to {
      let edge = min(to, start + UInt64(index + 1) * width)
      windows[index].busy &+= edge - at
      at = edge
      index += 1
    }
  }

  /// True when `release(before: time)` has windows to hand over.
  @inline(__always)
  func hasReady(before time: UInt64) -> Bool { time > start &+ grace &+ width }

  /// Hands the windows that end before `time - grace` to `body` (start, window), oldest first,
  /// and forgets them; with `time` nil, every window. Windows nothing happened in after the
  /// last one handed over may be skipped: `body` sees only windows that exist.
  @inline(__always)
  mutating func release(before time: UInt64?, _ body: (UInt64, Window) -> Void) {
    var ready = windows.count
    if let time {
      guard hasReady(before: time) else { return }
      ready = Int((time - grace - start) / width)
    }
    let present = min(ready, windows.count)
    for index in 0..<present { body(start + UInt64(index) * width, windows[index]) }
    windows.removeFirst(present)
    start += UInt64(ready) * width
  }
}
