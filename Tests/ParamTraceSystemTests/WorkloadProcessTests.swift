import Foundation
import Testing

@testable import ParamTraceSystem
import ParamTraceCore

@Suite struct WorkloadProcessTests {
  static func scratch() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-workload-\(UUID().uuidString)").path
  }

  @Test func capturesOutputStatusAndThreads() throws {
    let output = Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: output) }
    let workload = WorkloadProcess(
      command: ["/bin/sh", "-c", "echo hello; echo oops >&2; sleep 0.3 & wait; exit 3"], cgroupProcsPath: nil, outputPath: output,
      echo: false)
    let pid = try workload.start()
    let result = workload.wait()
    #expect(result.exitStatus == 3)
    #expect(result.terminatingSignal == nil)
    #expect(result.wallSeconds >= 0.3)
    #expect(try String(contentsOfFile: output, encoding: .utf8) == "hello\noops\n")
    #expect(result.taskIDs.contains(pid))
    #expect(result.taskIDs.count >= 2)  // the shell and its sleep
  }

  @Test func stopRequestEndsTheWholeGroup() throws {
    let output = Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: output) }
    let workload = WorkloadProcess(
      command: ["/bin/sh", "-c", "sleep 30 & sleep 30 & wait"], cgroupProcsPath: nil, outputPath: output, echo: false)
    try workload.start()
    let start = Date()
    var polls = 0
    let result = workload.wait(shouldStop: {
      polls += 1
      return polls > 5
    })
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(result.exitStatus != 0)
    // Nothing of the group is left running (orphans are reaped by init a moment later).
    for task in result.taskIDs { #expect(Self.goneOrZombie(task)) }
  }

  static func goneOrZombie(_ pid: Int32) -> Bool {
    for _ in 0..<40 {
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
      if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
      usleep(50_000)
    }
    return false
  }

  @Test func missingCommandSaysSo() {
    let workload = WorkloadProcess(command: ["/nonexistent/llama-cli"], cgroupProcsPath: nil, outputPath: Self.scratch(), echo: false)
    #expect(throws: WorkloadError.self) { try workload.start() }
  }

  @Test func modelFilesAreFoundInMaps() {
    let maps = """
      7f00-7f10 r--s 00000000 fe:00 1234                       /models/llama 2/model.Q4_K_M.gguf
      7f10-7f20 r-xp 00000000 fe:00 99                         /usr/lib/x86_64-linux-gnu/libc.so.6
      7f20-7f30 r--s 00001000 fe:00 1234                       /models/llama 2/model.Q4_K_M.gguf
      7f30-7f40 rw-p 00000000 00:00 0                          [heap]
      7f40-7f50 r--s 00000000 fe:00 77                         /w/model-00001-of-00002.safetensors
      """
    #expect(ModelFileDiscovery.modelPaths(inMaps: maps) == ["/models/llama 2/model.Q4_K_M.gguf", "/w/model-00001-of-00002.safetensors"])
  }
}
