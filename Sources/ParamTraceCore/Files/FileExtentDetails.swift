/// Where a file's extents came from, for reports: the filesystem, the device it sits on, the
/// partition start that turns device offsets into whole-disk sectors, and the disk's queue
/// settings. Values that are unknown (e.g. for `filefrag` text from another machine) are nil.
public struct FileExtentDetails: Sendable, Hashable {
  /// The file's path (or the name filefrag printed).
  public var path: String
  /// The file's size in bytes.
  public var fileSize: UInt64
  /// The filesystem type name (`ext4`, `xfs`, …).
  public var filesystemType: String?
  /// The filesystem block size in bytes (FIGETBSZ), or the unit of filefrag text.
  public var blockSize: UInt64?
  /// The extents as FIEMAP gave them, in file order (physical offsets relative to
  /// `fileDevice`).
  public var deviceExtents: [DeviceExtent]
  /// The device the filesystem is on (`stat.st_dev`): a partition or a whole disk.
  public var fileDevice: DeviceNumber?
  /// Its kernel name (`vda1`, `loop0p1`).
  public var fileDeviceName: String?
  /// First sector of the partition on the whole disk, in 512-byte units; 0 for a whole disk.
  public var partitionStartSector: UInt64
  /// The whole disk that traces show (`major << 20 | minor` in traces).
  public var disk: DeviceNumber?
  /// Its kernel name (`vda`, `nvme0n1`, `loop0`).
  public var diskName: String?
  /// The disk's active I/O scheduler (`/sys/block/DISK/queue/scheduler`).
  public var scheduler: String?
  /// The disk's readahead in KiB (`/sys/block/DISK/queue/read_ahead_kb`).
  public var readAheadKilobytes: UInt64?
  /// For a loop disk, the file behind it (its I/O reaches the real disk through that file).
  public var loopBackingFile: String?
  /// Remarks worth printing (unwritten extents, loop disks, …).
  public var notes: [String]

  public init(
    path: String, fileSize: UInt64, filesystemType: String? = nil, blockSize: UInt64? = nil, deviceExtents: [DeviceExtent] = [],
    fileDevice: DeviceNumber? = nil, fileDeviceName: String? = nil, partitionStartSector: UInt64 = 0, disk: DeviceNumber? = nil,
    diskName: String? = nil, scheduler: String? = nil, readAheadKilobytes: UInt64? = nil, loopBackingFile: String? = nil,
    notes: [String] = []
  ) {
    self.path = path
    self.fileSize = fileSize
    self.filesystemType = filesystemType
    self.blockSize = blockSize
    self.deviceExtents = deviceExtents
    self.fileDevice = fileDevice
    self.fileDeviceName = fileDeviceName
    self.partitionStartSector = partitionStartSector
    self.disk = disk
    self.diskName = diskName
    self.scheduler = scheduler
    self.readAheadKilobytes = readAheadKilobytes
    self.loopBackingFile = loopBackingFile
    self.notes = notes
  }

  /// Whether the filesystem sits on a partition rather than the whole disk.
  public var isPartition: Bool { fileDevice != nil && disk != nil && fileDevice != disk }
}

extension FileExtentDetails {
  /// The details of parsed `filefrag -v` text; `partitionStartSector` and `disk` come from
  /// the user, since the text does not say.
  public init(_ listing: FilefragListing, partitionStartSector: UInt64, disk: DeviceNumber?) {
    self.init(
      path: listing.fileName, fileSize: listing.fileSize, filesystemType: listing.filesystem?.name, blockSize: listing.unitBytes,
      deviceExtents: listing.extents, partitionStartSector: partitionStartSector, disk: disk)
  }
}
