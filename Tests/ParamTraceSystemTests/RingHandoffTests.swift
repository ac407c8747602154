import CParamTraceShims
import Foundation
import ParamTraceCore
import Testing

@testable import ParamTraceSystem

/// Rings sized for the rate (issue 13 item 4): a raw recording that starts with rings too small
/// for the rate it sees is handed to a larger instance mid-run, and every event counts once —
/// no gap, no event from both instances. Root and tracefs, under the machine lock.
@Suite(.serialized) struct RingHandoffTests {
  static let gate = TraceRecorderTests.gate

  @Test func theSizeFollowsTheRateInWholeMiBUpToTheCap() {
    // 3 MiB/s on the fastest CPU: 2 s of it is 6 MiB.
    #expect(RingHandoff.kib(forBytesPerSecond: 3 * 1_048_576) == 6 << 10)
    #expect(RingHandoff.target(bytesPerSecondPerCPU: 3 * 1_048_576, currentKiB: 1 << 10, capKiB: 64 << 10) == 6 << 10)
    #expect(RingHandoff.target(bytesPerSecondPerCPU: 3 * 1_048_576, currentKiB: 1 << 10, capKiB: 4 << 10) == 4 << 10)
    // Enough already, or not worth a handoff (less than 1.25×), or at the cap.
    #expect(RingHandoff.target(bytesPerSecondPerCPU: 3 * 1_048_576, currentKiB: 16 << 10, capKiB: 64 << 10) == nil)
    #expect(RingHandoff.target(bytesPerSecondPerCPU: 3 * 1_048_576, currentKiB: 5 << 10, capKiB: 64 << 10) == nil)
    #expect(RingHandoff.target(bytesPerSecondPerCPU: 300 * 1_048_576, currentKiB: 64 << 10, capKiB: 64 << 10) == nil)
  }

  @Test func theRateIsLookedAtEarlyAndThenEveryFiveSecondsToTheEnd() {
    #expect((0..<8).map(RingHandoff.look) == [0.5, 1, 2, 5, 10, 15, 20, 25])
    #expect(RingHandoff.look(722) == 3600)
  }

  /// 4 KiB O_DIRECT reads one after the other (each its own request: the next is issued after
  /// the last completed) for 1.6 s from a 1 MiB-per-CPU start: the check at 0.5 s hands the
  /// recording to larger rings. Each of the file's requests is then queued, issued and completed
  /// exactly once in the two sets of files together, as many as the reads made.
  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func aHandoffMidRunCountsEveryEventOnce() throws {
    guard TraceRecorderTests.canRun() else { return }
    try Self.withSmallRings { directory, file, map, recorder in
      try recorder.mark("before the handoff")
      let reads = try Self.directReads(file, seconds: 1.6)
      try recorder.mark("after the handoff")
      let result = try recorder.stop()

      #expect(result.handoffs.count >= 1, "no handoff: \(result.warnings)")
      guard let handoff = result.handoffs.first else { return }
      print(
        "handoff at \(handoff.atSeconds) s: \(handoff.fromKiB) → \(handoff.toKiB) KiB per CPU for \(Int(handoff.bytesPerSecondPerCPU)) B/s, overlap \(handoff.overlapMilliseconds) ms, cuts \(handoff.cutByCPU); \(reads) reads"
      )
      #expect(handoff.atSeconds >= 0.5 && handoff.atSeconds < 1.5)
      #expect(handoff.fromKiB == 1024 && handoff.toKiB > 1024 && handoff.toKiB <= 8192)
      #expect(!handoff.cutByCPU.isEmpty && handoff.cutByCPU.values.allSatisfy { $0 == "task_rename" }, "\(handoff.cutByCPU)")
      #expect(result.lostEvents == 0 && result.warnings.isEmpty, "\(result.warnings)")
      #expect(result.files.contains { $0.hasSuffix("/trace.raw.cpu0") } && result.files.contains { $0.hasSuffix("/trace.raw.s1.cpu0") })
      let formats = try String(contentsOfFile: directory + "/raw/trace.raw.formats", encoding: .utf8)
      let newFormats = try String(contentsOfFile: directory + "/raw/trace.raw.s1.formats", encoding: .utf8)
      #expect(formats.contains("== window\ncpu 0 keep_before_ns ") && newFormats.contains("== window\ncpu 0 keep_after_ns "))

      // Every one of the file's requests once per action, in the two sets of files together.
      let decoded = try Self.expectEachReadOnce(directory: directory, map: map, reads: reads)
      #expect(decoded.markers.map(\.text) == ["before the handoff", "after the handoff"])
      // The handoff's own renames are the recorder's, not the file's.
      #expect(decoded.events.contains { $0.action == .taskRename && $0.comm.description == RingHandoff.syncName(segment: 1) })

      // The analysis agrees: as many requests as reads, each 4 KiB.
      var options = AnalysisOptions()
      options.filter.extents = map
      var source = try TraceInputs.open(paths: result.files, format: nil, strict: true)
      var run = TraceAnalysisRun(options: options)
      var batch = ContiguousArray<BlockEvent>()
      while try source.nextBatch(into: &batch) { run.consume(batch) }
      let figures = run.finish(diagnostics: source.diagnostics).figures
      #expect(figures.operations == reads && figures.bytes == UInt64(reads) * 4096)
      // The status line's tally follows the new files (the overlap's few events may count twice there).
      let tally = try #require(ModelReadTally(stem: directory + "/raw/trace.raw", cpus: Tracefs.cpus(in: TraceRecorderTests.tracefs), extents: map))
      let counted = tally.update()
      #expect(counted.requests >= UInt64(reads) && counted.requests <= UInt64(reads) + 64, "\(counted.requests) of \(reads)")
      #expect(TraceRecorderTests.leftovers(diskName: recorder.diskName).isEmpty)
    }
  }

  /// A rate that rises after the first looks (as llama.cpp's decode after a long load): 5.3 s
  /// without reads of the file, then the same reads as above for 5 s. The rings are handed off
  /// at the 10 s look, and every event still counts once.
  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func aRateThatRisesLateIsStillGivenItsRings() throws {
    guard TraceRecorderTests.canRun() else { return }
    try Self.withSmallRings { directory, file, map, recorder in
      usleep(5_300_000)
      let reads = try Self.directReads(file, seconds: 5.0)
      let result = try recorder.stop()
      print("late handoff: \(result.handoffs.map { "at \($0.atSeconds) s, \($0.fromKiB) → \($0.toKiB) KiB for \(Int($0.bytesPerSecondPerCPU)) B/s, cuts \($0.cutByCPU)" }); \(reads) reads")
      #expect(result.handoffs.count == 1, "\(result.handoffs.map(\.atSeconds)) \(result.warnings)")
      guard let handoff = result.handoffs.first else { return }
      #expect(handoff.atSeconds >= 9.9 && handoff.atSeconds < 11, "\(handoff.atSeconds)")
      #expect(handoff.fromKiB == 1024 && handoff.toKiB > 1024 && handoff.cutByCPU.values.allSatisfy { $0 == "task_rename" })
      #expect(result.lostEvents == 0 && result.warnings.isEmpty, "\(result.warnings)")
      _ = try Self.expectEachReadOnce(directory: directory, map: map, reads: reads)
      #expect(TraceRecorderTests.leftovers(diskName: recorder.diskName).isEmpty)
    }
  }

  /// An explicit ring size is kept: no handoff without `handoffCapKiB`.
  @Test(.enabled(if: gate == nil || PrivilegedTestGate.required, Comment(rawValue: gate ?? "")))
  func noHandoffWithoutACap() throws {
    guard TraceRecorderTests.canRun() else { return }
    try TraceRecorderTests.withDataFile(size: 8 << 20) { directory, file, _, disk in
      var configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/raw")
      configuration.bufferKiBPerCPU = 1024
      let recorder = try TraceRecorder(configuration)
      defer { recorder.teardown() }
      try recorder.start()
      _ = try Self.directReads(file, seconds: 0.8)
      let result = try recorder.stop()
      #expect(result.handoffs.isEmpty)
      #expect(!FileManager.default.fileExists(atPath: directory + "/raw/trace.raw.s1.formats"))
      #expect(TraceRecorderTests.leftovers(diskName: recorder.diskName).isEmpty)
    }
  }

  /// A raw recording of a 32 MiB file's disk that starts with 1 MiB rings per CPU and may be
  /// handed off up to 8 MiB: `body` gets the directory, the file, its extents and the running
  /// recorder (torn down after).
  static func withSmallRings(_ body: (String, String, FileExtentMap, TraceRecorder) throws -> Void) throws {
    try TraceRecorderTests.withDataFile(size: 32 << 20) { directory, file, map, disk in
      var configuration = TraceRecorderConfiguration(disk: disk, outputDirectory: directory + "/raw")
      configuration.bufferKiBPerCPU = 1024
      configuration.handoffCapKiB = 8192
      let recorder = try TraceRecorder(configuration)
      defer { recorder.teardown() }
      try recorder.start()
      try body(directory, file, map, recorder)
    }
  }

  /// Every one of the file's `reads` requests once per action in all the recording's sets of
  /// files (the stem opens them all), nothing lost. A request the driver hands back (a
  /// requeue: the recorder's own file writes can fill the virtqueue, 1 run in 4 here) is issued
  /// once more: that issue is the kernel's, not a duplicate. Returns the decoded recording.
  static func expectEachReadOnce(
    directory: String, map: FileExtentMap, reads: Int, sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (events: [BlockEvent], markers: [TraceMarker], lost: Int, malformed: Int) {
    let decoded = try TraceRecorderTests.decode([directory + "/raw/trace.raw"])
    let inFile = decoded.events.filter { TraceRecorderTests.inside($0, map) && $0.flags.contains(.read) }
    let requeued = inFile.filter { $0.action == .requeue }.count
    print("handoff test: \(requeued) of the file's requests requeued by the driver")
    #expect(requeued < 64, "\(requeued) requeues", sourceLocation: sourceLocation)
    for action in [BlockAction.queue, .issue, .complete] {
      let expected = action == .issue ? reads + requeued : reads
      #expect(inFile.filter { $0.action == action }.count == expected, "\(action), \(requeued) requeued", sourceLocation: sourceLocation)
    }
    #expect(decoded.lost == 0 && decoded.malformed == 0, sourceLocation: sourceLocation)
    return decoded
  }

  /// 4 KiB O_DIRECT preads through `path`, wrapping, for `seconds`; returns how many.
  static func directReads(_ path: String, seconds: Double) throws -> Int {
    let fd = open(path, O_RDONLY | O_CLOEXEC | paramtrace_o_direct())
    guard fd >= 0 else { throw TraceRecorderTests.TestFailure("open O_DIRECT \(path): errno \(errno)") }
    defer { close(fd) }
    let size = Int(lseek(fd, 0, SEEK_END))
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
    defer { buffer.deallocate() }
    let end = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
    var count = 0
    while MonotonicClock.nanoseconds() < end {
      let offset = (count * 4096) % size
      guard pread(fd, buffer, 4096, off_t(offset)) == 4096 else { throw TraceRecorderTests.TestFailure("pread @\(offset): errno \(errno)") }
      count += 1
    }
    return count
  }
}
