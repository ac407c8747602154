/// Request sizes in power-of-two buckets: bucket k holds sizes in [2^k, 2^(k+1)) bytes.
public struct SizeHistogram: Sendable, Hashable {
  public private(set) var counts = [Int](repeating: 0, count: 64)

  public init() {}

  @inline(__always)
  public mutating func add(bytes: UInt64) {
    guard bytes > 0 else { return }
    counts[63 - bytes.leadingZeroBitCount] += 1
  }

  /// (lower bound in bytes, count) for every non-empty bucket, smallest first.
  public var nonEmptyBuckets: [(lowerBound: UInt64, count: Int)] {
    counts.indices.filter { counts[$0] > 0 }.map { (UInt64(1) << UInt64($0), counts[$0]) }
  }
}
