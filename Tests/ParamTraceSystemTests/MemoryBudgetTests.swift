import Foundation
import Testing

import ParamTraceCore
@testable import ParamTraceSystem

/// Memory budgets for real on this machine: a cgroup limit that holds a reader's page cache,
/// an mlock'ed helper verified through VmLck, page-cache eviction verified with mincore, and
/// /proc counters. Every test holds the machine-wide test lock and cleans up in `defer`.
@Suite(.serialized) struct MemoryBudgetTests {
  static let mebibyte: UInt64 = 1 << 20
  static let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))

  /// Where test files go: a disk-backed filesystem (page cache and pgpgin need a real disk).
  static var fileBase: String { ProcessInfo.processInfo.environment["PARAMTRACE_MEMORY_TEST_DIR"] ?? "/var/tmp" }

  static let cgroupGate: String? = {
    if let reason = PrivilegedTestGate.unavailable(needsRoot: true, paths: [fileBase]) { return reason }
    do { _ = try CgroupMemoryLayout.detect() } catch { return "needs a memory cgroup controller (\(error))" }
    return nil
  }()

  static let rootGate: String? = PrivilegedTestGate.unavailable(needsRoot: true, paths: [fileBase])

  /// The paramtrace binary next to the test bundle (the `__lock-memory` helper); nil when it
  /// was not built.
  static let paramtraceBinary: String? = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("paramtrace").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory.deleteLastPathComponent()
    }
    return nil
  }()

  static let lockerGate: String? = {
    if let rootGate { return rootGate }
    if paramtraceBinary == nil {
      return "needs the paramtrace executable next to the test bundle (\(CommandLine.arguments[0])); run `swift build` first"
    }
    return nil
  }()

  /// Skips (prints why) or, when privileged tests are required, fails.
  static func unavailable(_ reason: String?) -> Bool {
    guard let reason else { return false }
    if PrivilegedTestGate.required { Issue.record(Comment(rawValue: "required test cannot run: \(reason)")) } else { print("skipped: \(reason)") }
    return true
  }

  // MARK: (1) cgroup limit holds a reader's page cache

  @Test(.enabled(if: cgroupGate == nil || PrivilegedTestGate.required, Comment(rawValue: cgroupGate ?? "")))
  func cgroupLimitHoldsTheReadersPageCache() throws {
    if Self.unavailable(Self.cgroupGate) { return }
    try MachineTestLock.run {
      let file = try MemoryTestFile(bytes: 256 * Self.mebibyte, in: Self.fileBase)
      defer { file.remove() }
      let limit = 64 * Self.mebibyte
      let cgroup = try MemoryCgroup(name: "test-limit", limitBytes: limit)
      defer { cgroup.remove() }
      #expect(cgroup.path.hasPrefix(cgroup.layout.root + "/paramtrace-\(getpid())-"))
      #expect(cgroup.requestedLimitBytes == limit)
      #expect(cgroup.achievedLimitBytes <= limit && limit - cgroup.achievedLimitBytes < Self.page)
      let swapTotal = try #require(ProcMemorySnapshot.take().meminfo["SwapTotal"])
      if swapTotal == 0 {
        #expect(cgroup.swapExcluded)
      } else if case .v1 = cgroup.layout, FileManager.default.fileExists(atPath: cgroup.path + "/memory.memsw.limit_in_bytes") {
        #expect(cgroup.swapExcluded)
        #expect(cgroup.statistics()["memory.memsw.limit_in_bytes"] == cgroup.achievedLimitBytes)
      }
      // Cached pages stay charged to whoever read them first: start the file cold.
      let eviction = try PageCache.evictReporting(path: file.path)
      #expect(eviction.residentAfter <= 16 * Self.page, "\(eviction)")

      // The child waits for a line on stdin, so it joins the cgroup before reading anything.
      let child = Process()
      child.executableURL = URL(fileURLWithPath: "/bin/sh")
      child.arguments = ["-c", "read go && exec cat \"$0\" > /dev/null", file.path]
      let gate = Pipe()
      child.standardInput = gate
      try child.run()
      defer {
        if child.isRunning { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
      }
      try cgroup.addProcess(child.processIdentifier)
      #expect(cgroup.processes() == [child.processIdentifier])
      #expect(try String(contentsOfFile: cgroup.procsPath, encoding: .utf8) == "\(child.processIdentifier)\n")
      try gate.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
      try gate.fileHandleForWriting.close()
      child.waitUntilExit()
      #expect(child.terminationStatus == 0)

      let statistics = cgroup.statistics()
      let cache = try #require(MemoryCgroup.pageCacheBytes(in: statistics))
      let peak = try #require(MemoryCgroup.peakBytes(in: statistics))
      let hits = try #require(MemoryCgroup.limitHits(in: statistics))
      print(
        "cgroup \(cgroup.path): limit asked \(limit), achieved \(cgroup.achievedLimitBytes); after reading 256 MiB: "
          + "page cache \(cache), peak \(peak), limit hits \(hits) (failcnt \(statistics["memory.failcnt"] ?? 0), memsw.failcnt \(statistics["memory.memsw.failcnt"] ?? 0)), usage \(MemoryCgroup.usageBytes(in: statistics) ?? 0)")
      #expect(cache <= cgroup.achievedLimitBytes)
      #expect(peak <= cgroup.achievedLimitBytes)
      #expect(peak >= cgroup.achievedLimitBytes / 2, "the reader never came near the limit: was the file cached elsewhere?")
      #expect(hits > 0, "no pressure recorded")

      #expect(cgroup.remove())
      #expect(cgroup.remove(), "remove() is idempotent")
      #expect(cgroup.removalProblem == nil)
      #expect(!FileManager.default.fileExists(atPath: cgroup.path))
    }
  }

  /// remove() moves processes that are still inside to the parent instead of killing them.
  @Test(.enabled(if: cgroupGate == nil || PrivilegedTestGate.required, Comment(rawValue: cgroupGate ?? "")))
  func removeMovesRemainingProcessesOut() throws {
    if Self.unavailable(Self.cgroupGate) { return }
    try MachineTestLock.run {
      // A limit that is not a whole number of pages comes back rounded down, and is accepted.
      let cgroup = try MemoryCgroup(name: "test-remove", limitBytes: 32 * Self.mebibyte + 1000)
      defer { cgroup.remove() }
      #expect(cgroup.achievedLimitBytes == 32 * Self.mebibyte)
      let child = Process()
      child.executableURL = URL(fileURLWithPath: "/bin/sleep")
      child.arguments = ["15"]
      try child.run()
      defer {
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
      }
      try cgroup.addProcess(child.processIdentifier)
      #expect(cgroup.processes() == [child.processIdentifier])
      #expect(cgroup.remove())
      #expect(!FileManager.default.fileExists(atPath: cgroup.path))
      #expect(child.isRunning, "remove() must not kill")
    }
  }

  // MARK: (2) limits below the minimum, bad names

  @Test func limitBelowTheMinimumIsRefused() throws {
    try MachineTestLock.run {
      #expect {
        try MemoryCgroup(name: "too-small", limitBytes: 8 * Self.mebibyte)
      } throws: { error in
        let text = "\(error)"
        return text.contains("8.0 MiB") && text.contains("minimum of 16.0 MiB")
      }
      #expect {
        try MemoryCgroup(name: "../escape", limitBytes: 64 * Self.mebibyte)
      } throws: { error in
        "\(error)".contains("letters, digits")
      }
    }
  }

  // MARK: (3) the memory locker

  @Test(.enabled(if: lockerGate == nil || PrivilegedTestGate.required, Comment(rawValue: lockerGate ?? "")))
  func lockerLocksAndReleases() throws {
    if Self.unavailable(Self.lockerGate) { return }
    let executable = try #require(Self.paramtraceBinary)
    try MachineTestLock.run {
      let bytes = 256 * Self.mebibyte
      let lockedBefore = Self.totalVmLck()
      let locker = try MemoryLocker(bytes: bytes, force: false, executable: executable)
      defer { locker.release() }
      let pid = locker.pid
      let vmLck = try MemoryLocker.lockedBytes(pid: pid)
      print(
        "locker pid \(pid): asked \(bytes), VmLck \(locker.lockedBytes) (now \(vmLck)); MemAvailable \(locker.availableBeforeBytes) → \(locker.availableAfterBytes)"
      )
      #expect(locker.requestedBytes == bytes)
      #expect(locker.lockedBytes >= bytes && locker.lockedBytes < bytes + Self.page)
      #expect(vmLck == locker.lockedBytes)
      #expect(try locker.verify() == locker.lockedBytes)
      #expect(Self.totalVmLck() >= lockedBefore + bytes)

      locker.release()
      locker.release()  // idempotent
      #expect(locker.isReleased)
      #expect(kill(pid, 0) == -1 && errno == ESRCH, "the helper is still there")
      #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"))
      #expect(Self.totalVmLck() <= lockedBefore, "some VmLck is left after release")
      #expect(throws: MemoryBudgetError.self) { try locker.verify() }
    }
  }

  /// The helper subcommand reports an mlock failure as `error ERRNO` and exits non-zero.
  @Test(.enabled(if: lockerGate == nil || PrivilegedTestGate.required, Comment(rawValue: lockerGate ?? "")))
  func helperReportsAnImpossibleLock() throws {
    if Self.unavailable(Self.lockerGate) { return }
    let executable = try #require(Self.paramtraceBinary)
    try MachineTestLock.run {
      // More address space than x86_64 user space has: mmap fails at once, nothing is locked.
      let helper = Process()
      helper.executableURL = URL(fileURLWithPath: executable)
      helper.arguments = [MemoryLockHelper.subcommand, String(UInt64(1) << 60)]
      let output = Pipe()
      helper.standardOutput = output
      helper.standardInput = FileHandle.nullDevice
      try helper.run()
      helper.waitUntilExit()
      let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      #expect(text == "error \(ENOMEM)\n")
      #expect(helper.terminationStatus == 1)
    }
  }

  /// The helper follows its parent process: when the parent dies (even by SIGKILL) while the
  /// helper's stdin is still open elsewhere, it notices the new parent and exits within ~1 s.
  @Test(.enabled(if: lockerGate == nil || PrivilegedTestGate.required, Comment(rawValue: lockerGate ?? "")))
  func helperDiesWithItsParent() throws {
    if Self.unavailable(Self.lockerGate) { return }
    let executable = try #require(Self.paramtraceBinary)
    try MachineTestLock.run {
      // sh is the helper's parent; `sleep` holds the helper's stdin open, so only the parent
      // check can end it.
      let parent = Process()
      parent.executableURL = URL(fileURLWithPath: "/bin/sh")
      parent.arguments = ["-c", "sleep 15 | \"$0\" \(MemoryLockHelper.subcommand) 16777216; true", executable]
      let output = Pipe()
      parent.standardOutput = output
      try parent.run()
      var children: [Int32] = []
      defer {
        for pid in children { kill(pid, SIGKILL) }
        kill(parent.processIdentifier, SIGKILL)
        parent.waitUntilExit()
      }
      let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
      #expect(line == "locked 16777216\n")
      let shell = parent.processIdentifier
      children = ((try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? "")
        .split(separator: " ").compactMap { Int32($0) }
      let helper = try #require(children.first { pid in
        (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.contains(MemoryLockHelper.subcommand) == true
      })
      #expect(try MemoryLocker.lockedBytes(pid: helper) == 16 * Self.mebibyte)
      kill(shell, SIGKILL)  // (Foundation's waitUntilExit would wait for `sleep` too: the defer kills it first)
      let deadline = Date().addingTimeInterval(5)
      var gone = false
      while Date() < deadline {
        // Gone, or a zombie waiting for init: either way the lock is released.
        let status = (try? String(contentsOfFile: "/proc/\(helper)/status", encoding: .utf8)) ?? ""
        if status.isEmpty || status.contains("State:\tZ") {
          gone = true
          break
        }
        usleep(50_000)
      }
      #expect(gone, "the helper outlived its parent")
    }
  }

  @Test func absurdLocksAreRefusedBeforeSpawning() throws {
    try MachineTestLock.run {
      let meminfo = try ProcMemorySnapshot.take().meminfo
      let total = try #require(meminfo["MemTotal"])
      #expect {
        try MemoryLocker(bytes: total, force: false, executable: "/nonexistent/paramtrace")
      } throws: { error in
        let text = "\(error)"
        return text.contains("safety margin") && text.contains("--force") && text.contains("MemAvailable")
      }
      #expect {
        try MemoryLocker(bytes: total, force: true, executable: "/nonexistent/paramtrace")
      } throws: { error in
        "\(error)".contains("refused even with --force")
      }
      #expect {
        try MemoryLocker(bytes: 0, force: false, executable: "/nonexistent/paramtrace")
      } throws: { error in
        "\(error)".contains("nothing to lock")
      }
    }
  }

  @Test func budgetRules() throws {
    let gib: UInt64 = 1 << 30
    // 24 GiB machine: margin 2.4 GiB.
    #expect(MemoryLocker.safetyMargin(memTotal: 24 * gib) == 24 * gib / 10)
    #expect(MemoryLocker.safetyMargin(memTotal: 4 * gib) == gib)
    try MemoryLocker.checkBudget(bytes: 20 * gib, available: 23 * gib, total: 24 * gib, force: false)
    #expect(throws: MemoryBudgetError.self) { try MemoryLocker.checkBudget(bytes: 21 * gib, available: 23 * gib, total: 24 * gib, force: false) }
    try MemoryLocker.checkBudget(bytes: 22 * gib, available: 23 * gib, total: 24 * gib, force: true)
    #expect(throws: MemoryBudgetError.self) {
      try MemoryLocker.checkBudget(bytes: 23 * gib - (255 << 20), available: 23 * gib, total: 24 * gib, force: true)
    }
    #expect(throws: MemoryBudgetError.self) { try MemoryLocker.checkBudget(bytes: 1, available: 100 << 20, total: 24 * gib, force: true) }
  }

  /// The notebook's failure, caught: a "helper" that claims the lock but holds nothing.
  @Test func lockerCatchesAHelperThatDoesNotLock() throws {
    try MachineTestLock.run {
      let directory = try MemoryTestFile.directory(in: FileManager.default.temporaryDirectory.path)
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let liar = directory + "/liar"
      try "#!/bin/sh\necho \"locked $2\"\nexec cat > /dev/null\n".write(toFile: liar, atomically: true, encoding: .utf8)
      let failing = directory + "/failing"
      try "#!/bin/sh\necho \"error 11\"\nexit 1\n".write(toFile: failing, atomically: true, encoding: .utf8)
      let silent = directory + "/silent"
      try "#!/bin/sh\nexit 3\n".write(toFile: silent, atomically: true, encoding: .utf8)
      for script in [liar, failing, silent] { chmod(script, 0o755) }
      let bytes = 16 * Self.mebibyte

      #expect {
        try MemoryLocker(bytes: bytes, force: false, executable: liar)
      } throws: { error in
        "\(error)".contains("RLIMIT_MEMLOCK or memory pressure: locked 0 bytes of 16.0 MiB")
      }
      #expect {
        try MemoryLocker(bytes: bytes, force: false, executable: failing)
      } throws: { error in
        "\(error)".contains("mlock of 16.0 MiB failed") && "\(error)".contains("ulimit -l")
      }
      #expect {
        try MemoryLocker(bytes: bytes, force: false, executable: silent)
      } throws: { error in
        "\(error)".contains("exited with status 3")
      }
      #expect {
        try MemoryLocker(bytes: bytes, force: false, executable: directory + "/missing")
      } throws: { error in
        "\(error)".contains("not an executable")
      }
    }
  }

  // MARK: (4) page cache residency and eviction

  @Test(.enabled(if: PrivilegedTestGate.unavailable(needsRoot: false, paths: [fileBase]) == nil || PrivilegedTestGate.required))
  func evictionEmptiesTheFilesPageCache() throws {
    try MachineTestLock.run {
      let size = 64 * Self.mebibyte
      let file = try MemoryTestFile(bytes: size, in: Self.fileBase)
      defer { file.remove() }
      try file.read(offset: 0, count: size)
      let full = try PageCache.residency(path: file.path)
      #expect(full.fileBytes == size)
      // Between two looks the kernel's own reclaim may take a few pages (this VM runs a DAMON
      // pageout scheme that evicts page cache without pressure: ProactiveReclaim); those
      // pages are what cachestat counts as evicted, so every comparison allows for them.
      let reclaimedAfterRead = try PageCacheReclaim.bytes(file.path)
      #expect(full.residentBytes + reclaimedAfterRead >= size - 16 * Self.page)

      // Just written: the pages are dirty, so the first DONTNEED cannot drop them all.
      let eviction = try PageCache.evictReporting(path: file.path)
      #expect(eviction.residentBefore <= full.residentBytes && eviction.residentBefore + reclaimedAfterRead >= full.residentBytes, "\(eviction), \(reclaimedAfterRead) reclaimed")
      #expect(eviction.residentAfter <= 16 * Self.page, "\(eviction)")
      let afterEviction = try PageCache.residency(path: file.path).residentBytes
      #expect(afterEviction <= eviction.residentAfter)

      // Read the first quarter without readahead: that quarter comes back.
      let quarter = size / 4
      try file.read(offset: 0, count: quarter, random: true)
      let partial = try PageCache.residency(path: file.path).residentBytes
      let reclaimedSinceRead = try PageCacheReclaim.bytes(file.path)
      print(
        "page cache \(file.path): \(full.residentBytes) of \(size) resident after reading, \(eviction.residentBefore) → \(eviction.residentAfter) "
          + "(\(eviction.attempts) DONTNEED), \(partial) after reading \(quarter); \(reclaimedSinceRead) B reclaimed by the kernel meanwhile")
      #expect(partial + reclaimedSinceRead >= quarter && partial <= quarter + 8 * Self.mebibyte)

      // (Measured before the eviction: DONTNEED removes the shadow entries cachestat counts.)
      let reclaimedBeforeAgain = try PageCacheReclaim.bytes(file.path)
      let again = try PageCache.evict(path: file.path)
      #expect(again.residentBefore <= partial && again.residentBefore + reclaimedBeforeAgain >= partial + reclaimedSinceRead)
      #expect(again.residentAfter <= 16 * Self.page)
    }
  }

  /// Pages mapped by a process are not evicted, and the report names that process.
  @Test(.enabled(if: PrivilegedTestGate.unavailable(needsRoot: false, paths: [fileBase]) == nil || PrivilegedTestGate.required))
  func evictionNamesProcessesThatMapTheFile() throws {
    try MachineTestLock.run {
      let size = 4 * Self.mebibyte
      let file = try MemoryTestFile(bytes: size, in: Self.fileBase)
      defer { file.remove() }
      let fd = open(file.path, O_RDONLY)
      #expect(fd >= 0)
      defer { close(fd) }
      let mapped = try #require(mmap(nil, Int(size), PROT_READ, MAP_SHARED, fd, 0))
      defer { munmap(mapped, Int(size)) }
      var sum: UInt64 = 0
      for offset in stride(from: 0, to: Int(size), by: Int(Self.page)) { sum &+= UInt64(mapped.load(fromByteOffset: offset, as: UInt8.self)) }
      let eviction = try PageCache.evictReporting(path: file.path)
      #expect(eviction.residentAfter > 0, "mapped pages were evicted (sum \(sum))")
      #expect(eviction.mappedBy.contains { $0.pid == getpid() })
      #expect(eviction.description.contains("pid \(getpid())"))
    }
  }

  @Test func residencyOfOddFiles() throws {
    try MachineTestLock.run {
      let directory = try MemoryTestFile.directory(in: FileManager.default.temporaryDirectory.path)
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let empty = directory + "/empty"
      _ = FileManager.default.createFile(atPath: empty, contents: nil)
      #expect(try PageCache.residency(path: empty) == (0, 0))
      #expect(try PageCache.evict(path: empty) == (0, 0))
      #expect { try PageCache.residency(path: directory) } throws: { "\($0)".contains("Is a directory") || "\($0)".contains("directory") }
      #expect { try PageCache.residency(path: directory + "/missing") } throws: { "\($0)".contains("Check the path") }
    }
  }

  @Test(.enabled(if: rootGate == nil || PrivilegedTestGate.required, Comment(rawValue: rootGate ?? "")))
  func dropAllEvictsEverything() throws {
    if Self.unavailable(Self.rootGate) { return }
    try MachineTestLock.run {
      let file = try MemoryTestFile(bytes: 8 * Self.mebibyte, in: Self.fileBase)
      defer { file.remove() }
      try file.read(offset: 0, count: 8 * Self.mebibyte)
      try PageCache.dropAll()
      #expect(try PageCache.residency(path: file.path).residentBytes <= 16 * Self.page)
    }
  }

  // MARK: (5) /proc counters

  @Test(.enabled(if: PrivilegedTestGate.unavailable(needsRoot: false, paths: [fileBase]) == nil || PrivilegedTestGate.required))
  func coldReadsShowInVmstat() throws {
    try MachineTestLock.run {
      let size = 32 * Self.mebibyte
      let file = try MemoryTestFile(bytes: size, in: Self.fileBase)
      defer { file.remove() }
      _ = try PageCache.evict(path: file.path)
      let before = try ProcMemorySnapshot.take()
      try file.read(offset: 0, count: size)
      let afterRead = try ProcMemorySnapshot.take()
      let readDelta = before.delta(to: afterRead)
      // pgpgin is in KiB.
      let pgpgin = try #require(readDelta["pgpgin"])
      #expect(pgpgin >= Int64(size / 1024) * 9 / 10)
      #expect(afterRead.monotonicSeconds > before.monotonicSeconds)

      // Faults on a cold mapping are major faults.
      _ = try PageCache.evict(path: file.path)
      let fd = open(file.path, O_RDONLY)
      #expect(fd >= 0)
      defer { close(fd) }
      let mapped = try #require(mmap(nil, Int(size), PROT_READ, MAP_SHARED, fd, 0))
      defer { munmap(mapped, Int(size)) }
      let beforeFaults = try ProcMemorySnapshot.take()
      var sum: UInt64 = 0
      for offset in stride(from: 0, to: Int(size), by: Int(Self.page)) { sum &+= UInt64(mapped.load(fromByteOffset: offset, as: UInt8.self)) }
      let faultDelta = beforeFaults.delta(to: try ProcMemorySnapshot.take())
      print("vmstat: cold read of \(size) bytes: pgpgin +\(pgpgin) KiB; mmap touch: pgmajfault +\(faultDelta["pgmajfault"] ?? -1) (sum \(sum))")
      #expect((faultDelta["pgmajfault"] ?? 0) > 0)
      let keys = Set(before.vmstat.keys)
      for key in ["pgmajfault", "pgpgin", "workingset_refault_file"] { #expect(keys.contains(key)) }
      #expect(before.meminfo["MemTotal"].map { $0 > 1 << 30 } == true)
    }
  }

  @Test func meminfoParsing() {
    #expect(ProcMemorySnapshot.parseMeminfo("Name:\tsh\nVmLck:\t  262144 kB\nThreads:\t1\n")["VmLck"] == 262_144 * 1024)
    let snapshot = ProcMemorySnapshot(
      meminfoText: "MemTotal:       24684100 kB\nMemAvailable:   24200944 kB\nHugePages_Total:       0\nbroken line\n",
      vmstatText: "nr_free_pages 100\npgpgin 10\npgmajfault 3\n")
    #expect(snapshot.meminfo == ["MemTotal": 24_684_100 * 1024, "MemAvailable": 24_200_944 * 1024, "HugePages_Total": 0])
    let later = ProcMemorySnapshot(meminfoText: "MemTotal: 24684100 kB\n", vmstatText: "nr_free_pages 90\npgpgin 25\npgmajfault 3\nnew 1\n")
    #expect(snapshot.delta(to: later) == ["nr_free_pages": -10, "pgpgin": 15, "pgmajfault": 0])
    #expect(snapshot.meminfoDelta(to: later) == ["MemTotal": 0])
  }

  // MARK: (6) layout detection, v2 through a fake root

  @Test func detectsThisMachinesLayout() throws {
    try MachineTestLock.run {
      let v2 = CgroupMemoryLayout.defaultV2Candidates.first { root in
        (try? String(contentsOfFile: root + "/cgroup.controllers", encoding: .utf8))?.split(whereSeparator: \.isWhitespace).contains("memory") == true
      }
      let v1 = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes")
      switch (v2, v1) {
      case (let root?, _): #expect(try CgroupMemoryLayout.detect() == .v2(root: root))
      case (nil, true): #expect(try CgroupMemoryLayout.detect() == .v1(root: "/sys/fs/cgroup/memory"))
      case (nil, false):
        #expect(throws: MemoryBudgetError.self) { try CgroupMemoryLayout.detect() }
        return
      }
      let layout = try MemoryCgroup.detectLayout()
      #expect(layout == (try CgroupMemoryLayout.detect()))
      print("memory cgroup layout here: \(layout)")
    }
  }

  @Test func detectsAFakeV2Root() throws {
    try MachineTestLock.run {
      let directory = try MemoryTestFile.directory(in: FileManager.default.temporaryDirectory.path)
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let hybrid = directory + "/unified"  // like this machine's: cgroup2 without controllers
      let pure = directory + "/v2"
      let v1 = directory + "/memory"
      for path in [hybrid, pure, v1] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
      try "\n".write(toFile: hybrid + "/cgroup.controllers", atomically: true, encoding: .utf8)
      try "cpuset cpu io memory hugetlb pids rdma misc\n".write(toFile: pure + "/cgroup.controllers", atomically: true, encoding: .utf8)

      #expect(try CgroupMemoryLayout.detect(v2Candidates: [hybrid, pure], v1Candidate: v1) == .v2(root: pure))
      #expect {
        try CgroupMemoryLayout.detect(v2Candidates: [hybrid, directory + "/absent"], v1Candidate: v1)
      } throws: { error in
        let text = "\(error)"
        return text.hasPrefix("no memory cgroup controller:") && text.contains("\(hybrid)/cgroup.controllers (no controllers)")
          && text.contains("absent") && text.contains("mount -t cgroup2")
      }
      _ = FileManager.default.createFile(atPath: v1 + "/memory.limit_in_bytes", contents: Data("9223372036854771712\n".utf8))
      #expect(try CgroupMemoryLayout.detect(v2Candidates: [hybrid], v1Candidate: v1) == .v1(root: v1))
    }
  }

  @Test func readsV2AndV1Statistics() throws {
    try MachineTestLock.run {
      let directory = try MemoryTestFile.directory(in: FileManager.default.temporaryDirectory.path)
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let files = [
        "memory.stat": "anon 4096\nfile 67108864\nfile_mapped 0\nworkingset_refault_file 1234\n",
        "memory.events": "low 0\nhigh 0\nmax 17\noom 0\noom_kill 0\noom_group_kill 0\n",
        "memory.current": "66060288\n", "memory.peak": "67108864\n", "memory.max": "67108864\n", "memory.swap.max": "max\n",
      ]
      for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
      let v2 = MemoryCgroup.readStatistics(layout: .v2(root: "/fake"), path: directory)
      #expect(v2["file"] == 67_108_864 && v2["workingset_refault_file"] == 1234)
      #expect(v2["memory.events.max"] == 17 && v2["memory.events.oom_kill"] == 0)
      #expect(v2["memory.swap.max"] == UInt64.max && v2["memory.swap.current"] == nil)
      #expect(MemoryCgroup.pageCacheBytes(in: v2) == 67_108_864)
      #expect(MemoryCgroup.limitHits(in: v2) == 17)
      #expect(MemoryCgroup.peakBytes(in: v2) == 67_108_864)
      #expect(MemoryCgroup.usageBytes(in: v2) == 66_060_288)

      let v1Directory = directory + "/v1"
      try FileManager.default.createDirectory(atPath: v1Directory, withIntermediateDirectories: true)
      let v1Files = [
        "memory.stat": "cache 66846720\nrss 139264\ntotal_cache 66846720\n", "memory.failcnt": "2904\n",
        "memory.max_usage_in_bytes": "67108864\n", "memory.usage_in_bytes": "66985984\n",
        "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "memory.limit_in_bytes": "67108864\n",
      ]
      for (name, text) in v1Files { try text.write(toFile: v1Directory + "/" + name, atomically: true, encoding: .utf8) }
      let v1 = MemoryCgroup.readStatistics(layout: .v1(root: "/fake"), path: v1Directory)
      #expect(MemoryCgroup.pageCacheBytes(in: v1) == 66_846_720)
      #expect(MemoryCgroup.limitHits(in: v1) == 2904)
      #expect(MemoryCgroup.peakBytes(in: v1) == 67_108_864)
      #expect(MemoryCgroup.usageBytes(in: v1) == 66_985_984)
      // The budget bit: 2,904 hits of the limit, and the OOM killer once.
      let pressure = try #require(BudgetPressure(statistics: v1))
      #expect(pressure.verdict == .limitReached && pressure.oomKills == 1 && pressure.limitHitsCounter == "memory.failcnt")
      #expect(try #require(BudgetPressure(statistics: v2)).limitHitsCounter == "memory.events max")
    }
  }

  /// On a v2 root without the memory controller for children, creation enables it in
  /// `cgroup.subtree_control`, and when the new cgroup still has no `memory.max` it says so and
  /// leaves nothing behind. Stale cgroups of dead pids are removed.
  @Test func fakeV2RootWithoutControllerForChildren() throws {
    try MachineTestLock.run {
      let root = try MemoryTestFile.directory(in: FileManager.default.temporaryDirectory.path)
      defer { try? FileManager.default.removeItem(atPath: root) }
      try "cpu io memory pids\n".write(toFile: root + "/cgroup.controllers", atomically: true, encoding: .utf8)
      try "\n".write(toFile: root + "/cgroup.subtree_control", atomically: true, encoding: .utf8)
      let layout = try CgroupMemoryLayout.detect(v2Candidates: [root], v1Candidate: root + "/none")
      #expect {
        try MemoryCgroup(name: "fake", limitBytes: 64 << 20, layout: layout)
      } throws: { error in
        "\(error)".contains("not enabled for children of \(root)") && "\(error)".contains("no memory.max")
      }
      #expect(try String(contentsOfFile: root + "/cgroup.subtree_control", encoding: .utf8) == "+memory")
      #expect(!FileManager.default.fileExists(atPath: "\(root)/paramtrace-\(getpid())-fake"))

      let stale = root + "/paramtrace-2147483646-old"  // beyond pid_max: not running
      let live = root + "/paramtrace-\(getpid())-live"
      for path in [stale, live] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
      #expect(MemoryCgroup.removeStale(layout: layout) == [stale])
      #expect(FileManager.default.fileExists(atPath: live))
    }
  }

  // MARK: Helpers

  /// Sum of VmLck over every process, in bytes.
  static func totalVmLck() -> UInt64 {
    var total: UInt64 = 0
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
      guard let text = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8) else { continue }
      total += ProcMemorySnapshot.parseMeminfo(text)["VmLck"] ?? 0
    }
    return total
  }
}

/// A test file of pseudo-random bytes on a disk-backed filesystem, removed by `remove()`.
struct MemoryTestFile {
  let path: String

  init(bytes: UInt64, in directory: String) throws {
    path = "\(directory)/paramtrace-memory-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var chunk = [UInt64](repeating: 0, count: 1 << 17)  // 1 MiB
    var written: UInt64 = 0
    while written < bytes {
      for index in chunk.indices {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        chunk[index] = state
      }
      let count = Int(min(UInt64(chunk.count * 8), bytes - written))
      let result = chunk.withUnsafeBytes { write(fd, $0.baseAddress, count) }
      guard result == count else {
        unlink(path)
        throw POSIXError(.init(rawValue: errno) ?? .EIO)
      }
      written += UInt64(count)
    }
  }

  /// Reads `count` bytes from `offset` with pread; `random` turns readahead off first.
  func read(offset: UInt64, count: UInt64, random: Bool = false) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    if random { posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var done: UInt64 = 0
    while done < count {
      let want = Int(min(UInt64(buffer.count), count - done))
      let result = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset + done)) }
      guard result > 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
      done += UInt64(result)
    }
  }

  func remove() { unlink(path) }

  /// A new empty directory for fake trees.
  static func directory(in base: String) throws -> String {
    let path = "\(base)/paramtrace-memory-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }
}
