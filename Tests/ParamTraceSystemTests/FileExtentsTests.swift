import Foundation
import ParamTraceCore
import Testing

@testable import ParamTraceSystem

/// Real FIEMAP on files made fragmented on purpose, checked against `filefrag -v` (e2fsprogs);
/// a real partitioned loop disk for the partition start (root only); fake sysfs trees for the
/// stacked-device rules. Serialized: one test creates a loop device and a mount.
@Suite(.serialized) struct FileExtentsTests {
  // MARK: helpers

  /// A tool on PATH or in the sbin directories (non-root PATHs often lack /usr/sbin).
  static func tool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
      let candidate = directory + "/" + name
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs a tool and collects its output (through files, so nothing can block).
  @discardableResult
  static func run(_ executable: String, _ arguments: [String]) throws -> RunResult {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("out")
    let err = scratch.appendingPathComponent("err")
    for path in [out, err] where !FileManager.default.createFile(atPath: path.path, contents: nil) {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path.path])
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    return RunResult(
      status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
      stderr: try String(contentsOf: err, encoding: .utf8))
  }

  /// Writes `chunks` chunks of `chunkSize` seeded bytes into each path, last chunk first and
  /// alternating between the files, with fsync after every chunk: ext4 then places later-written
  /// (lower) chunks elsewhere, so the files come out fragmented, with backward jumps.
  static func writeInterleavedBackwards(_ paths: [String], chunks: Int, chunkSize: Int, seed: UInt64) throws {
    let descriptors = paths.map { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
    defer { for fd in descriptors where fd >= 0 { close(fd) } }
    guard descriptors.allSatisfy({ $0 >= 0 }) else { throw TestFailure("create \(paths): errno \(errno)") }
    var rng = SplitMix64(seed: seed)
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    for index in stride(from: chunks - 1, through: 0, by: -1) {
      for fd in descriptors {
        for k in chunk.indices { chunk[k] = UInt8(truncatingIfNeeded: rng.next()) }
        let written = chunk.withUnsafeBytes { pwrite(fd, $0.baseAddress, chunkSize, off_t(index * chunkSize)) }
        guard written == chunkSize, fsync(fd) == 0 else { throw TestFailure("write \(paths): errno \(errno)") }
      }
    }
  }

  /// Writes one `chunkSize` chunk at every other chunk offset: holes split extents whatever the
  /// allocator does.
  static func writeWithHoles(_ path: String, chunks: Int, chunkSize: Int) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw TestFailure("create \(path): errno \(errno)") }
    defer { close(fd) }
    let chunk = [UInt8](repeating: 0x5A, count: chunkSize)
    for index in stride(from: 0, to: chunks, by: 2) {
      guard chunk.withUnsafeBytes({ pwrite(fd, $0.baseAddress, chunkSize, off_t(index * chunkSize)) }) == chunkSize else {
        throw TestFailure("write \(path): errno \(errno)")
      }
    }
    guard ftruncate(fd, off_t(chunks * chunkSize)) == 0, fsync(fd) == 0 else { throw TestFailure("sync \(path): errno \(errno)") }
  }

  struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  /// A file with several extents, and filefrag's view of it: first two files written
  /// interleaved and backwards (real fragmentation, with backward jumps); if the allocator kept
  /// that contiguous (a fresh filesystem can), a file with holes, which always splits extents.
  static func makeFragmentedFile(
    in directory: String, chunks: Int, chunkSize: Int, filefragTool: String
  ) throws -> (path: String, listing: FilefragListing) {
    let a = directory + "/a.bin"
    try writeInterleavedBackwards([a, directory + "/b.bin"], chunks: chunks, chunkSize: chunkSize, seed: 42)
    let listing = try filefrag(filefragTool, a)
    if listing.extents.count > 1 { return (a, listing) }
    print("note: \(a) came out contiguous; using a file with holes instead")
    let holes = directory + "/holes.bin"
    try writeWithHoles(holes, chunks: chunks, chunkSize: chunkSize)
    return (holes, try filefrag(filefragTool, holes))
  }

  /// `filefrag -v PATH`, parsed by paramtrace's own parser (so real output tests it too).
  static func filefrag(_ filefragTool: String, _ path: String) throws -> FilefragListing {
    let result = try run(filefragTool, ["-v", path])
    guard result.status == 0 else { throw TestFailure("filefrag -v \(path) failed (\(result.status)): \(result.stderr)") }
    return try FilefragParser.parse(Array(result.stdout.utf8))
  }

  /// A fresh directory under `base`, removed by the caller.
  static func scratchDirectory(in base: String) throws -> String {
    let path = base + "/paramtrace-extents-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Where to make test files: a directory on a disk-backed filesystem.
  static var testBase: String { ProcessInfo.processInfo.environment["PARAMTRACE_EXTENTS_TEST_DIR"] ?? "/var/tmp" }

  static let filefragTool = tool("filefrag")
  static let filefragGate: String? =
    filefragTool == nil ? "needs filefrag (e2fsprogs; apt-get install e2fsprogs)" : PrivilegedTestGate.unavailable(needsRoot: false, paths: [testBase])

  /// Nil when FIEMAP on `testBase` cannot be checked, with why; fails instead when required.
  static func requireDiskFilesystem(_ directory: String) throws -> Bool {
    let probe = directory + "/probe"
    try Data([1]).write(to: URL(fileURLWithPath: probe))
    do {
      _ = try FileExtents.resolve(path: probe)
      return true
    } catch {
      let reason = "\(testBase) cannot be mapped here (\(error)); set PARAMTRACE_EXTENTS_TEST_DIR to a directory on ext4 or xfs"
      if PrivilegedTestGate.required { Issue.record(Comment(rawValue: reason)) } else { print("skipped: \(reason)") }
      return false
    }
  }

  // MARK: real FIEMAP against filefrag

  @Test(.enabled(if: filefragGate == nil || PrivilegedTestGate.required, Comment(rawValue: filefragGate ?? "")))
  func fragmentedFileMatchesFilefrag() throws {
    guard let filefragTool = Self.filefragTool, Self.filefragGate == nil else {
      Issue.record(Comment(rawValue: "required test cannot run: \(Self.filefragGate ?? "")"))
      return
    }
    let directory = try Self.scratchDirectory(in: Self.testBase)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    guard try Self.requireDiskFilesystem(directory) else { return }

    let (path, listing) = try Self.makeFragmentedFile(in: directory, chunks: 32, chunkSize: 128 << 10, filefragTool: filefragTool)
    #expect(listing.extents.count > 1, "filefrag -v \(path) shows \(listing.extents.count) extent(s); the test wanted a fragmented file")

    let (map, details) = try FileExtents.resolve(path: path)
    print("FIEMAP \(path): \(details.deviceExtents.count) extents; filefrag: \(listing.extents.count) lines, \"\(listing.reportedExtentCount) extents found\"")
    #expect(details.deviceExtents == listing.extents)
    #expect(map == (try listing.extentMap(partitionStartSector: details.partitionStartSector, device: details.disk)).withPath(path))
    #expect(details.fileSize == listing.fileSize)
    #expect(details.blockSize == listing.unitBytes)

    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(details.fileDevice == DeviceNumber(userSpaceEncoded: UInt64(info.st_dev)))
    #expect(details.disk != nil && details.diskName != nil)
    if details.isPartition { #expect(details.partitionStartSector > 0) } else { #expect(details.partitionStartSector == 0) }

    // Every sector is the partition start plus the device offset.
    for (extent, raw) in zip(map.extents, details.deviceExtents) {
      #expect(extent.sector == details.partitionStartSector + raw.physicalOffset / 512)
    }
    let summary = FragmentationSummary(map)
    #expect(summary.extentCount == listing.extents.count)
  }

  @Test(.enabled(if: filefragGate == nil || PrivilegedTestGate.required, Comment(rawValue: filefragGate ?? "")))
  func jsonRoundTripThroughTheExtentsFile() throws {
    let directory = try Self.scratchDirectory(in: Self.testBase)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    guard try Self.requireDiskFilesystem(directory) else { return }
    let path = directory + "/round.bin"
    try Self.writeWithHoles(path, chunks: 8, chunkSize: 64 << 10)

    let report = try FileExtents.report(path: path)
    #expect(report.map.extents.count >= 4)
    let bytes = report.document.encoded()
    let decoded = try ExtentsDocument.decode(bytes, source: "round.extents.json")
    #expect(decoded == report.map)
    #expect(decoded.device == report.details.disk)
    let document = try JSONDecoder().decode(ExtentsDocument.self, from: Data(bytes))
    #expect(document.partitionStartSector == report.details.partitionStartSector)
    #expect(document.path == path)
  }

  @Test(.enabled(if: filefragGate == nil || PrivilegedTestGate.required, Comment(rawValue: filefragGate ?? "")))
  func emptySparseAndPreallocatedFiles() throws {
    let directory = try Self.scratchDirectory(in: Self.testBase)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    guard try Self.requireDiskFilesystem(directory) else { return }

    let empty = directory + "/empty"
    #expect(FileManager.default.createFile(atPath: empty, contents: nil))
    let (emptyMap, emptyDetails) = try FileExtents.resolve(path: empty)
    #expect(emptyMap.extents.isEmpty && emptyDetails.deviceExtents.isEmpty && emptyMap.fileSize == 0)

    let sparse = directory + "/sparse"
    let fd = open(sparse, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(fd >= 0 && ftruncate(fd, 1 << 20) == 0)
    // Preallocated (unwritten) blocks in a second file.
    let preallocated = directory + "/prealloc"
    let pfd = open(preallocated, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let fallocated = pfd >= 0 && posix_fallocate(pfd, 0, 1 << 20) == 0
    close(fd)
    close(pfd)
    let (sparseMap, _) = try FileExtents.resolve(path: sparse)
    #expect(sparseMap.extents.isEmpty && sparseMap.fileSize == 1 << 20)

    if fallocated {
      let (map, details) = try FileExtents.resolve(path: preallocated)
      #expect(!map.extents.isEmpty)
      #expect(map.extents.allSatisfy { $0.flags.contains("unwritten") })
      #expect(details.notes.contains { $0.contains("without disk I/O") })
    }
  }

  // MARK: refusals

  @Test func tmpfsIsRefusedWithTheReason() throws {
    guard Self.isTmpfsMount("/dev/shm") else {
      let reason = "/dev/shm is not a tmpfs here"
      if PrivilegedTestGate.required { Issue.record(Comment(rawValue: reason)) }
      return
    }
    let path = "/dev/shm/paramtrace-extents-test-\(getpid())"
    try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
      _ = try FileExtents.resolve(path: path)
      Issue.record("a tmpfs file was mapped")
    } catch {
      guard case .filesystem(let name, _) = error.reason else {
        Issue.record("wrong reason: \(error)")
        return
      }
      #expect(name == "tmpfs")
      let text = error.description
      #expect(text.contains(path))
      #expect(text.contains("tmpfs"))
      #expect(text.contains("not on a block device"))
      #expect(text.contains("Copy it to a filesystem on a plain disk"))
    }
  }

  /// Whether `path` is a tmpfs mount point (from /proc/self/mounts).
  static func isTmpfsMount(_ path: String) -> Bool {
    guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return false }
    return mounts.split(separator: "\n").contains { line in
      let fields = line.split(separator: " ")
      return fields.count > 2 && fields[1] == path && fields[2] == "tmpfs"
    }
  }

  @Test func missingFileAndDirectoryAreRefused() {
    #expect {
      try FileExtents.resolve(path: "/nonexistent/paramtrace-extents")
    } throws: { error in
      "\(error)".contains("open /nonexistent/paramtrace-extents") && "\(error)".contains("Check the path")
    }
    #expect {
      try FileExtents.resolve(path: "/")
    } throws: { error in
      "\(error)".contains("is a directory, not a regular file")
    }
  }

  // MARK: sysfs rules on fake trees

  /// A fake /sys: sda (8:0) with partition sda1 (8:1, start 2048), an LVM volume dm-0 (253:0),
  /// an md RAID md0 (9:0) and a bcache-like bcache0 (252:0) with slaves.
  static func fakeSysfs() throws -> String {
    let root = NSTemporaryDirectory() + "paramtrace-sysfs-\(UUID().uuidString.prefix(8))"
    let fm = FileManager.default
    func write(_ relative: String, _ text: String) throws {
      let url = URL(fileURLWithPath: root + "/" + relative)
      try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
    }
    func link(_ device: String, _ target: String) throws {
      try fm.createDirectory(atPath: root + "/dev/block", withIntermediateDirectories: true)
      try fm.createSymbolicLink(atPath: root + "/dev/block/" + device, withDestinationPath: "../../devices/" + target)
    }
    try write("devices/sda/dev", "8:0")
    try write("devices/sda/uevent", "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk")
    try write("devices/sda/queue/scheduler", "[none] mq-deadline kyber")
    try write("devices/sda/queue/read_ahead_kb", "128")
    try fm.createDirectory(atPath: root + "/devices/sda/slaves", withIntermediateDirectories: true)
    try write("devices/sda/sda1/dev", "8:1")
    try write("devices/sda/sda1/partition", "1")
    try write("devices/sda/sda1/start", "2048")
    try write("devices/sda/sda1/uevent", "MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition")
    try link("8:0", "sda")
    try link("8:1", "sda/sda1")
    try write("devices/dm-0/dev", "253:0")
    try write("devices/dm-0/uevent", "DEVNAME=dm-0")
    try write("devices/dm-0/dm/name", "vg0-models")
    try write("devices/dm-0/dm/uuid", "LVM-abcdef")
    try write("devices/dm-0/slaves/sda1", "")
    try link("253:0", "dm-0")
    try write("devices/md0/dev", "9:0")
    try write("devices/md0/uevent", "DEVNAME=md0")
    try write("devices/md0/md/level", "raid1")
    try link("9:0", "md0")
    try write("devices/bcache0/dev", "252:0")
    try write("devices/bcache0/slaves/sdb/x", "")
    try link("252:0", "bcache0")
    return root
  }

  @Test func sysfsPartitionStartAndParentDisk() throws {
    let root = try Self.fakeSysfs()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let part = try BlockDeviceSysfs.locate(DeviceNumber(major: 8, minor: 1), sysfsRoot: root)
    #expect(part.isPartition)
    #expect(part.partitionStartSector == 2048)
    #expect(part.disk == DeviceNumber(major: 8, minor: 0))
    #expect(part.deviceName == "sda1" && part.diskName == "sda")
    #expect(part.scheduler == "none" && part.readAheadKilobytes == 128)
    #expect(part.stacking == nil && part.loopBackingFile == nil)

    let disk = try BlockDeviceSysfs.locate(DeviceNumber(major: 8, minor: 0), sysfsRoot: root)
    #expect(!disk.isPartition && disk.partitionStartSector == 0 && disk.disk == disk.device)

    #expect(throws: BlockDeviceSysfsError.self) { try BlockDeviceSysfs.locate(DeviceNumber(major: 8, minor: 2), sysfsRoot: root) }
  }

  @Test func stackedDevicesAreRefusedWithWhatStillWorks() throws {
    let root = try Self.fakeSysfs()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let lvm = try BlockDeviceSysfs.locate(DeviceNumber(major: 253, minor: 0), sysfsRoot: root)
    #expect(lvm.stacking == .deviceMapper(name: "vg0-models", uuid: "LVM-abcdef"))
    #expect(lvm.stacking?.kind == "LVM")
    let text = FileExtentsError(.stacked(lvm), path: "/models/m.gguf").description
    #expect(text.contains("/models/m.gguf: unmapped: stacked device (LVM)"))
    #expect(text.contains("LVM logical volume (dm-0 253:0, vg0-models)"))
    #expect(text.contains("block_bio_queue"))
    #expect(text.contains("dmsetup table"))

    let md = try BlockDeviceSysfs.locate(DeviceNumber(major: 9, minor: 0), sysfsRoot: root)
    #expect(md.stacking == .md(level: "raid1"))
    #expect(FileExtentsError(.stacked(md), path: "f").description.contains("md RAID device (md0 9:0, raid1)"))

    let other = try BlockDeviceSysfs.locate(DeviceNumber(major: 252, minor: 0), sysfsRoot: root)
    #expect(other.stacking == .other(slaves: ["sdb"]))
  }

  @Test func realSysfsOfTheRootFilesystem() throws {
    var info = stat()
    guard stat("/", &info) == 0, let device = DeviceNumber(userSpaceEncoded: UInt64(info.st_dev)), device.major != 0,
      FileManager.default.fileExists(atPath: "/sys/dev/block/\(device)")
    else { return }  // the root filesystem is not on a block device here (container overlay)
    let location = try BlockDeviceSysfs.locate(device)
    #expect(location.device == device)
    #expect(FileManager.default.fileExists(atPath: "/sys/dev/block/\(location.disk)/queue"))
    #expect(location.scheduler != nil)
  }

  // MARK: partitioned loop disk (root)

  static let loopTools = ["losetup", "addpart", "mkfs.ext4", "mount", "umount"].map { ($0, tool($0)) }
  static let loopGate: String? = {
    if let missing = loopTools.first(where: { $0.1 == nil }) { return "needs \(missing.0) (util-linux, e2fsprogs)" }
    if let filefragGate { return filefragGate }
    return PrivilegedTestGate.unavailable(needsRoot: true, paths: ["/dev/loop-control"])
  }()

  /// A loop disk with a partition at sector 6144 (made by BLKPG through addpart, which works
  /// even on kernels without partition-table parsers), ext4 with 1 KiB blocks on it, and a
  /// fragmented file: the sectors must be 6144 + the partition-relative offsets, the disk the loop
  /// device, and the bytes at those sectors of the backing image the file's bytes.
  @Test(.enabled(if: loopGate == nil || PrivilegedTestGate.required, Comment(rawValue: loopGate ?? "")))
  func partitionedLoopDisk() throws {
    guard Self.loopGate == nil, let filefragTool = Self.filefragTool else {
      Issue.record(Comment(rawValue: "required privileged test cannot run: \(Self.loopGate ?? "")"))
      return
    }
    let tools = Dictionary(uniqueKeysWithValues: Self.loopTools.map { ($0.0, $0.1!) })
    let directory = try Self.scratchDirectory(in: Self.testBase)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let image = directory + "/disk.img"
    let mountPoint = directory + "/mnt"
    try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
    let partitionStart: UInt64 = 6144
    let partitionSectors: UInt64 = 40 * 2048
    guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, off_t((partitionStart + partitionSectors) * 512)) == 0
    else { throw TestFailure("create \(image): errno \(errno)") }

    let attach = try Self.run(tools["losetup"]!, ["--find", "--show", "--partscan", image])
    guard attach.status == 0 else { throw TestFailure("losetup: \(attach.stderr)") }
    let loop = attach.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    defer { _ = try? Self.run(tools["losetup"]!, ["-d", loop]) }

    let add = try Self.run(tools["addpart"]!, [loop, "1", "\(partitionStart)", "\(partitionSectors)"])
    guard add.status == 0 else { throw TestFailure("addpart \(loop): \(add.stderr)") }
    let partition = loop + "p1"
    var waited = 0
    while !FileManager.default.fileExists(atPath: partition), waited < 40 {
      usleep(50_000)
      waited += 1
    }
    guard FileManager.default.fileExists(atPath: partition) else { throw TestFailure("\(partition) did not appear") }

    let mkfs = try Self.run(tools["mkfs.ext4"]!, ["-q", "-F", "-b", "1024", "-E", "nodiscard", partition])
    guard mkfs.status == 0 else { throw TestFailure("mkfs.ext4: \(mkfs.stderr)") }
    let mount = try Self.run(tools["mount"]!, [partition, mountPoint])
    guard mount.status == 0 else { throw TestFailure("mount: \(mount.stderr)") }
    defer {
      if (try? Self.run(tools["umount"]!, [mountPoint]))?.status != 0 { _ = try? Self.run(tools["umount"]!, ["-l", mountPoint]) }
    }

    let (a, listing) = try Self.makeFragmentedFile(in: mountPoint, chunks: 24, chunkSize: 64 << 10, filefragTool: filefragTool)
    let (map, details) = try FileExtents.resolve(path: a)
    print("FIEMAP \(a) on \(partition): \(details.deviceExtents.count) extents; filefrag: \(listing.extents.count) lines")

    var loopInfo = stat()
    #expect(stat(loop, &loopInfo) == 0)
    let loopDevice = DeviceNumber(userSpaceEncoded: UInt64(loopInfo.st_rdev))
    #expect(details.isPartition)
    #expect(details.partitionStartSector == partitionStart)
    #expect(details.disk == loopDevice)
    #expect(details.diskName == (loop as NSString).lastPathComponent)
    #expect(details.fileDeviceName == (partition as NSString).lastPathComponent)
    #expect(details.loopBackingFile == image)
    #expect(details.blockSize == 1024)
    #expect(details.notes.contains { $0.contains("loop device") })
    #expect(details.deviceExtents == listing.extents)
    #expect(map == (try listing.extentMap(partitionStartSector: partitionStart, device: loopDevice)).withPath(a))
    #expect(map.extents.count > 1, "the file on the loop disk has one extent")

    // The truth: the backing image holds the file's bytes at the whole-disk sectors.
    let content = try Data(contentsOf: URL(fileURLWithPath: a))
    let disk = try FileHandle(forReadingFrom: URL(fileURLWithPath: image))
    defer { try? disk.close() }
    for extent in map.extents {
      try disk.seek(toOffset: extent.sector * 512)
      let length = Int(min(extent.length, UInt64(content.count) - extent.logicalOffset))
      let onDisk = try disk.read(upToCount: length) ?? Data()
      let inFile = content.subdata(in: Int(extent.logicalOffset)..<(Int(extent.logicalOffset) + length))
      #expect(onDisk == inFile, "extent at file offset \(extent.logicalOffset), sector \(extent.sector)")
    }
  }
}

extension FileExtentMap {
  /// The same map with `path` set (filefrag prints the path it was given).
  fileprivate func withPath(_ path: String) -> FileExtentMap {
    var copy = self
    copy.path = path
    return copy
  }
}
