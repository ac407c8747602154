/// Counts of the five gap classes (docs/metrics.md): for consecutive operations a, b,
/// `gap = b.start - (a.start + a.length)` in 512-byte sectors.
public struct GapClasses: Sendable, Hashable {
  /// gap == 0
  public var sequential = 0
  /// 0 < gap < 256 (under 128 KiB)
  public var small = 0
  /// 256 <= gap < 2048 (128 KiB to 1 MiB)
  public var medium = 0
  /// gap >= 2048 (1 MiB and more)
  public var large = 0
  /// gap < 0
  public var backward = 0

  public init() {}

  /// Number of gaps counted (operations - 1).
  public var total: Int { sequential + small + medium + large + backward }

  /// Classifies one gap.
  @inline(__always)
  public mutating func add(previousEnd: UInt64, nextStart: UInt64) {
    if nextStart < previousEnd {
      backward += 1
    } else {
      let gap = nextStart - previousEnd
      if gap == 0 {
        sequential += 1
      } else if gap < 256 {
        small += 1
      } else if gap < 2048 {
        medium += 1
      } else {
        large += 1
      }
    }
  }

  /// Percentage of all gaps, 0 when there are none.
  public func percent(_ count: Int) -> Double { total == 0 ? 0 : 100 * Double(count) / Double(total) }
}

/// Tracks the previous operation's end and classifies each new operation's gap.
public struct GapTracker: Sendable {
  public private(set) var classes = GapClasses()
  private var previousEnd: UInt64 = 0
  private var hasPrevious = false

  public init() {}

  /// Records an operation covering `[start, end)` (512-byte units).
  @inline(__always)
  public mutating func add(start: UInt64, end: UInt64) {
    if hasPrevious { classes.add(previousEnd: previousEnd, nextStart: start) }
    previousEnd = end
    hasPrevious = true
  }
}
