/// One extent of a file: where a run of file bytes lies on the whole disk.
public struct FileExtent: Sendable, Hashable {
  /// Offset of the run in the file, in bytes.
  public var logicalOffset: UInt64
  /// First 512-byte sector of the run on the whole disk (partition start already added).
  public var sector: UInt64
  /// Length of the run in bytes.
  public var length: UInt64
  /// FIEMAP flags by name (`last`, `unwritten`, …), informational.
  public var flags: [String]
  /// Which of the map's disks `sector` is on: 0 is `FileExtentMap.device`, N is
  /// `otherDevices[N - 1]` (a model whose files lie on several disks).
  public var disk: UInt8

  public init(logicalOffset: UInt64, sector: UInt64, length: UInt64, flags: [String] = [], disk: UInt8 = 0) {
    self.logicalOffset = logicalOffset
    self.sector = sector
    self.length = length
    self.flags = flags
    self.disk = disk
  }

  /// First byte on the disk.
  public var diskByteStart: UInt64 { sector &* 512 }
  /// One past the last byte on the disk.
  public var diskByteEnd: UInt64 { sector &* 512 &+ length }
}

/// What a validated extent list is wrong about.
public struct ExtentMapError: Error, Hashable, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// A file's extents, for filtering traces to the file and mapping disk sectors to file
/// offsets (the logical view, docs/metrics.md lesson 3).
public struct FileExtentMap: Sendable, Hashable {
  /// The file's size in bytes.
  public var fileSize: UInt64
  /// Extents in file order.
  public private(set) var extents: [FileExtent]
  /// The file's path, when known (informational).
  public var path: String?
  /// The whole disk the sectors refer to, when known (for a model on several disks: the first
  /// file's; extents with `disk` N > 0 are on `otherDevices[N - 1]`).
  public var device: DeviceNumber?
  /// The other disks a model's files lie on (`init(concatenating:)`); empty for one disk.
  public internal(set) var otherDevices: [DeviceNumber] = []
  /// Bytes that belong to the file: `fileSize`, except for a model's files laid end to end
  /// (`init(concatenating:)`), whose address space has gaps between files to keep each file
  /// page-aligned; then the sum of the files' sizes.
  public internal(set) var contentSize: UInt64
  /// Extent indices in disk order (by disk slot, then sector), for mapping sectors.
  private var diskOrder: [Int]
  /// Where each disk slot's extents begin in `diskOrder` (one more entry than slots).
  private var slotStarts: [Int]

  /// Validates and indexes the extents: non-empty runs, no two runs overlapping in the file
  /// or on the disk, no offset arithmetic that overflows.
  public init(extents: [FileExtent], fileSize: UInt64, path: String? = nil, device: DeviceNumber? = nil) throws(ExtentMapError) {
    let sorted = extents.sorted { $0.logicalOffset < $1.logicalOffset }
    for (index, extent) in sorted.enumerated() {
      guard extent.length > 0 else { throw ExtentMapError("extent \(index) has length 0; every extent must cover bytes.") }
      guard extent.sector <= UInt64.max / 512 - extent.length / 512 - 1,
        extent.logicalOffset <= UInt64.max - extent.length
      else { throw ExtentMapError("extent \(index) runs past the largest possible offset; the extents file is damaged.") }
      if index > 0 {
        let previous = sorted[index - 1]
        guard previous.logicalOffset + previous.length <= extent.logicalOffset else {
          throw ExtentMapError("extents \(index - 1) and \(index) overlap in the file (offset \(extent.logicalOffset)); regenerate the extents with `paramtrace extents`.")
        }
      }
    }
    let byDisk = sorted.indices.sorted { (sorted[$0].disk, sorted[$0].sector) < (sorted[$1].disk, sorted[$1].sector) }
    for k in byDisk.indices.dropFirst() {
      let a = sorted[byDisk[k - 1]]
      let b = sorted[byDisk[k]]
      guard a.disk != b.disk || a.diskByteEnd <= b.diskByteStart else {
        throw ExtentMapError("two extents overlap on the disk (sector \(b.sector)); a file cannot share blocks with itself here. Regenerate the extents.")
      }
    }
    let slots = Int(sorted.map(\.disk).max() ?? 0) + 1
    var starts = [Int](repeating: byDisk.count, count: slots + 1)
    for (position, index) in byDisk.enumerated().reversed() { starts[Int(sorted[index].disk)] = position }
    for slot in stride(from: slots - 1, through: 0, by: -1) where starts[slot] > starts[slot + 1] { starts[slot] = starts[slot + 1] }
    self.slotStarts = starts
    self.extents = sorted
    self.diskOrder = byDisk
    self.fileSize = fileSize
    self.contentSize = fileSize
    self.path = path
    self.device = device
  }

  /// How an operation's disk range lands in the file.
  public struct Mapping: Sendable, Hashable {
    /// Bytes of the operation that belong to the file.
    public var fileBytes: UInt64
    /// File offset of the first file byte (in disk order), in bytes.
    public var logicalStart: UInt64
    /// File offset one past the last file byte (in disk order), in bytes.
    public var logicalEnd: UInt64
    /// Number of extents the operation touches (2 or more: it crosses extent boundaries).
    public var extentsTouched: Int
  }

  /// The disk slot of `device` (see `FileExtent.disk`), nil when the file has no byte there.
  /// Traces without device numbers (CHEOPS CSV: 0:0) and maps without one are taken to be of
  /// the first disk. A linear look at one to a few devices: no table per event.
  @inline(__always)
  public func slot(of device: DeviceNumber) -> Int? {
    guard let primary = self.device, device.raw != 0, device != primary else { return 0 }
    for (index, other) in otherDevices.enumerated() where other == device { return index + 1 }
    return nil
  }

  /// Every disk the file lies on, first `device`'s (empty when unknown).
  public var devices: [DeviceNumber] { device.map { [$0] + otherDevices } ?? [] }

  /// Maps the disk range `[sector, endSector)` of disk `slot`; nil when it misses the file.
  @inline(__always)
  public func map(sector: UInt64, endSector: UInt64, slot: Int = 0) -> Mapping? {
    var result: Mapping?
    forEachPiece(sector: sector, endSector: endSector, slot: slot) { start, end in
      if result == nil {
        result = Mapping(fileBytes: end - start, logicalStart: start, logicalEnd: end, extentsTouched: 1)
      } else {
        result!.fileBytes += end - start
        result!.logicalEnd = end
        result!.extentsTouched += 1
      }
    }
    return result
  }

  /// Calls `body` with each run of file bytes `[logicalStart, logicalEnd)` that the disk range
  /// `[sector, endSector)` covers, in disk order (an operation spanning extents has several).
  @inline(__always)
  public func forEachPiece(sector: UInt64, endSector: UInt64, slot: Int = 0, _ body: (UInt64, UInt64) -> Void) {
    guard slot + 1 < slotStarts.count else { return }
    let start = sector &* 512
    let end = endSector &* 512
    var low = slotStarts[slot]
    let last = slotStarts[slot + 1]
    var high = last
    while low < high {
      let mid = (low + high) >> 1
      if extents[diskOrder[mid]].diskByteEnd <= start { low = mid + 1 } else { high = mid }
    }
    var index = low
    while index < last {
      let extent = extents[diskOrder[index]]
      if extent.diskByteStart >= end { break }
      let pieceStart = max(start, extent.diskByteStart)
      let pieceEnd = min(end, extent.diskByteEnd)
      let logicalEnd = min(extent.logicalOffset + (pieceEnd - extent.diskByteStart), fileSize)
      let logicalStart = min(extent.logicalOffset + (pieceStart - extent.diskByteStart), logicalEnd)
      if logicalEnd > logicalStart { body(logicalStart, logicalEnd) }
      index += 1
    }
  }

  /// The disk sector ranges `[start, end)` the file occupies, in disk order (disk slot by slot).
  public var sectorRanges: [(start: UInt64, end: UInt64)] {
    diskOrder.map { let e = extents[$0]; return (e.sector, (e.diskByteEnd + 511) / 512) }
  }
}
