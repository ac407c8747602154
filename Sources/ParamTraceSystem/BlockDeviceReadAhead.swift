#if canImport(Glibc)
  import Glibc
#endif
import ParamTraceCore
import SystemPackage

/// The model disk's `queue/read_ahead_kb`, set for one run and put back after it.
///
/// What it changes: how far the kernel reads around a page fault or ahead of a sequential
/// read on every file of that disk (a file opened after the change takes the new value; the
/// workload is started after it). How it undoes it: `restore()`, which `record` calls in a
/// `defer`, so an error, a failed workload, Ctrl-C or SIGTERM (the stop handlers only set a
/// flag, the run unwinds) all put the old value back. SIGKILL cannot be caught: the manifest
/// keeps the old value (`read_ahead.previous_kb`) so it can be written back by hand.
public final class BlockDeviceReadAhead {
  /// `/sys/dev/block/MAJ:MIN/queue/read_ahead_kb` of the whole disk.
  public let path: String
  /// The value before the change, in KiB.
  public let previousKilobytes: UInt64
  /// The value written, in KiB, and the value the kernel then shows (it rounds to pages).
  public let requestedKilobytes: UInt64
  public let achievedKilobytes: UInt64
  private var restored = false

  /// Sets `kilobytes` on the whole disk `disk`. `sysfsRoot` is `/sys`; tests pass a copy.
  ///
  /// - Throws: `FileAccessError` when the file cannot be read or written (not root, no such disk).
  public init(disk: DeviceNumber, kilobytes: UInt64, sysfsRoot: String = "/sys") throws {
    path = "\(sysfsRoot)/dev/block/\(disk)/queue/read_ahead_kb"
    previousKilobytes = try Self.read(path)
    requestedKilobytes = kilobytes
    try Self.write(kilobytes, to: path)
    achievedKilobytes = (try? Self.read(path)) ?? kilobytes
  }

  /// Writes the old value back, once; false (and the reason on `problem`) when that failed.
  @discardableResult
  public func restore() -> Bool {
    guard !restored else { return problem == nil }
    restored = true
    do { try Self.write(previousKilobytes, to: path) } catch { problem = "\(error)" }
    return problem == nil
  }

  /// Why `restore()` failed, with what to do.
  public private(set) var problem: String?

  deinit { restore() }

  static func read(_ path: String) throws -> UInt64 {
    let bytes = try readWholeFile(path, limit: 64)
    let digits = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }
    guard !digits.isEmpty, let value = UInt64(String(decoding: digits, as: UTF8.self)) else {
      throw FileAccessError("parse", path, .invalidArgument)
    }
    return value
  }

  /// Opens with O_TRUNC as `echo N >` does (sysfs ignores it; a plain file copy needs it).
  static func write(_ kilobytes: UInt64, to path: String) throws {
    let fd: FileDescriptor
    do { fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.truncate]) } catch let errno as Errno {
      throw FileAccessError("open", path, errno)
    }
    try fd.closeAfter {
      do { _ = try fd.writeAll(Array("\(kilobytes)".utf8)) } catch let errno as Errno {
        throw FileAccessError("write \(kilobytes) to", path, errno)
      }
    }
  }
}
