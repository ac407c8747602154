#if canImport(Glibc)
  import Glibc
#endif
import ParamTraceCore
import SystemPackage

/// What sysfs says about the block device a filesystem sits on (spec §5.3–§5.4).
public struct BlockDeviceLocation: Sendable, Hashable {
  /// The device asked about (a filesystem's `st_dev`).
  public var device: DeviceNumber
  /// Its kernel name (`vda1`), from `uevent` DEVNAME.
  public var deviceName: String?
  /// First sector of the partition in 512-byte units (sysfs `start`); 0 for a whole disk.
  public var partitionStartSector: UInt64
  /// The whole disk: the device itself, or the parent of a partition.
  public var disk: DeviceNumber
  /// The whole disk's kernel name (`vda`).
  public var diskName: String?
  /// The disk's active I/O scheduler.
  public var scheduler: String?
  /// The disk's `read_ahead_kb`.
  public var readAheadKilobytes: UInt64?
  /// For a loop disk, its `loop/backing_file`.
  public var loopBackingFile: String?
  /// How the disk is built on other block devices; nil for a plain disk (loop included).
  public var stacking: Stacking?

  /// A block device built on other block devices.
  public enum Stacking: Sendable, Hashable {
    /// device-mapper (`dm/`): `dm/name` and `dm/uuid` (LVM's start with `LVM-`).
    case deviceMapper(name: String?, uuid: String?)
    /// md RAID (`md/`), with `md/level`.
    case md(level: String?)
    /// Some other driver with a non-empty `slaves/` (bcache, …).
    case other(slaves: [String])

    /// `dm`, `LVM`, `md` or `stacked`.
    public var kind: String {
      switch self {
      case .deviceMapper(_, let uuid): (uuid?.hasPrefix("LVM-") ?? false) ? "LVM" : "dm"
      case .md: "md"
      case .other: "stacked"
      }
    }
  }

  /// Whether the filesystem is on a partition.
  public var isPartition: Bool { device != disk }
}

/// Reads `/sys/dev/block/MAJ:MIN/…`: partition start, parent disk, names, queue settings,
/// and how the disk is stacked.
public enum BlockDeviceSysfs {
  /// Describes `device`. `sysfsRoot` is `/sys`; tests pass a fake tree.
  public static func locate(_ device: DeviceNumber, sysfsRoot: String = "/sys") throws(BlockDeviceSysfsError) -> BlockDeviceLocation {
    let base = "\(sysfsRoot)/dev/block/\(device)"
    guard let ownDev = readText("\(base)/dev") else {
      throw BlockDeviceSysfsError(device: device, path: base, problem: .missing)
    }
    guard DeviceNumber(parsing: ownDev) == device else {
      throw BlockDeviceSysfsError(device: device, path: "\(base)/dev", problem: .unexpected(ownDev))
    }
    var disk = device
    var diskBase = base
    var start: UInt64 = 0
    if readText("\(base)/partition") != nil {
      // A partition: its directory sits inside the whole disk's ("link/.." follows the link).
      guard let text = readText("\(base)/start"), let value = UInt64(text) else {
        throw BlockDeviceSysfsError(device: device, path: "\(base)/start", problem: .unexpected(readText("\(base)/start") ?? "missing"))
      }
      start = value
      guard let parentText = readText("\(base)/../dev"), let parent = DeviceNumber(parsing: parentText) else {
        throw BlockDeviceSysfsError(device: device, path: "\(base)/../dev", problem: .unexpected(readText("\(base)/../dev") ?? "missing"))
      }
      disk = parent
      diskBase = "\(sysfsRoot)/dev/block/\(parent)"
    }
    var location = BlockDeviceLocation(
      device: device, deviceName: devname(base), partitionStartSector: start, disk: disk, diskName: devname(diskBase))
    if let scheduler = readText("\(diskBase)/queue/scheduler") {
      location.scheduler = activeScheduler(scheduler)
    }
    location.readAheadKilobytes = readText("\(diskBase)/queue/read_ahead_kb").flatMap { UInt64($0) }
    location.loopBackingFile = readText("\(diskBase)/loop/backing_file")
    location.stacking = stacking(diskBase)
    return location
  }

  /// `[mq-deadline] none` → `mq-deadline`; a single word as is.
  static func activeScheduler(_ text: String) -> String {
    if let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") {
      return String(text[text.index(after: open)..<close])
    }
    return text
  }

  static func devname(_ base: String) -> String? {
    guard let uevent = readText("\(base)/uevent") else { return nil }
    for line in uevent.split(separator: "\n") where line.hasPrefix("DEVNAME=") {
      return String(line.dropFirst("DEVNAME=".count))
    }
    return nil
  }

  static func stacking(_ diskBase: String) -> BlockDeviceLocation.Stacking? {
    if isDirectory("\(diskBase)/dm") {
      return .deviceMapper(name: readText("\(diskBase)/dm/name"), uuid: readText("\(diskBase)/dm/uuid"))
    }
    if isDirectory("\(diskBase)/md") { return .md(level: readText("\(diskBase)/md/level")) }
    let slaves = listDirectory("\(diskBase)/slaves")
    if !slaves.isEmpty { return .other(slaves: slaves) }
    return nil
  }

  /// A small sysfs file's text without the trailing newline; nil when it cannot be read.
  static func readText(_ path: String) -> String? {
    guard let bytes = try? readWholeFile(path, limit: 1 << 16) else { return nil }
    var text = String(decoding: bytes, as: UTF8.self)
    while let last = text.last, last == "\n" || last == " " { text.removeLast() }
    return text
  }

  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  static func listDirectory(_ path: String) -> [String] { directoryEntryNames(path) ?? [] }
}

/// sysfs has no usable entry for a device.
public struct BlockDeviceSysfsError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What is wrong with the entry.
  public enum Problem: Hashable, Sendable {
    /// No `/sys/dev/block/MAJ:MIN` (or its `dev` file).
    case missing
    /// A file with content that makes no sense, quoted.
    case unexpected(String)
  }

  /// The device asked about.
  public var device: DeviceNumber
  /// The sysfs path that failed.
  public var path: String
  /// What is wrong with it.
  public var problem: Problem

  public var description: String {
    switch problem {
    case .missing:
      "\(path): no such block device in sysfs, so the disk and partition start of device \(device) are unknown. Is /sys mounted? Is the filesystem on a block device?"
    case .unexpected(let text):
      "\(path): unexpected content \"\(text)\"; cannot tell the partition start of device \(device)."
    }
  }
}
