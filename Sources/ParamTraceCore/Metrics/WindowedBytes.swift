/// Bytes per time bin, for peak bandwidth (docs/metrics.md lesson 5).
///
/// Bins are aligned to the first time added (earlier times extend the grid backwards). With a
/// given window a bin is the window. When the window is chosen from the run's length
/// (`PeakWindow.fromRunLength`), bins start at the finest window the choice can give (10 ms),
/// and the peak groups whole bins into the window chosen at the end; once the bins cover more
/// than ten of the widest window, the choice can only be the widest, so the bins are merged
/// into it and stay that wide. Memory grows with the traced duration divided by the bin, never
/// with events: at most 1,000 bins of 10 ms, then one per second.
public struct WindowedBytes: Sendable {
  public let rule: PeakWindow
  /// The width of one bin now.
  public private(set) var binNanoseconds: UInt64
  /// Signed: extending the grid backwards can pass time zero by less than one bin (the
  /// first time added 0.5 s into the trace, a later event at 0.1 s, 1 s bins). As UInt64
  /// this subtraction trapped (arithmetic overflow in `paramtrace analyze` on blkparse text).
  private var origin: Int64 = 0
  private var bins: [UInt64] = []

  /// The window is chosen at the end and the bins are still finer than the widest window.
  private var mergesLater: Bool

  public init(_ rule: PeakWindow) {
    self.rule = rule
    binNanoseconds = max(1, rule.initialBinNanoseconds)
    mergesLater = rule == .fromRunLength
  }

  /// Fixed bins of `windowNanoseconds` (the window is given).
  public init(windowNanoseconds: UInt64) {
    self.init(.given(nanoseconds: windowNanoseconds))
  }

  @inline(__always)
  public mutating func add(bytes: UInt64, at time: UInt64) {
    let time = Int64(clamping: time)
    let width = Int64(clamping: binNanoseconds)
    var grew = false
    if bins.isEmpty {
      origin = time
      bins = [0]
    }
    if time < origin {
      let missing = Int((origin - time - 1) / width + 1)
      bins.insert(contentsOf: repeatElement(0, count: missing), at: 0)
      origin -= Int64(missing) * width
      grew = true
    }
    var index = Int((time - origin) / width)
    if index >= bins.count {
      bins.append(contentsOf: repeatElement(0, count: index - bins.count + 1))
      grew = true
    }
    if grew, mergesLater, UInt64(bins.count) * binNanoseconds > PeakWindow.runShareDivisor * PeakWindow.longest {
      mergeIntoLongestWindow()
      index = Int((time - origin) / Int64(clamping: binNanoseconds))
    }
    bins[index] &+= bytes
  }

  /// The run is now long enough that only the widest window can be chosen: one bin per
  /// widest window, still aligned to the origin.
  private mutating func mergeIntoLongestWindow() {
    let factor = Int(PeakWindow.longest / binNanoseconds)
    var merged = [UInt64](repeating: 0, count: (bins.count + factor - 1) / factor)
    for (index, value) in bins.enumerated() { merged[index / factor] &+= value }
    bins = merged
    binNanoseconds = PeakWindow.longest
    mergesLater = false
  }

  /// How many bins one window of `windowNanoseconds` takes (at least one: a window finer than
  /// the bins is the bin).
  private func binsPerWindow(_ windowNanoseconds: UInt64) -> Int {
    Int(max(1, (windowNanoseconds + binNanoseconds / 2) / binNanoseconds))
  }

  /// The window a request for `windowNanoseconds` really gets: whole bins.
  public func effectiveWindow(_ windowNanoseconds: UInt64) -> UInt64 {
    UInt64(binsPerWindow(windowNanoseconds)) * binNanoseconds
  }

  /// Bytes per window of `windowNanoseconds` (whole bins, aligned to the origin), from the
  /// first window on (for plots and the peak). An origin before time zero (see `origin`) is
  /// reported as zero.
  public func series(windowNanoseconds: UInt64) -> (originNanoseconds: UInt64, bytes: [UInt64]) {
    let group = binsPerWindow(windowNanoseconds)
    guard group > 1 else { return (UInt64(clamping: origin), bins) }
    var grouped = [UInt64](repeating: 0, count: (bins.count + group - 1) / group)
    for (index, value) in bins.enumerated() { grouped[index / group] &+= value }
    return (UInt64(clamping: origin), grouped)
  }

  /// The most bytes in one window of `windowNanoseconds`.
  public func peakBytes(windowNanoseconds: UInt64) -> UInt64 {
    series(windowNanoseconds: windowNanoseconds).bytes.max() ?? 0
  }

  /// The peak with bins as windows.
  public var peakBytes: UInt64 { bins.max() ?? 0 }

  /// The peak as bytes per second, with bins as windows.
  public var peakBytesPerSecond: Double { Double(peakBytes) * 1e9 / Double(binNanoseconds) }

  /// Bytes per bin from the first bin on.
  public var series: (originNanoseconds: UInt64, bytes: [UInt64]) { (UInt64(clamping: origin), bins) }
}
