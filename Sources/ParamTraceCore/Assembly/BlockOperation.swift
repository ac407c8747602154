/// One operation as docs/metrics.md defines it: a block request that is counted once, however many
/// trace lines describe it (or, in the comparison modes, one counted trace line).
public struct BlockOperation: Sendable, Hashable {
  /// Marks a time the trace did not give.
  public static let noTime = UInt64.max

  /// The traced device.
  public var device: DeviceNumber
  /// First 512-byte sector on the whole disk.
  public var sector: UInt64
  /// Length in 512-byte sectors.
  public var sectors: UInt32
  /// Direction and request flags.
  public var flags: BlockFlags
  /// The task the request belongs to: from its queue (Q) line, else the first request line
  /// (G/I/D) that names a task; never the completion's. -1 when unknown.
  public var ownerPid: Int32
  /// The owner's task name (empty when unknown).
  public var ownerComm: CommName
  /// When the first bio of the request was queued (Q), or `noTime`.
  public var queueTime: UInt64
  /// When the request was first issued to the driver (D), or `noTime`.
  public var firstIssueTime: UInt64
  /// When it was last issued (after requeues), or `noTime`.
  public var lastIssueTime: UInt64
  /// When it completed (C), or `noTime` when counted without a completion.
  public var completeTime: UInt64
  /// How many times it was dispatched (more than 1 after requeues).
  public var dispatches: UInt16
  /// Completion errno (0 = success).
  public var error: Int16

  public init(
    device: DeviceNumber, sector: UInt64, sectors: UInt32, flags: BlockFlags, ownerPid: Int32,
    ownerComm: CommName, queueTime: UInt64 = noTime, firstIssueTime: UInt64 = noTime,
    lastIssueTime: UInt64 = noTime, completeTime: UInt64 = noTime, dispatches: UInt16 = 0,
    error: Int16 = 0
  ) {
    self.device = device
    self.sector = sector
    self.sectors = sectors
    self.flags = flags
    self.ownerPid = ownerPid
    self.ownerComm = ownerComm
    self.queueTime = queueTime
    self.firstIssueTime = firstIssueTime
    self.lastIssueTime = lastIssueTime
    self.completeTime = completeTime
    self.dispatches = dispatches
    self.error = error
  }

  /// Bytes the request moves.
  @inlinable public var bytes: UInt64 { UInt64(sectors) &* 512 }
  /// One past the last sector.
  @inlinable public var endSector: UInt64 { sector &+ UInt64(sectors) }

  /// The time operations are ordered by in issue order: first issue, else queue, else completion.
  @inlinable public var issueOrderTime: UInt64 {
    firstIssueTime != Self.noTime ? firstIssueTime : (queueTime != Self.noTime ? queueTime : completeTime)
  }

  /// Driver latency: completion minus the last issue, nil when either is unknown.
  @inlinable public var issueToCompleteNanoseconds: UInt64? {
    guard completeTime != Self.noTime, lastIssueTime != Self.noTime, completeTime >= lastIssueTime else { return nil }
    return completeTime - lastIssueTime
  }

  /// Queue-to-completion latency, nil without a Q line.
  @inlinable public var queueToCompleteNanoseconds: UInt64? {
    guard completeTime != Self.noTime, queueTime != Self.noTime, completeTime >= queueTime else { return nil }
    return completeTime - queueTime
  }
}

/// How trace lines become operations.
public enum CountingMode: String, Sendable, CaseIterable, Codable {
  /// One operation per request, counted at its completion (docs/metrics.md default).
  case completion
  /// Every D (issue) line is an operation: the notebook's corrected pipeline (requeued
  /// requests count twice).
  case dispatch
  /// Every line with a sector and a length is an operation: the notebook's first pipeline.
  case naive
}

/// The order operations are put in before gaps are computed.
public enum OperationOrder: String, Sendable, CaseIterable, Codable {
  /// By first issue time (docs/metrics.md).
  case issue
  /// By completion time, as bcc's biopattern does.
  case completion
}
