/// How a file's extents lie on the disk, in file order: what a reader that reads the file
/// front to back makes the disk do.
public struct FragmentationSummary: Sendable, Hashable {
  /// Number of extents.
  public var extentCount: Int
  /// Extent-to-extent transitions in file order (`extentCount - 1`, or 0).
  public var transitions: Int
  /// Transitions where the next extent starts before the previous one ends on the disk.
  public var backwardTransitions: Int
  /// Transitions where the next extent starts exactly where the previous one ends on the disk
  /// (the filesystem split a contiguous run, e.g. ext4's 128 MiB extent limit).
  public var contiguousTransitions: Int
  /// The largest distance on the disk between one extent's end and the next extent's start,
  /// in bytes, forward or backward; 0 with fewer than two extents.
  public var largestGapBytes: UInt64
  /// The transition with the largest gap: from extent `largestGapAfter` to the next; nil when
  /// there is no gap.
  public var largestGapAfter: Int?
  /// Whether that largest gap goes backward on the disk.
  public var largestGapIsBackward: Bool
  /// Bytes from the lowest disk byte of any extent to the highest, holes between included.
  public var spanBytes: UInt64

  /// The summary of `extents` taken in file order.
  public init(_ extents: [FileExtent]) {
    let ordered = extents.sorted { $0.logicalOffset < $1.logicalOffset }
    extentCount = ordered.count
    transitions = max(0, ordered.count - 1)
    backwardTransitions = 0
    contiguousTransitions = 0
    largestGapBytes = 0
    largestGapAfter = nil
    largestGapIsBackward = false
    spanBytes = 0
    guard let first = ordered.first else { return }
    var low = first.diskByteStart
    var high = first.diskByteEnd
    for index in ordered.indices.dropFirst() {
      let previous = ordered[index - 1]
      let next = ordered[index]
      low = min(low, next.diskByteStart)
      high = max(high, next.diskByteEnd)
      let backward = next.diskByteStart < previous.diskByteEnd
      let gap = backward ? previous.diskByteEnd - next.diskByteStart : next.diskByteStart - previous.diskByteEnd
      if backward { backwardTransitions += 1 }
      if gap == 0 && !backward { contiguousTransitions += 1 }
      if gap > largestGapBytes {
        largestGapBytes = gap
        largestGapAfter = index - 1
        largestGapIsBackward = backward
      }
    }
    spanBytes = high - low
  }

  /// The summary of a map's extents.
  public init(_ map: FileExtentMap) { self.init(map.extents) }
}
