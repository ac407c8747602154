/// Percentiles of latencies in nanoseconds with bounded memory.
///
/// The first `exactLimit` samples are kept, so small traces get exact nearest-rank
/// percentiles; past that the samples move into a log-linear histogram (64 sub-buckets per
/// power of two: under 1.6 % relative error) and the result says it is approximate.
public struct LatencyDistribution: Sendable {
  public static let exactLimit = 1 << 20
  private var samples: [UInt64] = []
  private var buckets: [UInt64] = []
  public private(set) var count = 0
  public private(set) var maximum: UInt64 = 0
  public private(set) var sum: UInt64 = 0

  public init() {}

  /// True once the samples no longer fit and percentiles come from the histogram.
  public var isApproximate: Bool { !buckets.isEmpty }

  @inline(__always)
  public mutating func add(_ value: UInt64) {
    count += 1
    sum &+= value
    if value > maximum { maximum = value }
    if buckets.isEmpty {
      samples.append(value)
      if samples.count > Self.exactLimit { spill() }
    } else {
      buckets[Self.bucket(of: value)] += 1
    }
  }

  /// Nearest-rank percentile: the smallest value with at least `fraction` of samples at or
  /// below it. Nil without samples.
  public mutating func percentile(_ fraction: Double) -> UInt64? {
    guard count > 0 else { return nil }
    let rank = max(1, Int((fraction * Double(count)).rounded(.up)))
    if buckets.isEmpty {
      samples.sort()
      return samples[min(rank, samples.count) - 1]
    }
    var seen: UInt64 = 0
    for (index, n) in buckets.enumerated() where n > 0 {
      seen += n
      if seen >= UInt64(rank) { return min(Self.representative(of: index), maximum) }
    }
    return maximum
  }

  private mutating func spill() {
    buckets = Array(repeating: 0, count: Self.bucketCount)
    for value in samples { buckets[Self.bucket(of: value)] += 1 }
    samples = []
  }

  private static let subBits = 6
  private static let bucketCount = 128 + (64 - 7) * 64

  @inline(__always)
  static func bucket(of value: UInt64) -> Int {
    if value < 128 { return Int(value) }
    let exponent = 63 - value.leadingZeroBitCount  // >= 7
    let sub = Int((value >> UInt64(exponent - subBits)) & 63)
    return 128 + (exponent - 7) * 64 + sub
  }

  /// The middle of a bucket's value range.
  static func representative(of index: Int) -> UInt64 {
    if index < 128 { return UInt64(index) }
    let exponent = (index - 128) / 64 + 7
    let sub = UInt64((index - 128) % 64)
    let width = UInt64(1) << UInt64(exponent - subBits)
    let low = (UInt64(1) << UInt64(exponent)) + sub * width
    return low + width / 2
  }
}
