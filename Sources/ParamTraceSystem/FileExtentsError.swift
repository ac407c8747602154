import ParamTraceCore
import SystemPackage

/// Why a file's extents could not be mapped to whole-disk sectors on this machine: what
/// happened, to which file, and what to do.
public struct FileExtentsError: Error, Sendable, CustomStringConvertible {
  /// What went wrong.
  public enum Reason: Sendable {
    /// A system call on the file failed: the operation and the errno.
    case access(String, Errno)
    /// Not a regular file (directory, device, socket, …): what it is.
    case notRegularFile(String)
    /// The filesystem's extents are not disk offsets: its name and why.
    case filesystem(String, why: String)
    /// FIEMAP is not supported (EOPNOTSUPP/ENOTTY) on this filesystem, named.
    case noFiemap(String)
    /// FIEMAP failed otherwise.
    case fiemap(Errno)
    /// FIEMAP returned extents that do not advance (the file changed while being mapped?).
    case fiemapNoProgress(UInt64)
    /// The filesystem is not on a block device (anonymous device major 0): its device and type.
    case notOnBlockDevice(DeviceNumber, filesystem: String)
    /// sysfs has no usable entry for the device.
    case sysfs(BlockDeviceSysfsError)
    /// The disk is built on other block devices (dm, LVM, md, …).
    case stacked(BlockDeviceLocation)
    /// Some extents have no trustworthy location.
    case unmappable(ExtentMappingError)
  }

  /// What went wrong.
  public var reason: Reason
  /// The file asked about.
  public var path: String

  public init(_ reason: Reason, path: String) {
    self.reason = reason
    self.path = path
  }

  public var description: String {
    switch reason {
    case .access(let operation, let errno):
      return FileAccessError(operation, path, errno).description
    case .notRegularFile(let kind):
      return "\(path): is a \(kind), not a regular file; only a regular file's extents can be mapped."
    case .filesystem(let name, let why):
      return "\(path): cannot map to disk sectors: the file is on \(name), and \(why). Copy it to a filesystem on a plain disk or partition (ext4, xfs) to trace it by sector."
    case .noFiemap(let name):
      return "\(path): no FIEMAP support on its filesystem (\(name)); tmpfs, NFS, overlay and some FUSE filesystems have none, so the file's place on a disk is unknown. Copy it to a filesystem on a plain disk or partition (ext4, xfs)."
    case .fiemap(let errno):
      return "FIEMAP \(path): \(errno). The filesystem refused to report the file's extents."
    case .fiemapNoProgress(let offset):
      return "FIEMAP \(path): the extent list stops advancing at file offset \(offset); is the file being written? Map it again when it is quiet."
    case .notOnBlockDevice(let device, let filesystem):
      return "\(path): its filesystem (\(filesystem), device \(device)) is not on a block device, so there are no disk sectors to map. Copy the file to a filesystem on a disk or partition."
    case .sysfs(let error):
      return "\(path): \(error.description)"
    case .stacked(let location):
      return stackedDescription(location)
    case .unmappable(let error):
      var copy = error
      copy.path = path
      return copy.description
    }
  }

  private func stackedDescription(_ location: BlockDeviceLocation) -> String {
    let name = location.diskName ?? "device"
    let what: String =
      switch location.stacking {
      case .deviceMapper(let dmName, let uuid):
        (uuid?.hasPrefix("LVM-") ?? false)
          ? "an LVM logical volume (\(name) \(location.disk), \(dmName ?? "unnamed"))"
          : "a device-mapper device (\(name) \(location.disk)\(dmName.map { ", \($0)" } ?? ""))"
      case .md(let level): "an md RAID device (\(name) \(location.disk)\(level.map { ", \($0)" } ?? ""))"
      case .other(let slaves): "a stacked device (\(name) \(location.disk) on \(slaves.joined(separator: ", ")))"
      case nil: "\(name) \(location.disk)"
      }
    return """
      \(path): unmapped: stacked device (\(location.stacking?.kind ?? "stacked")). The file is on \(what); its extents are \
      offsets on that device, while request-level traces show the disks below it, where the device's table places them. \
      Not guessed. What still works: trace bio events (block_bio_queue) on \(location.disk) itself, whose sectors are these \
      offsets (use `--device \(location.disk)` with saved `filefrag -v` text); for dm-linear, `dmsetup table` gives \
      disk_sector = offset + (sector - start). Striped, RAID and thin layouts cannot be mapped.
      """
  }
}
