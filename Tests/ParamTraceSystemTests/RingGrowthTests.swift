import Foundation
import Testing

@testable import ParamTraceSystem

/// The growth rule on a plain file standing in for `buffer_size_kb` (no tracefs needed).
struct RingGrowthTests {
  @Test func growsAtTheFirstCheckpointForTheFastestCPU() throws {
    let path = NSTemporaryDirectory() + "ring-growth-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    FileManager.default.createFile(atPath: path, contents: Data("1024".utf8))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let growth = RingGrowth(sizeFile: path, cpus: 2, startKiB: 1024, capKiB: 8192)
    growth.observe(slot: 0, bytes: 1 << 20)
    growth.observe(slot: 1, bytes: 3 << 20)
    #expect(growth.decisions.isEmpty, "nothing is decided before the first checkpoint")
    usleep(550_000)
    growth.observe(slot: 0, bytes: 0)
    let decision = try #require(growth.decisions.first)
    // CPU 1: 3 MiB in ~0.55 s, held for 2 s: about 11 MiB, capped at 8 MiB.
    #expect(decision.fromKiB == 1024 && decision.toKiB == 8192)
    #expect(decision.bytesPerSecondPerCPU > 4e6 && decision.bytesPerSecondPerCPU < 6.5e6)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "8192")
    #expect(growth.currentKiB == 8192)
    growth.observe(slot: 1, bytes: 100 << 20)
    #expect(growth.decisions.count == 1, "at the cap: never again")
  }

  @Test func keepsASizeThatSuffices() {
    let growth = RingGrowth(sizeFile: "/nonexistent/buffer_size_kb", cpus: 1, startKiB: 16 << 10, capKiB: 256 << 10)
    growth.observe(slot: 0, bytes: 1 << 20)
    usleep(550_000)
    growth.observe(slot: 0, bytes: 0)  // 1 MiB in 0.55 s needs 4 MiB: 16 MiB suffices
    #expect(growth.decisions.isEmpty)
    #expect(growth.failure == nil)
    #expect(RingGrowth.kib(forBytesPerSecond: 1.5 * 1_048_576) == 3 << 10)
  }
}
