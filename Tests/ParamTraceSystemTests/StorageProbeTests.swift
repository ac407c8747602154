import Foundation
import ParamTraceCore
import Testing

@testable import ParamTraceSystem

/// `paramtrace probe` on a real file of this machine's disk: every test reads, O_DIRECT keeps
/// the page cache out, a file on tmpfs (which accepts O_DIRECT since Linux 6.6) is refused.
/// Holds the machine lock: the reads would disturb the timing of tests that trace.
@Suite(.serialized) struct StorageProbeTests {
  /// A file of `bytes` pseudo-random bytes in a new directory on the temporary directory's
  /// filesystem (the VM's disk here), flushed so O_DIRECT reads find it on the disk.
  static func makeFile(bytes: Int, in directory: String? = nil) throws -> (directory: URL, path: String) {
    let base = directory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
    let scratch = base.appendingPathComponent("paramtrace-probe-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let path = scratch.appendingPathComponent("data.bin").path
    var random = SplitMix64(seed: 14)
    var data = Data(count: bytes)
    data.withUnsafeMutableBytes { raw in
      let words = raw.bindMemory(to: UInt64.self)
      for index in words.indices { words[index] = random.next() }
    }
    try data.write(to: URL(fileURLWithPath: path))
    let fd = open(path, O_RDONLY)
    if fd >= 0 {
      fsync(fd)
      close(fd)
    }
    return (scratch, path)
  }

  @Test func everyTestReadsTheFileAndThePageCacheKeepsNothing() throws {
    try MachineTestLock.run {
      let (directory, path) = try Self.makeFile(bytes: 64 << 20)
      defer { try? FileManager.default.removeItem(at: directory) }
      _ = try PageCache.evict(path: path)
      let plan = ProbePlan(sizes: [4_096, 1 << 20], depths: [1, 4], secondsPerTest: 0.2)
      let report = try StorageProbe.run(path: path, plan: plan)
      #expect(report.measurements.count == 8)
      #expect(report.skipped.isEmpty)
      #expect(report.sizeBytes == 64 << 20)
      for m in report.measurements {
        #expect(m.operations > 0, "\(m.test.description)")
        #expect(m.bytes == UInt64(m.operations) * m.test.requestBytes)
        // Each thread stops at the deadline, after the read it was in.
        #expect(m.elapsedNanoseconds >= 200_000_000 && m.elapsedNanoseconds < 5_000_000_000, "\(m.elapsedNanoseconds) ns")
        #expect(m.latency?.count == m.operations)
      }
      #expect(report.bandwidth?.source == .probe)
      #expect(report.device.contains("a file on "))
      // O_DIRECT: 64 MiB read many times over, and none of it came to stay in the page cache.
      #expect(try PageCache.residency(path: path).residentBytes == 0)
    }
  }

  @Test func requestsLargerThanTheFileAreSkippedWithTheReason() throws {
    let (directory, path) = try Self.makeFile(bytes: 64 << 10)
    defer { try? FileManager.default.removeItem(at: directory) }
    let report = try StorageProbe.run(path: path, plan: ProbePlan(sizes: [4_096, 1 << 20], depths: [1], secondsPerTest: 0.05))
    #expect(report.measurements.map(\.test.requestBytes) == [4_096, 4_096])
    #expect(report.skipped.count == 2)
    #expect(report.skipped[0].reason.contains("larger than"))
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/shm"), "needs /dev/shm (tmpfs)"))
  func aFileOnTmpfsIsRefusedBecauseThereIsNoDiskUnderIt() throws {
    let (directory, path) = try Self.makeFile(bytes: 64 << 10, in: "/dev/shm")
    defer { try? FileManager.default.removeItem(at: directory) }
    let error = #expect(throws: ProbeError.self) { try StorageProbe.run(path: path, plan: ProbePlan(secondsPerTest: 0.05)) }
    #expect(error?.description.contains("is on tmpfs: the file lives in memory") == true)
  }
}
