import ParamTraceCore
import Synchronization
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A memory cgroup that limits one workload's memory, page cache included: the preferred way
/// to set a memory budget (docs/record.md), since it limits the workload only.
///
/// It is created at `<root>/paramtrace-<pid>-<name>` and limited with
/// `memory.limit_in_bytes` (v1) or `memory.max` (v2). The limit is read back: the kernel
/// rounds it down to whole pages, and anything further off is refused, so the budget recorded
/// is the budget the kernel enforces (lesson 6).
///
/// Swap is kept out of the budget unless `allowSwap`: otherwise the workload's anonymous memory
/// (KV cache, buffers) could go to swap, the budget would stop meaning RAM, and the disk would
/// see swap I/O mixed with the model's reads. On v2 `memory.swap.max` is set to 0 (where the
/// file exists). On v1 `memory.memsw.limit_in_bytes` (memory + swap) is set to the same limit,
/// but only when the machine has swap (`SwapTotal` > 0) and swap accounting
/// (`swapaccount=1`): with it set, Linux 6.18 stops counting limit hits in `memory.failcnt`
/// (the memory+swap counter fails first, and its own `memory.memsw.failcnt` stayed 0 too), so
/// without swap it would only cost the pressure signal.
///
/// Page cache is charged to the cgroup of the task that first reads a page: pages that were
/// cached before the workload joined stay charged elsewhere. Evict the model file first
/// (`PageCache.evict`) so its pages count against the budget.
///
/// `remove()` (also run by `deinit`) kills nothing: processes still inside are moved to the
/// root, and the directory is removed.
public final class MemoryCgroup: @unchecked Sendable {
  /// Limits below this are refused: 16 MiB. A process needs a few MiB to start at all.
  public static let minimumLimitBytes: UInt64 = 16 << 20

  /// The cgroup's directory.
  public let path: String
  /// The hierarchy it was created in.
  public let layout: CgroupMemoryLayout
  /// The limit asked for, in bytes.
  public let requestedLimitBytes: UInt64
  /// The limit the kernel kept (read back), in bytes: the requested one rounded down to a page.
  public private(set) var achievedLimitBytes: UInt64
  /// Whether the workload cannot use swap: the machine has none, or the cgroup forbids it
  /// (`memory.swap.max` 0 on v2, `memory.memsw.limit_in_bytes` equal to the limit on v1).
  /// False when `allowSwap` was given, or swap is on and the kernel has no swap accounting.
  public let swapExcluded: Bool

  /// Protects `removed` and `removalProblem`.
  private let state = Mutex<(removed: Bool, problem: String?)>((false, nil))

  /// Why the last `remove()` did not succeed; nil when it did (or was not called).
  public var removalProblem: String? { state.withLock { $0.problem } }

  /// Where this machine's memory controller is (`CgroupMemoryLayout.detect()`).
  public static func detectLayout() throws -> CgroupMemoryLayout { try CgroupMemoryLayout.detect() }

  /// Creates `<root>/paramtrace-<pid>-<name>` with a memory limit of `limitBytes`.
  ///
  /// - Parameters:
  ///   - name: Letters, digits, `.`, `_` and `-`.
  ///   - limitBytes: At least `minimumLimitBytes`.
  ///   - allowSwap: Let the workload's anonymous memory use swap beyond the limit (off by default).
  ///   - layout: Where to create it; nil detects it (tests pass a fake root).
  /// - Throws: `MemoryBudgetError`: the limit is too small; no memory controller (or, on v2, it
  ///   is not enabled for children and cannot be); not root; the cgroup exists already; the
  ///   kernel did not keep the limit. On error nothing is left behind.
  public init(name: String, limitBytes: UInt64, allowSwap: Bool = false, layout: CgroupMemoryLayout? = nil) throws {
    guard limitBytes >= Self.minimumLimitBytes else {
      throw MemoryBudgetError(.limitTooSmall(requested: limitBytes, minimum: Self.minimumLimitBytes))
    }
    guard !name.isEmpty, name.utf8.allSatisfy({ Self.nameBytes.contains($0) }) else {
      throw MemoryBudgetError(.invalidName(name))
    }
    let layout = try layout ?? CgroupMemoryLayout.detect()
    if case .v2(let root) = layout { try Self.enableMemoryController(root: root) }
    let path = "\(layout.root)/paramtrace-\(getpid())-\(name)"
    if mkdir(path, 0o755) != 0 {
      let code = Errno(rawValue: errno)
      if code == .fileExists { throw MemoryBudgetError(.cgroupExists(path: path)) }
      throw MemoryBudgetError(.access(operation: "mkdir", path: path, errno: code))
    }
    do {
      (achievedLimitBytes, swapExcluded) = try Self.configure(path: path, layout: layout, limitBytes: limitBytes, allowSwap: allowSwap)
    } catch {
      _ = Self.removeDirectory(path: path)
      throw error
    }
    self.path = path
    self.layout = layout
    self.requestedLimitBytes = limitBytes
  }

  deinit { remove() }

  /// Moves process `pid` (all its threads) into the cgroup, through `cgroup.procs` (v1 and v2).
  /// Its children forked later are inside too. Memory it charged before stays charged where it was.
  ///
  /// - Throws: `MemoryBudgetError.Reason.access` (no such process, not root, …).
  public func addProcess(_ pid: Int32) throws {
    try KernelFile.write(procsPath, "\(pid)")
  }

  /// Its `cgroup.procs` file: a process that writes its own pid there (`echo $$ > FILE`, then
  /// exec) is inside before it runs the workload's first instruction.
  public var procsPath: String { "\(path)/cgroup.procs" }

  /// The processes inside (`cgroup.procs`).
  public func processes() -> [Int32] {
    (KernelFile.readIfPresent("\(path)/cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
  }

  /// The cgroup's counters in bytes or counts: every `memory.stat` key as the kernel names it,
  /// plus whole files by name — v1: `memory.usage_in_bytes`, `memory.max_usage_in_bytes`,
  /// `memory.failcnt`, `memory.limit_in_bytes` (and `memory.memsw.*`), `memory.oom_control.<key>`; v2: `memory.current`,
  /// `memory.peak`, `memory.max`, `memory.swap.*`, and `memory.events.<key>` for each
  /// `memory.events` line. `max` (no limit) is `UInt64.max`. Files that are missing are left out.
  public func statistics() -> [String: UInt64] { Self.readStatistics(layout: layout, path: path) }

  /// Removes the cgroup; returns whether it is gone. Idempotent, kills nothing: processes still
  /// inside are moved to the parent, then rmdir is retried for up to 5 s (the kernel may need a
  /// moment after the last task exits); on v1, `memory.force_empty` is tried when rmdir keeps
  /// failing. When it fails, `removalProblem` says why.
  @discardableResult
  public func remove() -> Bool {
    state.withLock { state in
      if state.removed { return true }
      state.problem = Self.removeDirectory(path: path)
      state.removed = state.problem == nil
      return state.removed
    }
  }

  /// Removes cgroups named `paramtrace-<pid>-…` in the layout's root whose pid is no longer
  /// running and that hold no processes (left by a run that was killed); returns their paths.
  @discardableResult
  public static func removeStale(layout: CgroupMemoryLayout? = nil) -> [String] {
    guard let layout = layout ?? (try? CgroupMemoryLayout.detect()) else { return [] }
    var removed: [String] = []
    for entry in directoryEntries(layout.root) where entry.isDirectory && entry.name.hasPrefix("paramtrace-") {
      let fields = entry.name.split(separator: "-", maxSplits: 2)
      guard fields.count == 3, let pid = Int32(fields[1]) else { continue }
      guard kill(pid, 0) != 0, errno == ESRCH else { continue }
      let path = "\(layout.root)/\(entry.name)"
      let procs = KernelFile.readIfPresent("\(path)/cgroup.procs") ?? ""
      guard KernelFile.trim(procs).isEmpty, removeDirectory(path: path) == nil else { continue }
      removed.append(path)
    }
    return removed
  }

  // MARK: Reading statistics

  /// The page cache charged to the cgroup: v2 `file`, v1 `total_cache` or `cache`.
  public static func pageCacheBytes(in statistics: [String: UInt64]) -> UInt64? {
    statistics["file"] ?? statistics["total_cache"] ?? statistics["cache"]
  }

  /// The memory charged now: v2 `memory.current`, v1 `memory.usage_in_bytes`.
  public static func usageBytes(in statistics: [String: UInt64]) -> UInt64? {
    statistics["memory.current"] ?? statistics["memory.usage_in_bytes"]
  }

  /// The most memory ever charged: v2 `memory.peak` (Linux 5.19+), v1 `memory.max_usage_in_bytes`.
  public static func peakBytes(in statistics: [String: UInt64]) -> UInt64? { BudgetPressure.peakBytes(in: statistics) }

  /// How often the limit was hit (reclaim forced by it): v2 `memory.events` `max`; v1
  /// `memory.failcnt` plus `memory.memsw.failcnt` (with swap excluded, the memory+swap counter
  /// is charged first and reaches the same limit first, so its failures are the hits).
  public static func limitHits(in statistics: [String: UInt64]) -> UInt64? { BudgetPressure.limitHits(in: statistics)?.count }

  /// Whether the limit was ever reached, from the counters at the end of the run.
  public func pressure(statistics: [String: UInt64]) -> BudgetPressure? {
    BudgetPressure(statistics: statistics, limitBytes: achievedLimitBytes)
  }

  /// The statistics of the cgroup at `path` (see `statistics()`); tests pass a fake directory.
  static func readStatistics(layout: CgroupMemoryLayout, path: String) -> [String: UInt64] {
    var result = KernelFile.parseKeyValues(KernelFile.readIfPresent("\(path)/memory.stat") ?? "")
    let files: [String]
    switch layout {
    case .v1:
      files = [
        "memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt", "memory.limit_in_bytes",
        "memory.memsw.usage_in_bytes", "memory.memsw.max_usage_in_bytes", "memory.memsw.failcnt", "memory.memsw.limit_in_bytes",
      ]
      // `oom_kill_disable 0`, `under_oom 0`, `oom_kill N` (Linux 4.13+).
      for (key, value) in KernelFile.parseKeyValues(KernelFile.readIfPresent("\(path)/memory.oom_control") ?? "") {
        result["memory.oom_control.\(key)"] = value
      }
    case .v2:
      files = ["memory.current", "memory.peak", "memory.max", "memory.high", "memory.swap.current", "memory.swap.peak", "memory.swap.max"]
      for (key, value) in KernelFile.parseKeyValues(KernelFile.readIfPresent("\(path)/memory.events") ?? "") {
        result["memory.events.\(key)"] = value
      }
    }
    for file in files {
      if let text = KernelFile.readIfPresent("\(path)/\(file)"), let value = KernelFile.parseNumber(text) { result[file] = value }
    }
    return result
  }

  // MARK: Setting up

  private static let nameBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".utf8)

  /// cgroup v2 gives children a memory controller only when the parent's
  /// `cgroup.subtree_control` names it. At the root this is always allowed (the root is exempt
  /// from the no-internal-processes rule), so it is enabled when missing; it stays enabled.
  static func enableMemoryController(root: String) throws(MemoryBudgetError) {
    let control = "\(root)/cgroup.subtree_control"
    let text: String
    do { text = try KernelFile.read(control) } catch {
      throw MemoryBudgetError(.controllerNotEnabled(root: root, detail: "cannot read cgroup.subtree_control: \(error)"))
    }
    if CgroupMemoryLayout.listsMemory(controllers: text) { return }
    do { try KernelFile.write(control, "+memory") } catch {
      throw MemoryBudgetError(.controllerNotEnabled(root: root, detail: "enabling it failed: \(error)"))
    }
  }

  /// Writes the limit (and the swap limit) and reads them back.
  private static func configure(
    path: String, layout: CgroupMemoryLayout, limitBytes: UInt64, allowSwap: Bool
  ) throws(MemoryBudgetError) -> (achieved: UInt64, swapExcluded: Bool) {
    switch layout {
    case .v1:
      let limitFile = "\(path)/memory.limit_in_bytes"
      let achieved = try writeLimit(limitFile, requested: limitBytes)
      if allowSwap { return (achieved, false) }
      if swapTotalBytes() == 0 { return (achieved, true) }
      let swapFile = "\(path)/memory.memsw.limit_in_bytes"
      guard KernelFile.exists(swapFile) else { return (achieved, false) }
      _ = try writeLimit(swapFile, requested: achieved)  // memory + swap = memory: no swap
      return (achieved, true)
    case .v2(let root):
      let limitFile = "\(path)/memory.max"
      guard KernelFile.exists(limitFile) else {
        throw MemoryBudgetError(.controllerNotEnabled(root: root, detail: "the new cgroup has no memory.max"))
      }
      let achieved = try writeLimit(limitFile, requested: limitBytes)
      if allowSwap { return (achieved, false) }
      let swapFile = "\(path)/memory.swap.max"
      guard KernelFile.exists(swapFile) else { return (achieved, swapTotalBytes() == 0) }
      try KernelFile.write(swapFile, "0")
      let swap = try KernelFile.readNumber(swapFile)
      guard swap == 0 else { throw MemoryBudgetError(.limitNotAccepted(file: swapFile, requested: 0, achieved: swap)) }
      return (achieved, true)
    }
  }

  /// `SwapTotal` of /proc/meminfo in bytes; nil when unknown.
  static func swapTotalBytes() -> UInt64? {
    ProcMemorySnapshot.parseMeminfo(KernelFile.readIfPresent("/proc/meminfo") ?? "")["SwapTotal"]
  }

  /// Writes `requested` to a limit file and returns what the kernel kept, refusing a
  /// difference of more than one page.
  private static func writeLimit(_ file: String, requested: UInt64) throws(MemoryBudgetError) -> UInt64 {
    try KernelFile.write(file, "\(requested)")
    let achieved = try KernelFile.readNumber(file)
    let difference = achieved > requested ? achieved - requested : requested - achieved
    guard difference <= KernelFile.pageSize else {
      throw MemoryBudgetError(.limitNotAccepted(file: file, requested: requested, achieved: achieved))
    }
    return achieved
  }

  // MARK: Removing

  /// Moves the processes out, removes child cgroups, then rmdir with retries; nil when gone,
  /// else why not.
  static func removeDirectory(path: String, deadlineSeconds: Double = 5) -> String? {
    guard KernelFile.exists(path) else { return nil }
    let parent = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    let start = KernelFile.monotonicSeconds()
    var attempt = 0
    while true {
      for entry in directoryEntries(path) where entry.isDirectory {
        _ = removeDirectory(path: "\(path)/\(entry.name)", deadlineSeconds: deadlineSeconds / 2)
      }
      for pid in (KernelFile.readIfPresent("\(path)/cgroup.procs") ?? "").split(separator: "\n") {
        try? KernelFile.write("\(parent)/cgroup.procs", String(pid))
      }
      if rmdir(path) == 0 { return nil }
      let code = Errno(rawValue: errno)
      if code == .noSuchFileOrDirectory { return nil }
      guard code == .resourceBusy || code == .resourceTemporarilyUnavailable || code == .interrupted else {
        return MemoryBudgetError(.access(operation: "rmdir", path: path, errno: code)).description
      }
      if attempt == 3, KernelFile.exists("\(path)/memory.force_empty") {
        try? KernelFile.write("\(path)/memory.force_empty", "0")  // v1: reclaim what is still charged
      }
      if KernelFile.monotonicSeconds() - start > deadlineSeconds {
        let left = KernelFile.trim(KernelFile.readIfPresent("\(path)/cgroup.procs") ?? "")
        return "rmdir \(path): still busy after \(Int(deadlineSeconds)) s"
          + (left.isEmpty ? "." : " (processes inside: \(left.split(separator: "\n").joined(separator: ", "))).")
          + " Remove it later with `rmdir \(path)`."
      }
      usleep(UInt32(min(10_000 << min(attempt, 5), 200_000)))
      attempt += 1
    }
  }

  /// The entries of a directory except `.` and `..`; empty when it cannot be read.
  static func directoryEntries(_ path: String) -> [(name: String, isDirectory: Bool)] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var result: [(String, Bool)] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name == "." || name == ".." { continue }
      var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
      if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
        var status = stat()
        isDirectory = lstat("\(path)/\(name)", &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
      }
      result.append((name, isDirectory))
    }
    return result
  }
}
