/// Request sizes in power-of-two buckets (bucket k holds sizes in [2^k, 2^(k+1)) bytes), and
/// the exact sizes behind them for percentiles a reader can quote.
///
/// Block requests are whole 512-byte sectors, so a size up to `exactSectors` sectors (4 MiB,
/// the largest request virtio and most NVMe drives accept) is counted in an array indexed by its
/// sector count: one array store per request, no hashing. Larger requests, rare, and sizes
/// that are not whole sectors (naive counting of odd trace lines) go to a small table keyed
/// by bytes. Memory: 64 KiB per histogram, whatever the trace's length.
public struct SizeHistogram: Sendable, Hashable {
  public private(set) var counts = [Int](repeating: 0, count: 64)
  /// Sizes of at most this many sectors are counted exactly in `bySectors`.
  public static let exactSectors = 8192
  /// `bySectors[n]`: requests of exactly n sectors.
  private var bySectors = [Int](repeating: 0, count: exactSectors + 1)
  /// Requests larger than `exactSectors` sectors, or not whole sectors: count per size in bytes.
  private var other: [UInt64: Int] = [:]
  /// Requests counted.
  public private(set) var total = 0

  public init() {}

  @inline(__always)
  public mutating func add(bytes: UInt64) {
    guard bytes > 0 else { return }
    counts[63 - bytes.leadingZeroBitCount] += 1
    total += 1
    let sectors = bytes >> 9
    if bytes & 511 == 0, sectors <= UInt64(Self.exactSectors) {
      bySectors[Int(sectors)] += 1
    } else {
      other[bytes, default: 0] += 1
    }
  }

  /// (lower bound in bytes, count) for every non-empty bucket, smallest first.
  public var nonEmptyBuckets: [(lowerBound: UInt64, count: Int)] {
    counts.indices.filter { counts[$0] > 0 }.map { (UInt64(1) << UInt64($0), counts[$0]) }
  }

  /// Nearest-rank percentile of the request sizes, in bytes: the smallest size with at least
  /// `fraction` of the requests at or below it (as the latency percentiles are defined).
  /// Exact; nil without requests.
  public func percentile(_ fraction: Double) -> UInt64? {
    guard total > 0 else { return nil }
    let rank = max(1, min(total, Int((fraction * Double(total)).rounded(.up))))
    // Sizes in increasing order: whole sectors up to the limit and the other sizes merged.
    let others = other.sorted { $0.key < $1.key }
    var next = 0
    var seen = 0
    for sectors in 1...Self.exactSectors {
      let bytes = UInt64(sectors) << 9
      while next < others.count, others[next].key < bytes {
        seen += others[next].value
        if seen >= rank { return others[next].key }
        next += 1
      }
      seen += bySectors[sectors]
      if seen >= rank { return bytes }
    }
    for (bytes, count) in others[next...] {
      seen += count
      if seen >= rank { return bytes }
    }
    return others.last?.key
  }

  /// The median request size (nearest rank), in bytes.
  public var medianBytes: UInt64? { percentile(0.5) }
  /// The 90th percentile of request sizes (nearest rank), in bytes.
  public var p90Bytes: UInt64? { percentile(0.9) }
}
