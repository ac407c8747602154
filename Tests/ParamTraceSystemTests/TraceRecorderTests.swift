import CParamTraceShims
import Foundation
import ParamTraceCore
import Testing

@testable import ParamTraceSystem

/// The tracefs recorder for real: root and tracefs needed (skipped with the reason otherwise,
/// failed instead under PARAMTRACE_REQUIRE_PRIVILEGED_TESTS=1). Every test holds the machine
/// test lock, reads a file it wrote on /var/tmp with O_DIRECT while recording, and checks that
/// nothing is left in tracefs afterwards, failed or not.
@Suite(.serialized) struct TraceRecorderTests {
  static let tracefs = "/sys/kernel/tracing"
  static let gate: String? = PrivilegedTestGate.unavailable(needsRoot: true, paths: [tracefs + "/instances"])
  static let scratchBase = ProcessInfo.processInfo.environment["PARAMTRACE_TRACE_TEST_DIR"] ?? "/var/tmp"

  struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  // MARK: helpers

  /// False (after recording an issue when the tests are required) when the gate is closed.
  static func canRun() -> Bool {
    guard let gate else { return true }
    if PrivilegedTestGate.required { Issue.record(Comment(rawValue: "required test cannot run: \(gate)")) } else { print("skipped: \(gate)") }
    return false
  }

  /// A fresh directory under /var/tmp (a disk filesystem here, unlike /tmp on many machines).
  static func scratchDirectory() throws -> String {
    let path = "\(scratchBase)/paramtrace-trace-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Writes `size` bytes of varied data and syncs them, so later reads go to the disk.
  static func makeDataFile(_ path: String, size: Int) throws {
    var rng = SplitMix64(seed: 42)
    var bytes = [UInt8](repeating: 0, count: size)
    for index in stride(from: 0, to: size, by: 8) {
      let value = rng.next()
      for offset in 0..<min(8, size - index) { bytes[index + offset] = UInt8(truncatingIfNeeded: value >> (8 * offset)) }
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw TestFailure("create \(path): errno \(errno)") }
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == size, fsync(fd) == 0 else { throw TestFailure("write \(path): errno \(errno)") }
  }

  /// Reads `path` with O_DIRECT in `chunk`-byte preads, `count` of them from offset 0 (wrapping).
  static func directReads(_ path: String, chunk: Int, count: Int) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC | paramtrace_o_direct())
    guard fd >= 0 else { throw TestFailure("open O_DIRECT \(path): errno \(errno)") }
    defer { close(fd) }
    let size = Int(lseek(fd, 0, SEEK_END))
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 4096)
    defer { buffer.deallocate() }
    for index in 0..<count {
      let offset = (index * chunk) % size
      guard pread(fd, buffer, chunk, off_t(offset)) == chunk else { throw TestFailure("pread \(path) @\(offset): errno \(errno)") }
    }
  }

  /// The calling thread's id: the pid ftrace shows for its I/O.
  static var threadID: Int32 { paramtrace_gettid() }

  /// Decodes a recording through the same path `analyze` uses (format detection included).
  static func decode(_ paths: [String]) throws -> (events: [BlockEvent], markers: [TraceMarker], lost: Int, malformed: Int) {
    var source = try TraceInputs.open(paths: paths, format: nil, strict: false)
    var events: [BlockEvent] = []
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { events.append(contentsOf: batch) }
    return (events, source.markers, source.diagnostics.lostEvents, source.diagnostics.malformed)
  }

  /// Whether `event` lies within the file's sectors.
  static func inside(_ event: BlockEvent, _ map: FileExtentMap) -> Bool {
    map.sectorRanges.contains { event.sector >= $0.start && event.endSector <= $0.end }
  }

  static func read(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
  }

  /// What a recording must not leave behind: paramtrace instances, another tracer than nop, a
  /// disk's blk tracing on. Empty when clean.
  static func leftovers(diskName: String = "vda") -> [String] {
    var problems: [String] = []
    let instances = (try? FileManager.default.contentsOfDirectory(atPath: tracefs + "/instances")) ?? []
    for name in instances where name.hasPrefix("paramtrace") { problems.append("instance \(name) left") }
    let tracer = read(tracefs + "/current_tracer")
    if tracer != "nop" { problems.append("current_tracer is \(tracer)") }
    let enable = read("/sys/block/\(diskName)/trace/enable")
    if enable != "0" { problems.append("/sys/block/\(diskName)/trace/enable is \(enable)") }
    if read(tracefs + "/options/bin") != "0" { problems.append("options/bin left on") }
    return problems
  }

  /// Last resort after a failed test: removes this process's instances and the blk tracer.
  static func forceClean(diskName: String = "vda") {
    let instances = (try? FileManager.default.contentsOfDirectory(atPath: tracefs + "/instances")) ?? []
    for name in instances where name.hasPrefix("paramtrace-\(getpid())") {
      try? Tracefs.write("0", to: "\(tracefs)/instances/\(name)/tracing_on")
      try? Tracefs.write("0", to: "\(tracefs)/instances/\(name)/events/enable")
      rmdir("\(tracefs)/instances/\(name)")
    }
    if read(tracefs + "/current_tracer") == "blk" {
      try? Tracefs.write("0", to: "/sys/block/\(diskName)/trace/enable")
      try? Tracefs.write("nop", to: tracefs + "/current_tracer")
      try? Tracefs.write("0", to: tracefs + "/options/bin")
      try? Tracefs.write("1", to: tracefs + "/options/context-info")
    }
  }

  /// Runs `body` with a scratch directory, a data file of `size` bytes and its extents, under the
  /// machine lock; cleans up whatever happens.
  static func withDataFile<T>(size: Int, _ body: (_ directory: String, _ file: String, _ map: FileExtentMap, _ disk: DeviceNumber) throws -> T) throws -> T {
    try MachineTestLock.run {
      let directory = try scratchDirectory()
      defer {
        forceClean()
        try? FileManager.default.removeItem(atPath: directory)
      }
      let file = directory + "/data.bin"
      try makeDataFile(file, size: size)
      let (map, details) = try FileExtents.resolve(path: file)
      guard let disk = details.disk else { throw TestFailure("\(file): no disk found") }
      return try body(directory, file, map, disk)
    }
  }

  /// The sequence numbers of a blktrace file's records (notes left out), in file order.
  static func recordSequences(_ path: String) throws -> [UInt32] {
    let bytes = try readWholeFile(path)
    var sequences: [UInt32] = []
    var at = 0
    while bytes.count - at >= 48 {
      func word(_ offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + offset + $1]) << (8 * UInt32($1)) }
      }
      let pduLength = Int(bytes[at + 46]) | Int(bytes[at + 47]) << 8
      if word(28) & (0x0400 << 16) == 0 { sequences.append(word(4)) }
      at += 48 + pduLength
    }
    return sequences
  }

  /// Runs a tool to completion; its output through files, so nothing can block.
  static func runTool(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let errorFile = NSTemporaryDirectory() + "paramtrace-tool-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorFile) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? "")
  }

  // MARK: (1) tracepoints

  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func tracepointsRecordDirectReads() throws {
    guard Self.canRun() else { return }
    try Self.withDataFile(size: 4 << 20) { directory, file, map, disk in
      var configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")
      configuration.bufferKiBPerCPU = 4096
      configuration.drain = .text
      let recorder = try TraceRecorder(configuration)
      defer { recorder.teardown() }
      try recorder.start()
      #expect(recorder.instance?.hasPrefix("paramtrace-\(getpid())") == true)
      let tid = Self.threadID
      try Self.directReads(file, chunk: 64 << 10, count: 64)
      let result = try recorder.stop()

      #expect(result.format == .tracepoint)
      #expect(result.files == [directory + "/out/trace.tp.txt"])
      #expect(result.lostEvents == 0, "\(result.warnings)")
      #expect(result.bytesWritten > 0 && result.records > 0)
      #expect(result.perCPUStats.count == Tracefs.cpus(in: Self.tracefs).count)
      let head = try String(contentsOfFile: result.files[0], encoding: .utf8).prefix(16)
      #expect(head.hasPrefix("# tracer: nop\n"))

      let decoded = try Self.decode(result.files)
      #expect(decoded.malformed == 0)
      let ours = decoded.events.filter { Self.inside($0, map) && $0.flags.contains(.read) }
      let completes = ours.filter { $0.action == .complete }
      let issues = ours.filter { $0.action == .issue }
      let queues = ours.filter { $0.action == .queue }
      let requeues = ours.filter { $0.action == .requeue }
      let fileSectors = UInt64(4 << 20) / 512
      // 64 reads of 64 KiB: one request each on a contiguous file (more when a read spans extents).
      if map.extents.count == 1 {
        #expect(completes.count == 64)
      } else {
        #expect(completes.count >= 64)
      }
      #expect(completes.reduce(0) { $0 + UInt64($1.sectors) } == fileSectors)
      #expect(issues.count == completes.count + requeues.count)
      #expect(queues.reduce(0) { $0 + UInt64($1.sectors) } == fileSectors)
      #expect(queues.allSatisfy { $0.pid == tid }, "block_bio_queue runs in the reading thread")
      #expect(decoded.events.filter { !$0.action.isTaskEvent }.allSatisfy { $0.device == disk }, "filtered by dev")
      #expect(Self.leftovers(diskName: recorder.diskName).isEmpty, "\(Self.leftovers(diskName: recorder.diskName))")
    }
  }

  // MARK: (2) lost events

  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func tinyBufferReportsLostEvents() throws {
    guard Self.canRun() else { return }
    for (actions, drain) in [(TraceActions.tracepoints, TraceDrainKind.text), (.tracepoints, .raw), (.full, .text)] {
      try Self.withDataFile(size: 4 << 20) { directory, file, _, disk in
        var configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")
        configuration.actions = actions
        configuration.drain = drain
        configuration.bufferKiBPerCPU = 4
        let recorder = try TraceRecorder(configuration)
        defer { recorder.teardown() }
        try recorder.start()
        recorder.setDrainPausedForTesting(true)
        try Self.directReads(file, chunk: 4096, count: 3000)  // 4–7 events each: far more than 2 × 8 KiB of ring
        recorder.setDrainPausedForTesting(false)
        let result = try recorder.stop()
        print(
          "\(actions) lost: \(result.lostEvents) (stats \(result.lostEventsInStats), LOST notices \(result.lostEventsInStream)), \(result.records) kept; stats \(result.perCPUStats)"
        )
        #expect(result.lostEvents > 0)
        #expect(result.lostEventsInStats > 0)
        #expect(result.warnings.contains { $0.contains("lost \(result.lostEvents) trace events") })
        let decoded = try Self.decode(actions == .full ? [directory + "/out/trace"] : result.files)
        if actions == .tracepoints, drain == .raw {
          // Raw pages carry the kernel's missed-events flag and count: the decoder finds them.
          #expect(decoded.lost > 0, "lost events marked in the raw pages")
        } else if actions == .tracepoints {
          #expect(decoded.lost == result.lostEventsInStream)
        } else {
          // The LOST notices advanced the per-CPU sequences (as relay blktrace's drops would):
          // the gaps add up to the events lost.
          var gaps = 0
          for path in result.files {
            let sequences = try Self.recordSequences(path)
            gaps += Int(sequences.last ?? 0) - sequences.count
          }
          #expect(gaps == result.lostEventsInStream)
        }
        #expect(Self.leftovers(diskName: recorder.diskName).isEmpty, "\(Self.leftovers(diskName: recorder.diskName))")
      }
    }
  }

  // MARK: (3) the full blk tracer

  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func fullRecordsPerCPUBlktraceFiles() throws {
    guard Self.canRun() else { return }
    try Self.withDataFile(size: 2 << 20) { directory, file, map, disk in
      let clockBefore = Self.read(Self.tracefs + "/trace_clock")
      let tracingOnBefore = Self.read(Self.tracefs + "/tracing_on")
      var configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")
      configuration.actions = .full
      configuration.bufferKiBPerCPU = 4096
      let recorder = try TraceRecorder(configuration)
      defer { recorder.teardown() }
      try recorder.start()
      #expect(Self.read(Self.tracefs + "/current_tracer") == "blk")
      let tid = Self.threadID
      try Self.directReads(file, chunk: 64 << 10, count: 16)
      try recorder.mark("after the first pass")
      try Self.directReads(file, chunk: 64 << 10, count: 16)
      let result = try recorder.stop()

      #expect(result.format == .blktrace)
      #expect(result.instance == TraceRecorder.topLevelInstanceName)
      let cpus = Tracefs.cpus(in: Self.tracefs).count
      #expect(result.files == (0..<cpus).map { "\(directory)/out/trace.blktrace.\($0)" })
      #expect(result.lostEvents == 0, "\(result.warnings)")
      #expect(result.skippedBytes == 0)

      // Each per-CPU file on its own: blktrace records with sequences 1, 2, ... per CPU.
      var perFileEvents = 0
      for path in result.files {
        let bytes = try readWholeFile(path)
        guard !bytes.isEmpty else { continue }
        var decoder = BlktraceBinaryDecoder(options: DecoderOptions(sourceName: path, strict: true))
        var events = ContiguousArray<BlockEvent>()
        let used = try bytes.withUnsafeBytes { try decoder.decode($0, atEnd: true, into: &events) }
        #expect(used == bytes.count)
        perFileEvents += events.count
        let cpu = UInt16(path.split(separator: ".").last!)!
        #expect(events.allSatisfy { $0.cpu == cpu })
        let sequences = try Self.recordSequences(path)
        #expect(sequences == Array(1...UInt32(sequences.count)), "sequences renumbered 1, 2, ... per CPU")
      }
      #expect(perFileEvents == result.records)

      // All of them as `analyze` reads them: NAME → NAME.blktrace.N, merged by time.
      let decoded = try Self.decode([directory + "/out/trace"])
      let ours = decoded.events.filter { Self.inside($0, map) && $0.flags.contains(.read) }
      let fileSectors = UInt64(2 << 20) / 512
      let queues = ours.filter { $0.action == .queue }
      let completes = ours.filter { $0.action == .complete }
      let issues = ours.filter { $0.action == .issue }
      // Two passes over the first half of the file.
      #expect(queues.reduce(0) { $0 + UInt64($1.sectors) } == fileSectors)
      #expect(completes.reduce(0) { $0 + UInt64($1.sectors) } == fileSectors)
      #expect(issues.count >= completes.count)
      if map.extents.count == 1 { #expect(completes.count == 32) }
      #expect(queues.allSatisfy { $0.pid == tid })
      let comm = Self.read("/proc/self/task/\(tid)/comm")
      #expect(queues.allSatisfy { $0.comm.description == comm }, "PROCESS notes name the reader \(comm)")
      #expect(decoded.markers.map(\.text) == ["after the first pass"])
      if let marker = decoded.markers.first {
        let before = ours.filter { $0.time < marker.time && $0.action == .complete }.count
        #expect(before == completes.count / 2, "the marker sits between the two passes")
      }

      // blkparse (when installed) reads the files as blktrace's own: names, no sequence skips.
      if let blkparse = ["/usr/bin/blkparse", "/usr/sbin/blkparse"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
        let output = try Self.runTool(blkparse, ["-i", "trace", "-D", directory + "/out", "-o", directory + "/parsed.txt"])
        #expect(output.status == 0, "blkparse: \(output.stderr)")
        let parsed = try String(contentsOfFile: directory + "/parsed.txt", encoding: .utf8)
        let queueLines = parsed.split(separator: "\n").filter { $0.contains("  Q ") && $0.hasSuffix("[\(comm)]") }
        #expect(queueLines.count >= 32, "blkparse shows the reads as Q lines of [\(comm)]")
        #expect(parsed.contains("Skips: 0 forward"), "no sequence gaps")
        #expect(parsed.contains("m   N after the first pass"), "the marker as a message")
      }

      #expect(Self.leftovers(diskName: recorder.diskName).isEmpty, "\(Self.leftovers(diskName: recorder.diskName))")
      #expect(Self.read(Self.tracefs + "/trace_clock") == clockBefore)
      #expect(Self.read(Self.tracefs + "/tracing_on") == tracingOnBefore)
      #expect(Self.read(Self.tracefs + "/options/context-info") == "1")
    }
  }

  // MARK: (4) teardown

  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func teardownLeavesNothing() throws {
    guard Self.canRun() else { return }
    try Self.withDataFile(size: 1 << 20) { directory, file, _, disk in
      let configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")

      // After stop().
      let stopped = try TraceRecorder(configuration)
      try stopped.start()
      try Self.directReads(file, chunk: 64 << 10, count: 4)
      _ = try stopped.stop()
      #expect(Self.leftovers().isEmpty, "after stop: \(Self.leftovers())")
      #expect(throws: TraceRecorderError.self) { _ = try stopped.stop() }
      stopped.teardown()

      // After an error in the middle of start() (the kernel refuses the buffer size).
      for actions in [TraceActions.tracepoints, .full] {
        var huge = configuration
        huge.actions = actions
        huge.bufferKiBPerCPU = 1 << 40
        let clock = Self.read(Self.tracefs + "/trace_clock")
        let failing = try TraceRecorder(huge)
        #expect(throws: TraceRecorderError.self) { try failing.start() }
        #expect(Self.leftovers().isEmpty, "after a failed start (\(actions)): \(Self.leftovers())")
        #expect(Self.read(Self.tracefs + "/trace_clock") == clock)
        failing.teardown()
      }

      // teardown() twice while running, then stop() refuses; deinit after that is harmless.
      for actions in [TraceActions.tracepoints, .full] {
        var twice = configuration
        twice.actions = actions
        let recorder = try TraceRecorder(twice)
        try recorder.start()
        try Self.directReads(file, chunk: 64 << 10, count: 4)
        recorder.teardown()
        recorder.teardown()
        #expect(Self.leftovers().isEmpty, "after teardown twice (\(actions)): \(Self.leftovers())")
        #expect(throws: TraceRecorderError.self) { _ = try recorder.stop() }
      }

      // Dropped without stop(): deinit tears down.
      do {
        let dropped = try TraceRecorder(configuration)
        try dropped.start()
      }
      #expect(Self.leftovers().isEmpty, "after deinit: \(Self.leftovers())")
    }
  }

  /// A full disk while draining (/dev/full answers ENOSPC): the recorder reports the failure
  /// while running, stop() throws it with the fix, and nothing is left.
  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func fullDiskWhileDrainingIsReported() throws {
    guard Self.canRun() else { return }
    try Self.withDataFile(size: 1 << 20) { directory, file, _, disk in
      let configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")
      let recorder = try TraceRecorder(configuration)
      defer { recorder.teardown() }
      recorder.overrideTextOutputForTesting("/dev/full")
      try recorder.start()
      try Self.directReads(file, chunk: 64 << 10, count: 16)
      // The text sink writes what waited a second; /dev/full refuses it.
      let deadline = Date().addingTimeInterval(5)
      while recorder.failure == nil, Date() < deadline { usleep(50_000) }
      #expect(recorder.failure?.reason == .output(operation: "write", errno: .noSpace, bytesKept: 0))
      let error = #expect(throws: TraceRecorderError.self) { _ = try recorder.stop() }
      #expect(error?.description.contains("Free disk space") == true, "\(String(describing: error))")
      #expect(Self.leftovers().isEmpty, "\(Self.leftovers())")
    }
  }

  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func crashedRecordingsAreCleanedUp() throws {
    guard Self.canRun() else { return }
    try Self.withDataFile(size: 64 << 10) { directory, _, _, disk in
      // A pid that no longer runs.
      let child = Process()
      child.executableURL = URL(fileURLWithPath: "/bin/true")
      try child.run()
      child.waitUntilExit()
      let dead = child.processIdentifier

      // A killed `.tracepoints` recorder: its instance, still tracing.
      let stale = "\(Self.tracefs)/instances/paramtrace-\(dead)"
      #expect(mkdir(stale, 0o755) == 0)
      defer { rmdir(stale) }
      // A killed `.full` recorder: blk tracer on and its saved settings in the lock file.
      let lockPath = BlkTracerLock.path
      let clock = Self.read(Self.tracefs + "/trace_clock")
      let saved = [
        "pid=\(dead)", "disk=vda", "current_tracer=nop", "tracing_on=\(Self.read(Self.tracefs + "/tracing_on"))",
        "trace_clock=\(Tracefs.selected(clock))", "options/bin=0", "options/context-info=1", "options/blk_classic=0",
        "buffer_size_kb=\(Tracefs.bufferSizeToRestore(Self.read(Self.tracefs + "/buffer_size_kb")))",
      ]
      try (saved.joined(separator: "\n") + "\n").write(toFile: lockPath, atomically: false, encoding: .utf8)
      try Tracefs.write("1", to: Self.tracefs + "/options/bin")
      try Tracefs.write("blk", to: Self.tracefs + "/current_tracer")
      try Tracefs.write("1", to: "/sys/block/vda/trace/enable")

      let configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")
      let recorder = try TraceRecorder(configuration)
      #expect(!FileManager.default.fileExists(atPath: stale), "stale instance removed")
      #expect(Self.leftovers().isEmpty, "\(Self.leftovers())")
      #expect(Self.read(Self.tracefs + "/trace_clock") == clock)
      #expect(Self.read(lockPath) == "", "lock file emptied")
      recorder.teardown()
    }
  }

  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func preflightRefusals() throws {
    guard Self.canRun() else { return }
    try Self.withDataFile(size: 64 << 10) { directory, _, _, disk in
      // Output on tmpfs.
      if let tmpfs = ["/dev/shm", "/run"].first(where: { Self.filesystemMagic($0) == 0x0102_1994 }) {
        let configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: tmpfs)
        let error = #expect(throws: TraceRecorderError.self) { _ = try TraceRecorder(configuration) }
        #expect(error?.reason == .outputOnMemoryFilesystem("tmpfs"))
        #expect(error?.description.contains("disk filesystem") == true)
      }
      // A partition or unknown device instead of the whole disk.
      let bogus = TraceRecorderConfiguration(disk: DeviceNumber(major: 4095, minor: 7), outputDirectory: directory)
      #expect(throws: TraceRecorderError.self) { _ = try TraceRecorder(bogus) }

      // The blk tracer is taken: a second `.full` recorder is refused while one holds the lock.
      var full = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")
      full.actions = .full
      let first = try TraceRecorder(full)
      defer { first.teardown() }
      let second = #expect(throws: TraceRecorderError.self) { _ = try TraceRecorder(full) }
      if case .blkTracerLocked(let holder)? = second?.reason {
        #expect(holder == getpid())
      } else {
        Issue.record("expected blkTracerLocked, got \(String(describing: second))")
      }
      first.teardown()
      // Another user of the top-level tracer (not paramtrace: the lock is free): refused with its name.
      try Tracefs.write("blk", to: Self.tracefs + "/current_tracer")
      defer { try? Tracefs.write("nop", to: Self.tracefs + "/current_tracer") }
      let busy = #expect(throws: TraceRecorderError.self) { _ = try TraceRecorder(full) }
      #expect(busy?.reason == .tracerBusy(current: "blk"))
      #expect(busy?.description.contains("another tracer (blk) is active") == true)
      try Tracefs.write("nop", to: Self.tracefs + "/current_tracer")
      #expect(Self.leftovers().isEmpty, "\(Self.leftovers())")
    }
  }

  static func filesystemMagic(_ path: String) -> UInt64? {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var magic: UInt64 = 0
    return paramtrace_fstatfs_type(fd, &magic) == 0 ? magic & 0xFFFF_FFFF : nil
  }

  // MARK: overhead (opt-in: PARAMTRACE_TRACE_BENCH=1)

  /// Heavy small-read load from `dd` processes (4 KiB O_DIRECT, 2 per CPU) for a few seconds with
  /// the default buffer (or PARAMTRACE_TRACE_BENCH_BUFFER_KIB): prints events/s, bytes, losses
  /// and the recorder's CPU time.
  @Test(
    .enabled(
      if: ProcessInfo.processInfo.environment["PARAMTRACE_TRACE_BENCH"] == "1" && gate == nil,
      "opt-in measurement: PARAMTRACE_TRACE_BENCH=1 (root)"))
  func drainKeepsUpWithHeavyLoad() throws {
    for actions in [TraceActions.tracepoints, .full] {
      try Self.withDataFile(size: 256 << 20) { directory, file, _, disk in
        var configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")
        configuration.actions = actions
        if let kib = ProcessInfo.processInfo.environment["PARAMTRACE_TRACE_BENCH_BUFFER_KIB"].flatMap({ Int($0) }) {
          configuration.bufferKiBPerCPU = kib
        }
        let recorder = try TraceRecorder(configuration)
        defer { recorder.teardown() }
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        let start = Date()
        try recorder.start()
        var processes: [Process] = []
        for _ in 0..<(2 * ProcessInfo.processInfo.activeProcessorCount) {
          let dd = Process()
          dd.executableURL = URL(fileURLWithPath: "/usr/bin/dd")
          dd.arguments = ["if=\(file)", "of=/dev/null", "bs=4k", "iflag=direct", "count=40000"]
          dd.standardError = FileHandle.nullDevice
          try dd.run()
          processes.append(dd)
        }
        for dd in processes { dd.waitUntilExit() }
        let result = try recorder.stop()
        let seconds = Date().timeIntervalSince(start)
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        func cpu(_ u: rusage) -> Double {
          Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        }
        func user(_ u: rusage) -> Double { Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 }
        print(
          "bench \(actions), \(configuration.bufferKiBPerCPU) KiB/CPU: \(result.records) records in \(String(format: "%.2f", seconds)) s = \(Int(Double(result.records) / seconds))/s, \(result.bytesWritten >> 20) MiB, lost \(result.lostEvents), recorder CPU \(String(format: "%.2f", cpu(after) - cpu(before))) s (user \(String(format: "%.2f", user(after) - user(before))) s)"
        )
        #expect(result.lostEvents == 0)
      }
    }
  }

  // MARK: (5) markers

  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func markersAppearInTheTrace() throws {
    guard Self.canRun() else { return }
    try Self.withDataFile(size: 1 << 20) { directory, file, map, disk in
      let configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/out")
      let recorder = try TraceRecorder(configuration)
      defer { recorder.teardown() }
      #expect(throws: TraceRecorderError.self) { try recorder.mark("too early") }
      try recorder.start()
      try recorder.mark("load done")
      try Self.directReads(file, chunk: 64 << 10, count: 16)
      try recorder.mark("token 1\nend")
      let result = try recorder.stop()
      let decoded = try Self.decode(result.files)
      #expect(decoded.markers.map(\.text) == ["load done", "token 1 end"])
      let completes = decoded.events.filter { Self.inside($0, map) && $0.action == .complete }
      #expect(!completes.isEmpty)
      if decoded.markers.count == 2 {
        #expect(completes.allSatisfy { $0.time > decoded.markers[0].time && $0.time < decoded.markers[1].time })
      }
      #expect(Self.leftovers().isEmpty, "\(Self.leftovers())")
    }
  }
}

/// The raw drain (docs/metrics.md lesson 11) against the text drain, on the same events: two
/// recorders at once, one draining `trace_pipe` as text, one each CPU's `trace_pipe_raw`.
extension TraceRecorderTests {
  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func rawAndTextDrainsGiveTheSameEventsAndFigures() throws {
    guard Self.canRun() else { return }
    try Self.withDataFile(size: 8 << 20) { directory, file, map, disk in
      var textConfiguration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/text")
      textConfiguration.drain = .text
      var rawConfiguration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/raw")
      rawConfiguration.drain = .raw
      let text = try TraceRecorder(textConfiguration)
      defer { text.teardown() }
      let raw = try TraceRecorder(rawConfiguration)
      defer { raw.teardown() }
      try text.start()
      try raw.start()
      try text.mark("both ways")
      try raw.mark("both ways")
      try Self.directReads(file, chunk: 16 << 10, count: 512)
      // A child process too, so task events are compared as well.
      _ = try Self.runTool("/bin/sh", ["-c", "dd if=\(file) of=/dev/null bs=64k iflag=direct 2>/dev/null"])
      let rawResult = try raw.stop()
      let textResult = try text.stop()
      #expect(rawResult.format == .ftraceRaw)
      #expect(rawResult.files.allSatisfy { $0.contains("/trace.raw.cpu") })
      #expect(FileManager.default.fileExists(atPath: directory + "/raw/trace.raw.formats"))
      #expect(rawResult.lostEvents == 0 && textResult.lostEvents == 0)

      let fromText = try Self.decode(textResult.files)
      let fromRaw = try Self.decode([directory + "/raw/trace.raw"])
      #expect(fromRaw.malformed == 0 && fromText.malformed == 0)
      #expect(fromRaw.markers.map(\.text) == fromText.markers.map(\.text))
      // The same events. Each instance stamps its copy of an event when it commits it, so the
      // raw time of an event is a microsecond or two after the text one (which ftrace also
      // rounds to microseconds): compare every field but the time, and the times within 20 µs.
      func key(_ event: BlockEvent) -> String {
        "\(event.action) \(event.device) \(event.sector) \(event.sectors) \(event.pid) \(event.flags.rawValue) \(event.error) \(event.detail)"
      }
      // The two recorders started and stopped one after the other: compare the events both saw,
      // 100 µs away from either end.
      let from = max(fromText.events.first?.time ?? 0, fromRaw.events.first?.time ?? 0) + 100_000
      let to = min(fromText.events.last?.time ?? 0, fromRaw.events.last?.time ?? 0) - 100_000
      let textEvents = fromText.events.filter { $0.time >= from && $0.time < to }.sorted { $0.time < $1.time }
      let rawEvents = fromRaw.events.filter { $0.time >= from && $0.time < to }.sorted { $0.time < $1.time }
      #expect(rawEvents.count > 2000)
      #expect(textEvents.count == rawEvents.count)
      let onlyText = Set(textEvents.map(key)).subtracting(rawEvents.map(key)).sorted()
      let onlyRaw = Set(rawEvents.map(key)).subtracting(textEvents.map(key)).sorted()
      #expect(onlyText.isEmpty && onlyRaw.isEmpty, "only in text: \(onlyText.prefix(5)); only in raw: \(onlyRaw.prefix(5))")
      #expect(textEvents.map(key).sorted() == rawEvents.map(key).sorted())
      // Each event against its copy (same fields; equal fields in time order).
      let textTimes = Dictionary(grouping: textEvents, by: key).mapValues { $0.map(\.time).sorted() }
      let rawTimes = Dictionary(grouping: rawEvents, by: key).mapValues { $0.map(\.time).sorted() }
      var differences: [Int64] = []
      for (name, times) in textTimes {
        for (t, r) in zip(times, rawTimes[name] ?? []) { differences.append(Int64(r) - Int64(t)) }
      }
      differences.sort()
      let median = differences.isEmpty ? 0 : differences[differences.count / 2]
      print("raw vs text drain: \(rawEvents.count) events alike; raw time - text time: median \(median) ns, range \(differences.first ?? 0)…\(differences.last ?? 0) ns")
      #expect(abs(median) < 5_000 && (differences.last ?? 0) < 200_000 && (differences.first ?? 0) > -200_000)
      #expect(fromRaw.events.contains { $0.action == .taskFork })

      // And the same figures.
      func figures(_ paths: [String]) throws -> AccessFigures {
        var options = AnalysisOptions()
        options.filter.extents = map
        var source = try TraceInputs.open(paths: paths, format: nil, strict: false)
        var run = TraceAnalysisRun(options: options)
        var batch = ContiguousArray<BlockEvent>()
        while try source.nextBatch(into: &batch) { run.consume(batch) }
        return run.finish(diagnostics: source.diagnostics).figures
      }
      let a = try figures(textResult.files)
      let b = try figures([directory + "/raw/trace.raw"])
      // Over the whole recordings the figures of the file agree (nothing read it outside both).
      #expect(a.operations == b.operations && a.operations >= 512 + 128)
      #expect(a.bytes == b.bytes && a.uniqueBytes == b.uniqueBytes)
      #expect(a.gaps == b.gaps && a.logicalGaps == b.logicalGaps)
      if let x = a.latency, let y = b.latency { #expect(abs(Int64(x.p50) - Int64(y.p50)) < 1000) }
      #expect(Self.leftovers(diskName: raw.diskName).isEmpty)
    }
  }
}
