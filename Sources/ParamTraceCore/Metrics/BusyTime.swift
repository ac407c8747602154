/// How long the disk was busy with the counted reads: the time during which at least one of
/// them was in flight, each from its first issue to its completion.
///
/// A requeued request stays in flight across its requeue (the reader waits on it throughout).
/// Overlapping requests (a queue deeper than 1) count once and idle gaps not at all: the size
/// of the union of the requests' intervals, clipped to a phase's window when asked. Requests
/// without an issue or a completion time are left out (`skipped`).
///
/// Memory: the interval union holds one interval per stretch of continuous busyness (plus a
/// pending buffer), not one per request, so a thrashing run with the queue never empty costs
/// a few intervals.
public struct BusyTime: Sendable {
  private var union = IntervalUnion()
  /// Requests whose interval was added.
  public private(set) var requests = 0
  /// Requests left out for want of an issue or completion time.
  public private(set) var skipped = 0

  public init() {}

  /// Adds an operation's first issue → completion.
  @inline(__always)
  public mutating func add(_ operation: BlockOperation) {
    guard operation.firstIssueTime != BlockOperation.noTime, operation.completeTime != BlockOperation.noTime,
      operation.completeTime >= operation.firstIssueTime
    else {
      skipped += 1
      return
    }
    add(from: operation.firstIssueTime, to: operation.completeTime)
  }

  /// Adds `[from, to)` in nanoseconds, in any order.
  @inline(__always)
  public mutating func add(from: UInt64, to: UInt64) {
    requests += 1
    union.insert(from, to)
  }

  /// Nanoseconds inside `[from, to)` with at least one request in flight.
  public mutating func busyNanoseconds(from: UInt64, to: UInt64) -> UInt64 { union.coveredLength(from: from, to: to) }
}
