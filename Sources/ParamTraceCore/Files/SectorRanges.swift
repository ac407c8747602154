/// A set of whole-disk sector ranges, for `--sectors` filters.
public struct SectorRanges: Sendable, Hashable {
  /// Disjoint ranges `[start, end)` in ascending order.
  public private(set) var ranges: [(start: UInt64, end: UInt64)]

  /// Builds the set from ranges `[start, end)` in any order; overlapping ranges are joined.
  public init(_ input: [(start: UInt64, end: UInt64)]) {
    var merged: [(start: UInt64, end: UInt64)] = []
    for range in input.filter({ $0.end > $0.start }).sorted(by: { $0.start < $1.start }) {
      if let last = merged.last, range.start <= last.end {
        merged[merged.count - 1].end = max(last.end, range.end)
      } else {
        merged.append(range)
      }
    }
    ranges = merged
  }

  /// Sectors of `[start, end)` inside the set.
  @inline(__always)
  public func overlap(start: UInt64, end: UInt64) -> UInt64 {
    var low = 0
    var high = ranges.count
    while low < high {
      let mid = (low + high) >> 1
      if ranges[mid].end <= start { low = mid + 1 } else { high = mid }
    }
    var total: UInt64 = 0
    while low < ranges.count, ranges[low].start < end {
      total += min(end, ranges[low].end) - max(start, ranges[low].start)
      low += 1
    }
    return total
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.ranges.count == b.ranges.count && zip(a.ranges, b.ranges).allSatisfy { $0.start == $1.start && $0.end == $1.end }
  }

  public func hash(into hasher: inout Hasher) {
    for range in ranges {
      hasher.combine(range.start)
      hasher.combine(range.end)
    }
  }
}
