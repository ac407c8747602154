import Foundation
import Testing

/// `paramtrace record` for real on this machine: tracefs, a memory cgroup, page-cache
/// eviction, a workload reading a fragmented file through mmap. Needs root; skips with the
/// reason elsewhere, and fails instead when PARAMTRACE_REQUIRE_PRIVILEGED_TESTS=1 (CI here).
@Suite(.serialized) struct RecordTests {
  static var unavailable: String? {
    if getuid() != 0 { return "record needs root (run the tests as root)" }
    if !FileManager.default.fileExists(atPath: "/sys/kernel/tracing/instances") && !FileManager.default.fileExists(atPath: "/sys/kernel/tracing") {
      return "needs tracefs at /sys/kernel/tracing"
    }
    if !FileManager.default.fileExists(atPath: "/usr/bin/python3") { return "needs /usr/bin/python3 for the mmap workload" }
    return nil
  }

  /// Skips with the reason, or fails when the CI variable demands these tests.
  static func gate() -> Bool {
    guard let reason = unavailable else { return true }
    if ProcessInfo.processInfo.environment["PARAMTRACE_REQUIRE_PRIVILEGED_TESTS"] == "1" {
      Issue.record("cannot run record tests: \(reason)")
    } else {
      print("skipping record test: \(reason)")
    }
    return false
  }

  @Test func coldSinglePassReadsTheFileOnce() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      let out = scratch.directory + "/cold"
      let result = try runParamtrace(
        ["record", "--model", scratch.model, "--cold", "--out", out, "--", "/usr/bin/python3", scratch.toucher, scratch.model, "1"])
      #expect(result.status == 0, "\(result.stderr)")
      let manifest = try RecordScratch.json(out + "/manifest.json")
      let analysis = manifest["analysis"] as! [String: Any]
      let reread = analysis["reread_factor"] as! Double
      #expect(reread >= 0.99 && reread <= 1.1, "re-read \(reread)")
      #expect(analysis["unique_bytes"] as? Int == RecordScratch.modelBytes)
      #expect((manifest["trace"] as! [String: Any])["lost_events"] as? Int == 0)
      #expect((manifest["budget"] as! [String: Any])["kind"] as? String == "none")
      #expect(manifest["budget_pressure"] is NSNull)
      let model = manifest["model"] as! [String: Any]
      #expect(model["extent_count"] as! Int >= 1)
      #expect(model["source"] as? String == "--model")
      for file in ["analysis.json", "summary.txt", "workload.out", "trace.raw.formats", "trace.raw.cpu0"] {
        #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
      }
      try RecordScratch.expectNothingLeft()
    }
  }


  /// Issue 13 item 5: the status line counts the model's reads (decoded from the raw pages
  /// already written), not the disk's: here every byte of the file, read once cold.
  @Test func statusLineCountsTheModelsReads() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      let out = scratch.directory + "/progress"
      let result = try runParamtrace([
        "record", "--model", scratch.model, "--cold", "--progress", "--out", out, "--", "/bin/sh", "-c", "cat \"$0\" >/dev/null; sleep 2",
        scratch.model,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let lines = result.stderr.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).filter { $0.hasPrefix("recording ") }
      let last = try #require(lines.last, "no status line in: \(result.stderr)")
      #expect(last.contains("of the model"), "\(last)")
      let analysis = try RecordScratch.json(out + "/analysis.json")
      let operations = analysis["operations"] as! Int
      // Grouped by thousands as the line prints counts; the file is 96 MiB.
      var grouped = String(operations)
      var at = grouped.count - 3
      while at > 0 {
        grouped.insert(",", at: grouped.index(grouped.startIndex, offsetBy: at))
        at -= 3
      }
      #expect(last.contains("· \(grouped) reads, "), "\(last) vs \(operations) operations")
      #expect(RecordScratch.modelBytes == 96 << 20)
      #expect(last.contains("· \(grouped) reads, 96.00 MiB of the model"), "\(last)")
    }
  }

  /// Issue 13 item 6 and issue 16 item 5: with the task events doing the following and the
  /// drains sleeping in poll(2), the recorder takes well under 2 % of one core from a workload
  /// that does no I/O (0.19 % measured here over 3 s, debug build).
  @Test func recorderStaysOutOfAnIdleWorkloadsWay() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      let out = scratch.directory + "/idle"
      let result = try runParamtrace(["record", "--model", scratch.model, "--out", out, "--", "/bin/sleep", "3"])
      #expect(result.status == 0, "\(result.stderr)")
      let trace = try RecordScratch.json(out + "/manifest.json")["trace"] as! [String: Any]
      let during = try #require(trace["recorder_cpu_during_workload"] as? [String: Any])
      let wall = during["wall_seconds"] as! Double
      #expect(wall >= 2.9 && wall < 4, "wall \(wall)")
      let share = during["share_of_one_core"] as! Double
      #expect(share < 0.02, "the recorder took \(share * 100) % of one core while the workload slept")
      let whole = try #require(trace["recorder_cpu"] as? [String: Any])
      #expect((whole["wall_seconds"] as! Double) >= wall)
      try RecordScratch.expectNothingLeft()
    }
  }
  @Test func passesUnderABudgetAreReadAgain() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      let out = scratch.directory + "/budget"
      let budget = RecordScratch.modelBytes / 3
      let result = try runParamtrace([
        "record", "--model", scratch.model, "--cold", "--budget", "\(budget)", "--out", out, "--", "/usr/bin/python3",
        scratch.toucher, scratch.model, "3",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let manifest = try RecordScratch.json(out + "/manifest.json")
      let budgetJSON = manifest["budget"] as! [String: Any]
      #expect(budgetJSON["kind"] as? String == "cgroup")
      let achieved = budgetJSON["achieved_bytes"] as! Int
      #expect(abs(achieved - budget) <= 4096)
      let reread = (manifest["analysis"] as! [String: Any])["reread_factor"] as! Double
      // Three passes; read-around of the faults reads extra, and under the limit some of it
      // is evicted before use (measured here: 3.58). Tolerance: -20 % to +40 %.
      #expect(reread >= 2.4 && reread <= 4.2, "re-read \(reread) for 3 passes")
      print("record test: 3 passes under a budget of a third of the file: re-read \(reread)")
      // The budget bit: the cgroup's failure counter says so, and record prints it.
      let pressure = manifest["budget_pressure"] as! [String: Any]
      #expect(pressure["verdict"] as? String == "limit_reached" && (pressure["limit_hits"] as? Int ?? 0) > 0, "\(pressure)")
      #expect(result.stdout.contains("Budget: limit reached: the workload hit its"), "\(result.stdout)")
      try RecordScratch.expectNothingLeft()
    }
  }

  /// `--cold` without `--model`: the model is the file the workload's `-m` names; it is
  /// evicted first, traced on its disk, and read once.
  @Test func coldTakesTheModelFromTheWorkloadsCommand() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      let out = scratch.directory + "/cold-m"
      let result = try runParamtrace([
        "record", "--cold", "--budget", "1GiB", "--out", out, "--", "/bin/sh", "-c", "exec /usr/bin/python3 \"$0\" \"$2\" 1", scratch.toucher,
        "-m", scratch.model,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stderr.contains("model from the workload's command line: \(scratch.model)"), "\(result.stderr)")
      let manifest = try RecordScratch.json(out + "/manifest.json")
      let model = manifest["model"] as! [String: Any]
      #expect(model["path"] as? String == scratch.model && model["source"] as? String == "the workload's command line")
      let eviction = (manifest["memory"] as! [String: Any])["cold_eviction"] as! [String: Any]
      #expect(eviction["resident_after"] as? Int == 0)
      let analysis = manifest["analysis"] as! [String: Any]
      #expect(analysis["unique_bytes"] as? Int == RecordScratch.modelBytes)
      // 1 GiB for a 96 MiB file: never reached, and said so.
      #expect((manifest["budget_pressure"] as! [String: Any])["verdict"] as? String == "no_pressure")
      #expect(result.stdout.contains("Budget: no pressure: the 1.00 GiB limit was never reached"), "\(result.stdout)")
      try RecordScratch.expectNothingLeft()
    }
  }

  @Test func tinyBufferReportsLostEvents() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      let out = scratch.directory + "/lost"
      // 4 KiB O_DIRECT reads: one request each, as fast as the disk answers.
      let result = try runParamtrace([
        "record", "--model", scratch.model, "--buffer-kib", "4", "--out", out, "--", "/bin/dd", "if=" + scratch.model,
        "of=/dev/null", "bs=4k", "iflag=direct", "count=30000",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let manifest = try RecordScratch.json(out + "/manifest.json")
      let lost = (manifest["trace"] as! [String: Any])["lost_events"] as! Int
      #expect(lost > 0)
      #expect((manifest["warnings"] as! [String]).contains { $0.contains("lost") })
      let analysis = try RecordScratch.json(out + "/analysis.json")
      #expect(analysis["lost_events"] as! Int > 0)
      #expect((analysis["warnings"] as! [String]).contains { $0.contains("incomplete") })
      #expect(result.stderr.contains("lost"))
      try RecordScratch.expectNothingLeft()
    }
  }

  @Test func missingPrerequisitesAreNamedBeforeAnythingStarts() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      // Not root: run as nobody.
      let asNobody = try runProcess(
        "/usr/bin/setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", try paramtraceExecutable().path, "record", "--out", "/tmp/paramtrace-nobody", "--", "true"])
      #expect(asNobody.status == 1)
      #expect(asNobody.stderr.contains("record needs root"), "\(asNobody.stderr)")
      // A model that cannot be mapped to disk sectors (tmpfs): refused before tracing starts.
      let shm = "/dev/shm/paramtrace-record-test-\(getpid()).gguf"
      #expect(FileManager.default.createFile(atPath: shm, contents: Data(repeating: 1, count: 1 << 16)))
      defer { unlink(shm) }
      let out = scratch.directory + "/tmpfs"
      let tmpfs = try runParamtrace(["record", "--model", shm, "--out", out, "--", "true"])
      #expect(tmpfs.status == 1)
      #expect(tmpfs.stderr.contains("cannot map") && tmpfs.stderr.contains("tmpfs"), "\(tmpfs.stderr)")
      #expect(!FileManager.default.fileExists(atPath: out))
      try RecordScratch.expectNothingLeft()
    }
  }

  /// A sweep records every point, keeps finished runs when run again, and redoes a run
  /// whose directory has no manifest (what an interrupted run leaves).
  @Test func sweepIsResumable() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      let out = scratch.directory + "/sweep"
      let arguments = [
        "sweep", "--model", scratch.model, "--budgets", "0,48MiB", "--cold", "--out", out, "--", "/usr/bin/python3", scratch.toucher,
        scratch.model, "2",
      ]
      let first = try runParamtrace(arguments)
      #expect(first.status == 0, "\(first.stderr)")
      var sweep = try RecordScratch.json(out + "/sweep.json")
      var runs = sweep["runs"] as! [[String: Any]]
      #expect(runs.map { $0["directory"] as! String } == ["unconstrained-r1", "budget-48MiB-r1"])
      #expect(runs.allSatisfy { $0["status"] as? String == "ok" })
      let rereads = runs.map { $0["reread_factor"] as! Double }
      #expect(rereads[0] < 1.1 && rereads[1] > 1.5, "\(rereads)")

      // Again: both kept. Then a run without its manifest is recorded anew.
      let second = try runParamtrace(arguments)
      #expect(second.stderr.components(separatedBy: "already recorded, kept").count == 3, "\(second.stderr)")
      try FileManager.default.removeItem(atPath: out + "/budget-48MiB-r1/manifest.json")
      let third = try runParamtrace(arguments)
      #expect(third.status == 0)
      #expect(third.stderr.components(separatedBy: "already recorded, kept").count == 2)
      sweep = try RecordScratch.json(out + "/sweep.json")
      runs = sweep["runs"] as! [[String: Any]]
      #expect(runs.count == 2)
      #expect(FileManager.default.fileExists(atPath: out + "/budget-48MiB-r1/manifest.json"))
      try RecordScratch.expectNothingLeft()
    }
  }

  /// SIGKILL cannot be handled: the workload still dies with record (parent-death signal),
  /// and the next record removes the tracefs instance and cgroup the killed one left.
  @Test func killedRecorderTakesItsWorkloadAlongAndTheNextCleansUp() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      let process = Process()
      process.executableURL = try paramtraceExecutable()
      process.arguments = [
        "record", "--model", scratch.model, "--budget", "64MiB", "--out", scratch.directory + "/killed", "--", "/usr/bin/python3",
        scratch.toucher, scratch.model, "100000",
      ]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      usleep(1_500_000)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      var workloadAlive = true
      for _ in 0..<40 where workloadAlive {
        usleep(50_000)
        workloadAlive = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).contains { pid in
          guard Int32(pid) != nil, let cmdline = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return false }
          return cmdline.contains(RecordScratch.scratchMarker) && cmdline.contains("touch.py") && !cmdline.contains("record")
        }
      }
      #expect(!workloadAlive, "the workload outlived its SIGKILLed recorder")
      let next = try runParamtrace(["record", "--model", scratch.model, "--out", scratch.directory + "/next", "--", "/bin/true"])
      #expect(next.status == 0, "\(next.stderr)")
      try RecordScratch.expectNothingLeft()
    }
  }

  /// Stops `record` with SIGINT or SIGTERM at seeded random moments while its workload (an
  /// endless loop of mmap passes) runs, with a cgroup budget or a memory lock; each time
  /// nothing may be left: no tracefs instance, no cgroup, no lock helper, no workload.
  @Test func interruptedAtRandomMomentsLeavesNothing() throws {
    guard Self.gate() else { return }
    try RecordScratch.with { scratch in
      var rng = SystemRandomNumberGenerator()
      var seed: UInt64 = 0x5EED
      for round in 0..<6 {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let delay = Double((seed >> 33) % 1500) / 1000
        let signal = round % 2 == 0 ? SIGINT : SIGTERM
        let memory = round % 3 == 2 ? ["--lock", "128MiB"] : ["--budget", "64MiB"]
        let out = scratch.directory + "/kill\(round)"
        let process = Process()
        process.executableURL = try paramtraceExecutable()
        process.arguments =
          ["record", "--model", scratch.model] + memory
          + ["--out", out, "--", "/bin/sh", "-c", "while :; do /usr/bin/python3 \"$0\" \"$1\" 1; done", scratch.toucher, scratch.model]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(UInt32(delay * 1e6))
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        #expect(!process.isRunning, "record did not stop within 30 s of signal \(signal) at \(delay) s")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        // 130 after an orderly teardown; a signal before the handlers were installed ends
        // it at once, before it made anything.
        #expect(process.terminationStatus == 130 || process.terminationReason == .uncaughtSignal, "status \(process.terminationStatus)")
        _ = rng.next()
        try RecordScratch.expectNothingLeft(context: "round \(round): signal \(signal) after \(delay) s, \(memory.joined(separator: " "))")
      }
    }
  }
}

/// A fragmented model-sized file and an mmap toucher, in a scratch directory on disk.
struct RecordScratch {
  static let modelBytes = 96 << 20
  let directory: String
  var model: String { directory + "/model.bin" }
  var toucher: String { directory + "/touch.py" }

  /// Runs `body` holding the machine lock, with the scratch directory removed afterwards.
  static func with(_ body: (RecordScratch) throws -> Void) throws {
    let fd = open("/tmp/paramtrace-machine-tests.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0, errno == EINTR {}
    defer { flock(fd, LOCK_UN) }
    let scratch = RecordScratch(directory: "/var/tmp/paramtrace-record-test-\(getpid())-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(atPath: scratch.directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch.directory) }
    try scratch.makeFragmentedModel()
    try """
      import mmap, sys
      f = open(sys.argv[1], 'rb')
      m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
      total = 0
      for _ in range(int(sys.argv[2])):
          for offset in range(0, len(m), 4096):
              total += m[offset]
      print("checksum", total)
      """.write(toFile: scratch.toucher, atomically: true, encoding: .utf8)
    try body(scratch)
  }

  /// Writes the model in 1 MiB pieces interleaved with a filler file, fsync after each, so
  /// ext4 cannot keep it in one extent.
  func makeFragmentedModel() throws {
    let model = open(self.model, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
    let filler = open(directory + "/filler.bin", O_CREAT | O_WRONLY | O_TRUNC, 0o644)
    defer {
      close(model)
      close(filler)
      unlink(directory + "/filler.bin")
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var state: UInt64 = 42
    for _ in 0..<(Self.modelBytes >> 20) {
      for index in stride(from: 0, to: chunk.count, by: 8) {
        state = state &* 6_364_136_223_846_793_005 &+ 1
        withUnsafeBytes(of: state) { chunk.replaceSubrange(index..<index + 8, with: $0) }
      }
      _ = chunk.withUnsafeBytes { write(model, $0.baseAddress, $0.count) }
      fsync(model)
      _ = chunk.withUnsafeBytes { write(filler, $0.baseAddress, 256 << 10) }
      fsync(filler)
    }
  }

  /// Bytes a single-pass run may read twice while every figure is right: pages the kernel
  /// evicted and read again during the run (the manifest's vmstat workingset_refault_file,
  /// counted for the whole machine, so a bound, not the model's own count). This VM runs a
  /// DAMON pageout scheme that evicts page cache without memory pressure (ProactiveReclaim):
  /// one cold single-pass mmap run in CI read 24 KiB of the model twice.
  static func kernelReReadAllowance(_ manifest: [String: Any]) -> Int {
    max(0, vmstatDelta(manifest, "workingset_refault_file") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
  }

  /// A counter's change over the run in the manifest's `memory.vmstat_delta`.
  static func vmstatDelta(_ manifest: [String: Any], _ counter: String) -> Int? {
    ((manifest["memory"] as? [String: Any])?["vmstat_delta"] as? [String: Any])?[counter] as? Int
  }

  /// Expects `bytes` to be one pass over `expected` bytes: exactly, or more by no more than
  /// the kernel's own re-reads in the run (`kernelReReadAllowance`), which it prints.
  static func expectOnePass(
    _ bytes: Int?, of expected: Int, manifest: [String: Any], _ context: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let allowance = kernelReReadAllowance(manifest)
    // The kernel's own count of what it read from disks in the run (machine-wide, in KiB):
    // the analysis can never find more.
    let readFromDisks = vmstatDelta(manifest, "pgpgin").map { $0 * 1024 }
    guard let bytes else {
      Issue.record("\(context): no byte count", sourceLocation: sourceLocation)
      return
    }
    if let readFromDisks {
      #expect(bytes <= readFromDisks, "\(context): \(bytes) bytes, but the kernel read \(readFromDisks) from disks", sourceLocation: sourceLocation)
    }
    guard bytes != expected else { return }
    #expect(
      bytes > expected && bytes - expected <= allowance,
      "\(context): \(bytes) bytes for one pass over \(expected); the kernel re-read \(allowance) bytes of evicted pages and read \(readFromDisks ?? -1) bytes from disks",
      sourceLocation: sourceLocation)
    print("\(context): \(bytes - expected) bytes read twice, within the \(allowance) bytes of pages the kernel evicted and read again during the run")
  }

  /// The same for the parts of a model (rows with `bytes` and `size`: files, tensors): none
  /// read less than whole, and what they read twice, in all, within the kernel's re-reads.
  static func expectOnePassEach(
    _ rows: [[String: Any]], manifest: [String: Any], _ context: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let short = rows.filter { ($0["bytes"] as? Int ?? 0) < ($0["size"] as? Int ?? 0) }
    #expect(short.isEmpty, "\(context): \(short.count) of \(rows.count) read less than whole", sourceLocation: sourceLocation)
    let bytes = rows.reduce(0) { $0 + ($1["bytes"] as? Int ?? 0) }
    expectOnePass(bytes, of: rows.reduce(0) { $0 + ($1["size"] as? Int ?? 0) }, manifest: manifest, context, sourceLocation: sourceLocation)
  }

  static func json(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
  }

  /// Nothing of a recorder may remain on the machine: no tracefs instance or cgroup whose
  /// paramtrace process is gone or is one of this test's (others' live runs are not ours).
  static func expectNothingLeft(context: String = "") throws {
    let instances = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/tracing/instances")) ?? []
    let leftInstances = instances.filter { isOurs($0) }
    #expect(leftInstances.isEmpty, "tracefs instance left: \(leftInstances) \(context)")
    let tracer = (try? String(contentsOfFile: "/sys/kernel/tracing/current_tracer", encoding: .utf8)) ?? "nop\n"
    #expect(tracer == "nop\n", "top-level tracer is \(tracer) \(context)")
    for root in ["/sys/fs/cgroup/memory", "/sys/fs/cgroup", "/sys/fs/cgroup/unified"] {
      let groups = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { isOurs($0) }
      #expect(groups.isEmpty, "cgroup left in \(root): \(groups) \(context)")
    }
    let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for pid in processes where Int32(pid) != nil {
      guard let cmdline = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8), cmdline.contains(scratchMarker) else {
        continue
      }
      #expect(!cmdline.contains("touch.py"), "workload \(pid) left \(context)")
    }
    for pid in processes where Int32(pid) != nil {
      guard let cmdline = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8), cmdline.contains("__lock-memory"),
        let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let parentLine = status.split(separator: "\n").first(where: { $0.hasPrefix("PPid:") }),
        let parent = Int32(parentLine.dropFirst(5).trimmingCharacters(in: .whitespaces))
      else { continue }
      // A lock helper whose parent is gone (reparented to init) was left behind.
      #expect(parent != 1, "lock helper \(pid) left \(context)")
    }
  }

  static let scratchMarker = "paramtrace-record-test-\(getpid())"

  /// `paramtrace-<pid>…` belongs to this test when that pid is dead (left behind) or is a
  /// paramtrace working in this test's scratch directory.
  static func isOurs(_ name: String) -> Bool {
    guard name.hasPrefix("paramtrace-") else { return false }
    let digits = name.dropFirst("paramtrace-".count).prefix { $0.isNumber }
    guard let pid = Int32(digits) else { return false }
    guard let cmdline = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return true }
    return cmdline.contains(scratchMarker)
  }
}
