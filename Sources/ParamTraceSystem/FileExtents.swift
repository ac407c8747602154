import CParamTraceShims
import ParamTraceCore
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// A file's extents on this machine, as whole-disk sectors (spec §5.2–§5.4).
///
/// Steps: open the file; refuse filesystems whose FIEMAP offsets are not disk offsets (btrfs,
/// tmpfs, overlayfs, network and FUSE filesystems: by `statfs` type); `st_dev` → MAJ:MIN →
/// `/sys/dev/block/MAJ:MIN`: a partition adds its `start` and names its parent disk; refuse
/// stacked disks (device-mapper/LVM, md, non-empty `slaves/`); FIEMAP with FIEMAP_FLAG_SYNC
/// (dirty data is written back first, so delayed allocations get a place; EOPNOTSUPP means no
/// FIEMAP); then map every extent through `ExtentMappability`.
///
/// Loop devices are mapped, not refused: a file on a loop device's filesystem has its sectors
/// on the loop disk (7:N), which is a request-based disk whose I/O traces show as 7:N with
/// these sectors. The details name the backing file, through which that I/O reaches the real
/// disk; map the backing file itself to see it there.
public enum FileExtents {
  /// Extents asked for per FIEMAP call.
  static let extentsPerCall = 512

  /// The file's sector map and where it came from.
  public static func resolve(path: String) throws(FileExtentsError) -> (map: FileExtentMap, details: FileExtentDetails) {
    let fd: FileDescriptor
    do { fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) } catch {
      throw FileExtentsError(.access("open", error as? Errno ?? .ioError), path: path)
    }
    defer { try? fd.close() }

    var info = stat()
    guard fstat(fd.rawValue, &info) == 0 else { throw FileExtentsError(.access("stat", Errno(rawValue: errno)), path: path) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw FileExtentsError(.notRegularFile(fileKind(info.st_mode)), path: path) }
    let fileSize = UInt64(max(0, info.st_size))
    let device = DeviceNumber(userSpaceEncoded: UInt64(info.st_dev))

    var magic: UInt64 = 0
    guard paramtrace_fstatfs_type(fd.rawValue, &magic) == 0 else {
      throw FileExtentsError(.access("statfs", Errno(rawValue: errno)), path: path)
    }
    let filesystem = FilesystemType(magic: magic & 0xFFFF_FFFF)
    let filesystemName = device.flatMap { mountedFilesystemType(of: $0) } ?? filesystem.name
    if let refusal = filesystem.refusal { throw FileExtentsError(.filesystem(filesystemName, why: refusal), path: path) }

    guard let device, device.major != 0 else {
      throw FileExtentsError(.notOnBlockDevice(device ?? DeviceNumber(raw: 0), filesystem: filesystemName), path: path)
    }
    let location: BlockDeviceLocation
    do { location = try BlockDeviceSysfs.locate(device) } catch { throw FileExtentsError(.sysfs(error), path: path) }
    if location.stacking != nil { throw FileExtentsError(.stacked(location), path: path) }

    var blockSize: Int32 = 0
    let blockSizeKnown = paramtrace_ioctl_pointer(fd.rawValue, paramtrace_figetbsz(), &blockSize) == 0 && blockSize > 0

    let deviceExtents = try fiemapExtents(fd, path: path, filesystemName: filesystemName)

    let map: FileExtentMap
    do throws(ExtentMappingError) {
      map = try FileExtentMap(
        deviceExtents: deviceExtents, fileSize: fileSize, partitionStartSector: location.partitionStartSector, path: path,
        device: location.disk)
    } catch {
      throw FileExtentsError(.unmappable(error), path: path)
    }
    var notes = ExtentsReport.notes(for: deviceExtents)
    if let backing = location.loopBackingFile {
      notes.append(
        "\(location.diskName ?? "the disk") is a loop device: traces of \(location.disk) show these sectors; its I/O reaches the real disk through \(backing) (map that file to follow it there)."
      )
    }
    let details = FileExtentDetails(
      path: path, fileSize: fileSize, filesystemType: filesystemName, blockSize: blockSizeKnown ? UInt64(blockSize) : nil,
      deviceExtents: deviceExtents, fileDevice: device, fileDeviceName: location.deviceName,
      partitionStartSector: location.partitionStartSector, disk: location.disk, diskName: location.diskName,
      scheduler: location.scheduler, readAheadKilobytes: location.readAheadKilobytes, loopBackingFile: location.loopBackingFile,
      notes: notes)
    return (map, details)
  }

  /// The report `paramtrace extents FILE` prints.
  public static func report(path: String) throws(FileExtentsError) -> ExtentsReport {
    let (map, details) = try resolve(path: path)
    return ExtentsReport(map: map, details: details)
  }

  /// All extents of an open file by FS_IOC_FIEMAP, `extentsPerCall` at a time, from file
  /// offset 0 until an extent flagged LAST (or none comes back). An empty or all-hole file
  /// has none.
  static func fiemapExtents(_ fd: FileDescriptor, path: String, filesystemName: String) throws(FileExtentsError) -> [DeviceExtent] {
    let headerSize = MemoryLayout<fiemap>.size  // 32
    let extentSize = MemoryLayout<fiemap_extent>.size  // 56
    let buffer = UnsafeMutableRawBufferPointer.allocate(
      byteCount: headerSize + extentSize * extentsPerCall, alignment: MemoryLayout<fiemap>.alignment)
    defer { buffer.deallocate() }
    let base = buffer.baseAddress!

    var extents: [DeviceExtent] = []
    var start: UInt64 = 0
    while true {
      buffer.initializeMemory(as: UInt8.self, repeating: 0)
      var request = fiemap()
      request.fm_start = start
      request.fm_length = ~0  // to the end of the file
      request.fm_flags = UInt32(FIEMAP_FLAG_SYNC)
      request.fm_extent_count = UInt32(extentsPerCall)
      base.storeBytes(of: request, as: fiemap.self)
      var result: Int32
      repeat {
        result = paramtrace_ioctl_pointer(fd.rawValue, paramtrace_fs_ioc_fiemap(), base)
      } while result < 0 && errno == EINTR
      if result < 0 {
        let error = Errno(rawValue: errno)
        if error.rawValue == EOPNOTSUPP || error.rawValue == ENOTTY {
          throw FileExtentsError(.noFiemap(filesystemName), path: path)
        }
        throw FileExtentsError(.fiemap(error), path: path)
      }
      let reply = base.load(as: fiemap.self)
      let mapped = Int(min(reply.fm_mapped_extents, UInt32(extentsPerCall)))
      if mapped == 0 { break }
      var sawLast = false
      for index in 0..<mapped {
        let raw = (base + headerSize + index * extentSize).load(as: fiemap_extent.self)
        let flags = FiemapExtentFlags(rawValue: raw.fe_flags)
        extents.append(
          DeviceExtent(logicalOffset: raw.fe_logical, physicalOffset: raw.fe_physical, length: raw.fe_length, flags: flags))
        if flags.contains(.last) { sawLast = true }
      }
      if sawLast { break }
      let end = extents[extents.count - 1].logicalEnd
      guard end > start else { throw FileExtentsError(.fiemapNoProgress(start), path: path) }
      start = end
    }
    return extents
  }

  /// The filesystem type name `/proc/self/mountinfo` gives for a device (`ext4`), or nil.
  static func mountedFilesystemType(of device: DeviceNumber) -> String? {
    guard let bytes = try? readWholeFile("/proc/self/mountinfo", limit: 16 << 20) else { return nil }
    let wanted = device.description
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count > 4, fields[2] == wanted, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else {
        continue
      }
      return String(fields[dash + 1])
    }
    return nil
  }

  static func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: "directory"
    case S_IFBLK: "block device"
    case S_IFCHR: "character device"
    case S_IFIFO: "pipe"
    case S_IFSOCK: "socket"
    default: "special file"
    }
  }
}
