import Foundation
import ParamTraceCore
import Testing

/// Sweep axes and budgets for real (issue 15, items 1 and 2): the disk's read_ahead_kb is in
/// effect during each run and put back after it, also when the workload fails and on
/// SIGTERM; a budget over a cached model warns; a budgeted sweep evicts the model first; an
/// axis reaches the workload through its placeholder. Root, tracefs and cgroups, under the
/// machine lock (RecordScratch); skips elsewhere, fails under PARAMTRACE_REQUIRE_PRIVILEGED_TESTS=1.
@Suite(.serialized) struct SweepAxesRecordTests {
  /// `queue/read_ahead_kb` of the whole disk holding `path`.
  static func readAheadFile(holding path: String) throws -> String {
    var info = stat()
    guard stat(path, &info) == 0 else { throw POSIXError(.ENOENT) }
    // glibc's encoding of dev_t (gnu_dev_major/minor are macros Swift does not import).
    let dev = UInt64(info.st_dev)
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff)
    let minor = (dev & 0xff) | ((dev >> 12) & ~0xff)
    let base = "/sys/dev/block/\(major):\(minor)"
    let disk = FileManager.default.fileExists(atPath: base + "/partition") ? base + "/.." : base
    return URL(fileURLWithPath: disk + "/queue/read_ahead_kb").resolvingSymlinksInPath().path
  }

  static func readAhead(_ file: String) throws -> String {
    try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test func readAheadIsInEffectDuringEachRunAndRestoredAfterFailedRunsAndSIGTERM() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      let file = try Self.readAheadFile(holding: scratch.model)
      let original = try Self.readAhead(file)
      // Whatever happens below, the machine keeps its setting.
      defer { if (try? Self.readAhead(file)) != original { try? original.write(toFile: file, atomically: false, encoding: .utf8) } }
      let values = original == "256" ? ["512", "1024"] : ["256", "1024"]

      // Every run fails (exit 3) after writing down the read-ahead it saw.
      let out = scratch.directory + "/ra"
      let result = try runParamtrace([
        "sweep", "--model", scratch.model, "--budgets", "0", "--read-ahead-kb", values.joined(separator: ","), "--out", out, "--", "/bin/sh", "-c",
        "cat \(file) > \"$0/seen-{read_ahead_kb}\"; exit 3", scratch.directory,
      ])
      #expect(result.status == 2, "\(result.stderr)")
      #expect(try Self.readAhead(file) == original, "read_ahead_kb not restored after failed runs")
      for value in values {
        #expect(try Self.readAhead(scratch.directory + "/seen-\(value)") == value, "the workload did not run with read_ahead_kb \(value)")
        let manifest = try RecordScratch.json(out + "/unconstrained,read_ahead_kb=\(value)-r1/manifest.json")
        let readAhead = manifest["read_ahead"] as! [String: Any]
        #expect(readAhead["achieved_kb"] as? Int == Int(value) && readAhead["previous_kb"] as? Int == Int(original) && readAhead["restored"] as? Bool == true)
        #expect((manifest["environment"] as! [String: Any])["read_ahead_kb"] as? Int == Int(value))
      }
      let sweep = try RecordScratch.json(out + "/sweep.json")
      #expect((sweep["runs"] as! [[String: Any]]).map { $0["status"] as? String } == ["failed", "failed"])

      // SIGTERM in the middle of a run.
      let process = Process()
      process.executableURL = try paramtraceExecutable()
      process.arguments = [
        "record", "--model", scratch.model, "--read-ahead-kb", values[0], "--out", scratch.directory + "/term", "--", "/bin/sh", "-c",
        "while :; do /usr/bin/python3 \"$0\" \"$1\" 1; done", scratch.toucher, scratch.model,
      ]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      var changed = false
      for _ in 0..<100 where !changed {
        usleep(50_000)
        changed = (try? Self.readAhead(file)) == values[0]
      }
      #expect(changed, "record never set read_ahead_kb")
      usleep(500_000)
      kill(process.processIdentifier, SIGTERM)
      process.waitUntilExit()
      #expect(process.terminationStatus == 130, "status \(process.terminationStatus)")
      #expect(try Self.readAhead(file) == original, "read_ahead_kb not restored after SIGTERM")
      try RecordScratch.expectNothingLeft()
    }
  }

  /// The scratch model was just written, so it is in the page cache: a budget over it
  /// cannot bite, and record says so in its summary, summary.txt and the manifest.
  @Test func aBudgetOverAResidentModelWarns() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      _ = try Data(contentsOf: URL(fileURLWithPath: scratch.model))  // cached, whatever the writer left
      let out = scratch.directory + "/warm"
      let result = try runParamtrace([
        "record", "--model", scratch.model, "--budget", "48MiB", "--out", out, "--", "/usr/bin/python3", scratch.toucher, scratch.model, "2",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      // All of it, but for what the kernel's proactive reclaim took between the read and the
      // run's look (this VM's DAMON pageout scheme took 10 % of a fresh 512 MiB file in 25 s).
      let manifest = try RecordScratch.json(out + "/manifest.json")
      let bypass = manifest["budget_bypass"] as! [String: Any]
      let resident = bypass["resident_bytes"] as? Int ?? 0
      #expect(bypass["bypassed"] as? Bool == true && resident <= RecordScratch.modelBytes && resident >= RecordScratch.modelBytes * 95 / 100, "\(bypass)")
      let share = formatFixed(Double(resident) / Double(RecordScratch.modelBytes) * 100, 1)
      #expect(result.stdout.contains("WARNING: Budget cannot bite: \(HumanUnits.bytes(resident)) of the model (\(share)%)"), "\(result.stdout)")
      if resident < RecordScratch.modelBytes { print("budget bypass test: \(RecordScratch.modelBytes - resident) bytes of the model reclaimed before the run looked") }
      #expect((manifest["warnings"] as! [String]).contains { $0.hasPrefix("Budget cannot bite") })
      #expect(try String(contentsOfFile: out + "/summary.txt", encoding: .utf8).contains("WARNING: Budget cannot bite"))
      let report = try runParamtrace(["report", out])
      #expect(report.stdout.contains("\(share)% of the model was already in the page cache"), "\(report.stdout)")
      try RecordScratch.expectNothingLeft()
    }
  }

  /// A budgeted sweep without --cold or --warm evicts the model before each run, so the
  /// budget bites; an --axis value reaches the workload through {NAME}; the report has a
  /// column for the axis.
  @Test func aBudgetedSweepEvictsFirstAndPutsEachAxisValueIntoTheCommand() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      _ = try Data(contentsOf: URL(fileURLWithPath: scratch.model))
      let out = scratch.directory + "/grid"
      let result = try runParamtrace([
        "sweep", "--model", scratch.model, "--budgets", "48MiB", "--axis", "passes=1,2", "--out", out, "--", "/usr/bin/python3", scratch.toucher,
        scratch.model, "{passes}",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(!result.stderr.contains("cannot bite"), "\(result.stderr)")
      let sweep = try RecordScratch.json(out + "/sweep.json")
      let runs = sweep["runs"] as! [[String: Any]]
      #expect(runs.map { $0["directory"] as? String } == ["budget-48MiB,passes=1-r1", "budget-48MiB,passes=2-r1"])
      #expect(runs.map { ($0["axes"] as? [String: String])?["passes"] } == ["1", "2"])
      var rereads: [Double] = []
      for (index, run) in runs.enumerated() {
        let manifest = try RecordScratch.json(out + "/" + (run["directory"] as! String) + "/manifest.json")
        #expect((manifest["command"] as! [String]).last == "\(index + 1)")
        let eviction = (manifest["memory"] as! [String: Any])["cold_eviction"] as? [String: Any]
        #expect(eviction?["resident_before"] as? Int ?? 0 > 0 && eviction?["resident_after"] as? Int == 0, "\(String(describing: eviction))")
        #expect((manifest["budget_bypass"] as! [String: Any])["bypassed"] as? Bool == false)
        rereads.append((manifest["analysis"] as! [String: Any])["reread_factor"] as! Double)
      }
      // Two passes under a half-model budget read about twice what one pass reads.
      #expect(rereads[1] > rereads[0] * 1.5, "\(rereads)")
      let report = try runParamtrace(["report", out])
      #expect(report.stdout.contains("| passes "), "\(report.stdout)")
      try RecordScratch.expectNothingLeft()
    }
  }
}
