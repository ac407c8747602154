/// The size of the union of half-open intervals, for unique bytes (docs/metrics.md lesson 4).
///
/// New intervals collect in a buffer; when the buffer is as large as the merged list it is
/// sorted and merged into it, so memory stays within twice the number of disjoint
/// intervals and each insertion costs O(log n) amortized.
public struct IntervalUnion: Sendable {
  private var merged: [Interval] = []
  private var pending: [Interval] = []

  private struct Interval: Sendable {
    var start: UInt64
    var end: UInt64
  }

  public init() {}

  /// Adds `[start, end)`; empty intervals are ignored.
  @inline(__always)
  public mutating func insert(_ start: UInt64, _ end: UInt64) {
    guard end > start else { return }
    // Sequential reads extend the previous interval: merge them here instead of sorting
    // them later.
    if let last = pending.last, start >= last.start, start <= last.end {
      if end > last.end { pending[pending.count - 1].end = end }
      return
    }
    pending.append(Interval(start: start, end: end))
    if pending.count >= max(1 << 16, merged.count) { consolidate() }
  }

  /// Total length covered by at least one interval.
  public var coveredLength: UInt64 {
    mutating get {
      consolidate()
      return merged.reduce(0) { $0 &+ ($1.end - $1.start) }
    }
  }

  /// The union as disjoint `[start, end)` pieces in ascending order.
  public var pieces: [(start: UInt64, end: UInt64)] {
    mutating get {
      consolidate()
      return merged.map { ($0.start, $0.end) }
    }
  }

  /// Number of disjoint pieces the union is made of.
  public var pieceCount: Int {
    mutating get {
      consolidate()
      return merged.count
    }
  }

  private mutating func consolidate() {
    guard !pending.isEmpty else { return }
    pending.sort { $0.start < $1.start }
    var result: [Interval] = []
    result.reserveCapacity(merged.count + pending.count)
    var a = 0
    var b = 0
    while a < merged.count || b < pending.count {
      let next: Interval
      if b == pending.count || (a < merged.count && merged[a].start <= pending[b].start) {
        next = merged[a]
        a += 1
      } else {
        next = pending[b]
        b += 1
      }
      if let last = result.last, next.start <= last.end {
        if next.end > last.end { result[result.count - 1].end = next.end }
      } else {
        result.append(next)
      }
    }
    merged = result
    pending.removeAll(keepingCapacity: true)
  }
}
