/// Which operations an analysis keeps (docs/metrics.md lesson 2: process, file, direction).
public struct OperationFilter: Sendable, Hashable {
  /// The data direction to keep. Flushes and discards carry no data and never pass.
  public enum Direction: String, Sendable, CaseIterable {
    case reads, writes, all
  }

  public var direction: Direction = .reads
  /// Keep only these devices (empty: all).
  public var devices: [DeviceNumber] = []
  /// Keep only operations owned by these pids (empty: any). The owner is the task that
  /// queued or issued the request, never the one on its completion line.
  public var pids: [Int32] = []
  /// Keep only operations owned by these tasks or any task they created, as the trace's own
  /// task events tell (`WorkloadTaskTree`; empty: no such rule). Applied by the analysis run
  /// after the other rules, so an operation outside the file counts as outside the file.
  public var taskTreeRoots: [Int32] = []
  /// Keep only operations whose owner has one of these names (empty: any).
  public var comms: [CommName] = []
  /// Keep only operations overlapping these whole-disk sectors (nil: any).
  public var sectors: SectorRanges?
  /// Keep only operations overlapping the file; their bytes are the bytes inside it.
  public var extents: FileExtentMap?
  /// Keep operations whose (issue-order) time is at or after this, in trace-clock ns.
  public var fromNanoseconds: UInt64?
  /// Keep operations whose (issue-order) time is before this, in trace-clock ns.
  public var toNanoseconds: UInt64?

  public init() {}

  /// Why an operation was left out, for the report's accounting.
  public enum Rejection: Int, Sendable, CaseIterable {
    case noData, direction, device, owner, time, sectors, file

    /// Words for reports.
    public var label: String {
      switch self {
      case .noData: "no data (flush, discard)"
      case .direction: "other direction"
      case .device: "other device"
      case .owner: "other owner"
      case .time: "outside --from/--to"
      case .sectors: "outside --sectors"
      case .file: "outside the file"
      }
    }
  }

  /// Nil when the operation passes, otherwise the first rule it fails.
  @inline(__always)
  public func rejection(of operation: BlockOperation) -> Rejection? {
    let flags = operation.flags
    guard operation.sectors > 0, flags.carriesData, !flags.contains(.flush) || flags.contains(.read) || flags.contains(.write)
    else { return .noData }
    switch direction {
    case .reads: if !flags.contains(.read) { return .direction }
    case .writes: if !flags.contains(.write) { return .direction }
    case .all: break
    }
    if !devices.isEmpty, !devices.contains(operation.device) { return .device }
    if !pids.isEmpty, !pids.contains(operation.ownerPid) { return .owner }
    if !comms.isEmpty, !comms.contains(operation.ownerComm) { return .owner }
    if fromNanoseconds != nil || toNanoseconds != nil {
      let time = operation.issueOrderTime
      if let from = fromNanoseconds, time < from { return .time }
      if let to = toNanoseconds, time >= to { return .time }
    }
    if let sectors, sectors.overlap(start: operation.sector, end: operation.endSector) == 0 { return .sectors }
    return nil
  }
}
