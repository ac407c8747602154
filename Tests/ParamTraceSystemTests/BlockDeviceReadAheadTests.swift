import Foundation
import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

/// Setting and restoring a disk's read_ahead_kb, on a copy of the sysfs file (no root needed;
/// the real disk is exercised by the sweep tests in ParamTraceCLITests).
@Suite struct BlockDeviceReadAheadTests {
  static func fakeSysfs(_ value: String) throws -> (root: String, file: String) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-sysfs-\(UUID().uuidString)").path
    let queue = root + "/dev/block/253:0/queue"
    try FileManager.default.createDirectory(atPath: queue, withIntermediateDirectories: true)
    try value.write(toFile: queue + "/read_ahead_kb", atomically: false, encoding: .utf8)
    return (root, queue + "/read_ahead_kb")
  }

  @Test func theValueIsSetForTheRunAndTheOldOnePutBack() throws {
    let sysfs = try Self.fakeSysfs("8192\n")
    defer { try? FileManager.default.removeItem(atPath: sysfs.root) }
    let setting = try BlockDeviceReadAhead(disk: DeviceNumber(major: 253, minor: 0), kilobytes: 128, sysfsRoot: sysfs.root)
    #expect(setting.previousKilobytes == 8192 && setting.achievedKilobytes == 128)
    #expect(try String(contentsOfFile: sysfs.file, encoding: .utf8).hasPrefix("128"))
    #expect(setting.restore())
    #expect(try String(contentsOfFile: sysfs.file, encoding: .utf8).hasPrefix("8192"))
  }

  /// A setting dropped without restore() (an error thrown past it) still puts the value back.
  @Test func droppingTheSettingRestoresToo() throws {
    let sysfs = try Self.fakeSysfs("4096")
    defer { try? FileManager.default.removeItem(atPath: sysfs.root) }
    do {
      _ = try BlockDeviceReadAhead(disk: DeviceNumber(major: 253, minor: 0), kilobytes: 64, sysfsRoot: sysfs.root)
    }
    #expect(try String(contentsOfFile: sysfs.file, encoding: .utf8).hasPrefix("4096"))
  }

  @Test func aMissingDiskIsNamedInTheError() throws {
    #expect(throws: FileAccessError.self) {
      _ = try BlockDeviceReadAhead(disk: DeviceNumber(major: 999, minor: 9), kilobytes: 64, sysfsRoot: "/nonexistent")
    }
  }
}
