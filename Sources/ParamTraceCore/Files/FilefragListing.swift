/// One file's `filefrag -v` output, parsed: the extents in bytes, as FIEMAP gave them to
/// filefrag. Physical offsets are relative to the filesystem's device (spec §5.1).
public struct FilefragListing: Sendable, Hashable {
  /// The file name as filefrag printed it.
  public var fileName: String
  /// The file's size in bytes.
  public var fileSize: UInt64
  /// The unit of the text's numbers in bytes ("blocks of N bytes"): the filesystem block size,
  /// or what `-b`/`-k` chose.
  public var unitBytes: UInt64
  /// The filesystem from "Filesystem type is: ef53", when present.
  public var filesystem: FilesystemType?
  /// The extents in file order, in bytes.
  public var extents: [DeviceExtent]
  /// filefrag's own count ("N extents found"); it counts physically contiguous extents once,
  /// so it can be lower than `extents.count`.
  public var reportedExtentCount: Int

  public init(
    fileName: String, fileSize: UInt64, unitBytes: UInt64, filesystem: FilesystemType?, extents: [DeviceExtent],
    reportedExtentCount: Int
  ) {
    self.fileName = fileName
    self.fileSize = fileSize
    self.unitBytes = unitBytes
    self.filesystem = filesystem
    self.extents = extents
    self.reportedExtentCount = reportedExtentCount
  }

  /// The whole-disk sector map. `partitionStartSector` is the partition's first sector in
  /// 512-byte units (`/sys/class/block/PART/start` on the machine that ran filefrag; 0 when
  /// the filesystem is on the whole disk); `device` is the whole disk's MAJ:MIN.
  public func extentMap(partitionStartSector: UInt64 = 0, device: DeviceNumber? = nil) throws(ExtentMappingError) -> FileExtentMap {
    if let filesystem, let refusal = filesystem.refusal {
      throw ExtentMappingError(.filesystem(filesystem.name, why: refusal), path: fileName)
    }
    return try FileExtentMap(
      deviceExtents: extents, fileSize: fileSize, partitionStartSector: partitionStartSector, path: fileName, device: device)
  }
}
