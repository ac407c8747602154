/// Bytes per fixed time window, for peak bandwidth (DESIGN.md lesson 5).
///
/// Windows are aligned to the first time added (earlier times extend the grid backwards).
/// Memory grows with the traced duration divided by the window, not with events.
public struct WindowedBytes: Sendable {
  public let windowNanoseconds: UInt64
  private var origin: UInt64 = 0
  private var bins: [UInt64] = []

  public init(windowNanoseconds: UInt64) {
    precondition(windowNanoseconds > 0)
    self.windowNanoseconds = windowNanoseconds
  }

  @inline(__always)
  public mutating func add(bytes: UInt64, at time: UInt64) {
    if bins.isEmpty {
      origin = time
      bins = [0]
    }
    if time < origin {
      let missing = Int((origin - time + windowNanoseconds - 1) / windowNanoseconds)
      bins.insert(contentsOf: repeatElement(0, count: missing), at: 0)
      origin -= UInt64(missing) * windowNanoseconds
    }
    let index = Int((time - origin) / windowNanoseconds)
    if index >= bins.count { bins.append(contentsOf: repeatElement(0, count: index - bins.count + 1)) }
    bins[index] &+= bytes
  }

  /// The most bytes in one window.
  public var peakBytes: UInt64 { bins.max() ?? 0 }

  /// The peak as bytes per second.
  public var peakBytesPerSecond: Double { Double(peakBytes) * 1e9 / Double(windowNanoseconds) }

  /// Bytes per window from the first window on (for plots).
  public var series: (originNanoseconds: UInt64, bytes: [UInt64]) { (origin, bins) }
}
