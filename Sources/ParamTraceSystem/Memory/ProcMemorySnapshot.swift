/// `/proc/meminfo` and `/proc/vmstat` at one moment, for the page-cache and paging deltas of a
/// run (docs/metrics.md lesson 7: the page-cache delta alone is a weak signal).
public struct ProcMemorySnapshot: Sendable {
  /// `/proc/meminfo` in bytes (`MemTotal`, `MemAvailable`, `Cached`, …); the few lines without
  /// a `kB` unit (`HugePages_Total`, …) are counts, as the kernel prints them.
  public var meminfo: [String: UInt64]
  /// `/proc/vmstat` counters as the kernel prints them. Units are the kernel's: `pgpgin` and
  /// `pgpgout` are KiB, `pgmajfault` and `workingset_refault_file` are events (pages),
  /// `nr_*` are pages.
  public var vmstat: [String: UInt64]
  /// CLOCK_MONOTONIC when it was taken, in seconds.
  public var monotonicSeconds: Double

  /// The counters worth reporting for a run: major faults, KiB read from disk, refaults of
  /// evicted file pages (thrashing), and reclaim activity.
  public static let keyCounters = [
    "pgmajfault", "pgpgin", "workingset_refault_file", "workingset_activate_file",
    "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct",
  ]

  /// Reads both files now.
  ///
  /// - Throws: `MemoryBudgetError.Reason.access` when /proc cannot be read.
  public static func take() throws -> ProcMemorySnapshot {
    let time = KernelFile.monotonicSeconds()
    return ProcMemorySnapshot(
      meminfoText: try KernelFile.read("/proc/meminfo"), vmstatText: try KernelFile.read("/proc/vmstat"), monotonicSeconds: time)
  }

  /// Parses the texts of `/proc/meminfo` and `/proc/vmstat`.
  public init(meminfoText: String, vmstatText: String, monotonicSeconds: Double = 0) {
    meminfo = Self.parseMeminfo(meminfoText)
    vmstat = KernelFile.parseKeyValues(vmstatText)
    self.monotonicSeconds = monotonicSeconds
  }

  /// `later - self` for every vmstat counter present in both (counters can also fall, such as
  /// `nr_*` gauges, hence signed).
  public func delta(to later: ProcMemorySnapshot) -> [String: Int64] {
    var result: [String: Int64] = [:]
    for (key, before) in vmstat {
      guard let after = later.vmstat[key] else { continue }
      result[key] = Int64(truncatingIfNeeded: after &- before)
    }
    return result
  }

  /// `later - self` for every meminfo value present in both, in bytes (`Cached`, `MemAvailable`, …).
  public func meminfoDelta(to later: ProcMemorySnapshot) -> [String: Int64] {
    var result: [String: Int64] = [:]
    for (key, before) in meminfo {
      guard let after = later.meminfo[key] else { continue }
      result[key] = Int64(truncatingIfNeeded: after &- before)
    }
    return result
  }

  /// `Key:   123 kB` lines (spaces or tabs, as in `/proc/PID/status`), in bytes.
  static func parseMeminfo(_ text: String) -> [String: UInt64] {
    var result: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let fields = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard let first = fields.first, let value = UInt64(first) else { continue }
      let kilobytes = fields.count > 1 && fields[1] == "kB"
      result[String(line[..<colon])] = kilobytes ? value * 1024 : value
    }
    return result
  }
}
