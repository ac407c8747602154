import Foundation
import ParamTraceSystem
import Testing

/// `record --pause-proactive-reclaim` for real, on a machine that runs a DAMON pageout scheme
/// (this project's VM: kdamond 0): the workload sees the kdamond off, it is on again after
/// the run, and after a SIGKILLed record the next record puts it back. Root, tracefs, under the
/// machine lock. Whatever happens, the test leaves each kdamond as it found it.
@Suite(.serialized) struct RecordProactiveReclaimTests {
  /// The state files of the kdamonds that run a pageout scheme now (what record pauses), as
  /// `ProactiveReclaim` finds them (`ProactiveReclaimTests` checks it against sysfs).
  static func evictingKdamondStates() -> [String] {
    var states: [String] = []
    for scheme in ProactiveReclaim.detect().schemes where scheme.stopValue == "off" && !states.contains(scheme.stopPath) {
      states.append(scheme.stopPath)
    }
    return states
  }

  static func value(_ path: String) -> String {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Runs `body` with the states to watch; afterwards every one of them is on again, whatever
  /// `body` did (written back here if record did not).
  static func withEvictingKdamonds(_ body: ([String]) throws -> Void) throws {
    let states = evictingKdamondStates()
    guard !states.isEmpty else {
      print("skipping the proactive reclaim pause test: no DAMON pageout scheme runs on this machine")
      return
    }
    defer {
      for state in states where value(state) != "on" {
        Issue.record("\(state) was left \(value(state)); writing on")
        try? "on".write(toFile: state, atomically: false, encoding: .utf8)
      }
    }
    try body(states)
  }

  @Test func theWorkloadRunsWithoutItAndItIsOnAgainAfter() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      try Self.withEvictingKdamonds { states in
        let out = scratch.directory + "/paused"
        let result = try runParamtrace(["record", "--pause-proactive-reclaim", "--out", out, "--", "/bin/cat"] + states)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("proactive reclaim paused for the run"), "\(result.stderr)")
        let seen = try String(contentsOfFile: out + "/workload.out", encoding: .utf8).split(separator: "\n")
        #expect(seen == Array(repeating: "off", count: states.count), "the workload saw \(seen)")
        #expect(states.allSatisfy { Self.value($0) == "on" })
        let manifest = try RecordScratch.json(out + "/manifest.json")
        let paused = try #require(manifest["proactive_reclaim_paused"] as? [String: Any])
        #expect(paused["restored"] as? Bool == true)
        #expect((paused["files"] as? [[String: Any]])?.compactMap { $0["path"] as? String } == states)
        #expect(!(manifest["warnings"] as! [String]).contains { $0.hasPrefix("Proactive reclaim is on") })
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: "/run/paramtrace")) ?? []).filter { $0.hasPrefix("proactive-reclaim-") }
        #expect(left.isEmpty, "state files left: \(left)")
        try RecordScratch.expectNothingLeft()
      }
    }
  }

  @Test func aRecordKilledWhilePausedIsUndoneByTheNext() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      try Self.withEvictingKdamonds { states in
        let process = Process()
        process.executableURL = try paramtraceExecutable()
        process.arguments = ["record", "--pause-proactive-reclaim", "--out", scratch.directory + "/killed", "--", "/bin/sleep", "30"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !states.allSatisfy({ Self.value($0) == "off" }) { usleep(20_000) }
        #expect(states.allSatisfy { Self.value($0) == "off" }, "record did not pause within 20 s")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let stateFile = "/run/paramtrace/proactive-reclaim-\(process.processIdentifier)"
        #expect(FileManager.default.fileExists(atPath: stateFile))
        #expect(states.allSatisfy { Self.value($0) == "off" }, "a SIGKILL cannot restore: still off until the next record")

        let next = try runParamtrace(["record", "--out", scratch.directory + "/next", "--", "/bin/true"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("proactive reclaim restored: \(states[0]) → on, as before paramtrace pid \(process.processIdentifier) paused it"), "\(next.stderr)")
        #expect(states.allSatisfy { Self.value($0) == "on" })
        #expect(!FileManager.default.fileExists(atPath: stateFile))
        // The tracefs instance the killed record left was removed by the next one too.
        try RecordScratch.expectNothingLeft()
      }
    }
  }
}
