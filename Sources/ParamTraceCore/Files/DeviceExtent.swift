/// One extent as FIEMAP (or `filefrag -v`) reports it: a run of file bytes and where it lies
/// on the device the filesystem sits on (a partition or a whole disk).
public struct DeviceExtent: Sendable, Hashable {
  /// `fe_logical`: offset of the run in the file, in bytes (a `FileOffset`).
  public var logicalOffset: UInt64
  /// `fe_physical`: offset of the run on the filesystem's device, in bytes (a
  /// `DeviceByteOffset`: relative to the partition, not the whole disk).
  public var physicalOffset: UInt64
  /// `fe_length`: length of the run in bytes.
  public var length: UInt64
  /// `fe_flags`.
  public var flags: FiemapExtentFlags

  public init(logicalOffset: UInt64, physicalOffset: UInt64, length: UInt64, flags: FiemapExtentFlags = []) {
    self.logicalOffset = logicalOffset
    self.physicalOffset = physicalOffset
    self.length = length
    self.flags = flags
  }

  /// One past the last file byte of the run.
  public var logicalEnd: UInt64 { logicalOffset &+ length }

  /// The whole-disk 512-byte sector of the run's first byte, as block traces print it:
  /// `partitionStartSector + physicalOffset / 512` (spec §5.3). This is the one place that
  /// converts device byte offsets to trace sectors.
  public func wholeDiskSector(partitionStartSector: UInt64) -> UInt64 {
    partitionStartSector &+ physicalOffset / 512
  }

  /// The whole-disk sectors the run occupies, `[first, last]` (both included).
  public func wholeDiskSectors(partitionStartSector: UInt64) -> ClosedRange<UInt64> {
    let first = wholeDiskSector(partitionStartSector: partitionStartSector)
    let count = max(1, (length + 511) / 512)
    return first...(first &+ count &- 1)
  }
}
