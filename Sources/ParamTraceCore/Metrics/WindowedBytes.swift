/// Bytes per fixed time window, for peak bandwidth (DESIGN.md lesson 5).
///
/// Windows are aligned to the first time added (earlier times extend the grid backwards).
/// Memory grows with the traced duration divided by the window, not with events.
public struct WindowedBytes: Sendable {
  public let windowNanoseconds: UInt64
  /// Signed: extending the grid backwards can pass time zero by less than one window (the
  /// first time added 0.5 s into the trace, a later event at 0.1 s, 1 s windows). As UInt64
  /// this subtraction trapped (arithmetic overflow in `paramtrace analyze` on blkparse text).
  private var origin: Int64 = 0
  private var bins: [UInt64] = []

  public init(windowNanoseconds: UInt64) {
    precondition(windowNanoseconds > 0)
    self.windowNanoseconds = windowNanoseconds
  }

  @inline(__always)
  public mutating func add(bytes: UInt64, at time: UInt64) {
    let time = Int64(clamping: time)
    let window = Int64(clamping: windowNanoseconds)
    if bins.isEmpty {
      origin = time
      bins = [0]
    }
    if time < origin {
      let missing = Int((origin - time - 1) / window + 1)
      bins.insert(contentsOf: repeatElement(0, count: missing), at: 0)
      origin -= Int64(missing) * window
    }
    let index = Int((time - origin) / window)
    if index >= bins.count { bins.append(contentsOf: repeatElement(0, count: index - bins.count + 1)) }
    bins[index] &+= bytes
  }

  /// The most bytes in one window.
  public var peakBytes: UInt64 { bins.max() ?? 0 }

  /// The peak as bytes per second.
  public var peakBytesPerSecond: Double { Double(peakBytes) * 1e9 / Double(windowNanoseconds) }

  /// Bytes per window from the first window on (for plots).
  /// An origin before time zero (see `origin`) is reported as zero.
  public var series: (originNanoseconds: UInt64, bytes: [UInt64]) { (UInt64(clamping: origin), bins) }
}
