/// Whether a cgroup memory budget ever bit: did the workload's memory reach the limit, so that
/// the kernel had to reclaim to keep it under? A budget that was never reached put no pressure
/// on the run, whatever its size, and is no point on a pressure curve.
///
/// Read from the cgroup's counters at the end of the run (`MemoryCgroup.statistics()`, also
/// kept in the manifest as `memory.cgroup_statistics`):
/// - limit hits: v2 `memory.events` `max` (charges that would have gone over `memory.max`); v1
///   `memory.failcnt` plus `memory.memsw.failcnt` (with swap kept out, the memory+swap counter
///   has the same limit and is charged first, and Linux 6.18 then counts the hits there);
/// - peak: v2 `memory.peak` (Linux 5.19+), v1 `memory.max_usage_in_bytes`;
/// - OOM kills: v2 `memory.events` `oom_kill`, v1 `memory.oom_control` `oom_kill`.
public struct BudgetPressure: Sendable, Hashable {
  public enum Verdict: String, Sendable, Hashable {
    /// The limit was hit: the kernel reclaimed (page cache first) to keep the workload under it.
    case limitReached = "limit_reached"
    /// Never hit: the workload fit in the budget.
    case noPressure = "no_pressure"
    /// No counter to tell.
    case unknown
  }

  /// The limit the kernel enforced, in bytes.
  public var limitBytes: UInt64
  /// The most memory the cgroup was ever charged, in bytes.
  public var peakBytes: UInt64?
  /// How often a charge hit the limit.
  public var limitHits: UInt64?
  /// The counter `limitHits` comes from, as the kernel names it.
  public var limitHitsCounter: String?
  /// Processes the OOM killer ended inside the cgroup.
  public var oomKills: UInt64?

  public init(limitBytes: UInt64, peakBytes: UInt64?, limitHits: UInt64?, limitHitsCounter: String?, oomKills: UInt64?) {
    self.limitBytes = limitBytes
    self.peakBytes = peakBytes
    self.limitHits = limitHits
    self.limitHitsCounter = limitHitsCounter
    self.oomKills = oomKills
  }

  /// From a cgroup's counters (keys as `MemoryCgroup.statistics()` names them); the limit is
  /// the one read back when the cgroup was set up, else `memory.max` / `memory.limit_in_bytes`.
  public init?(statistics: [String: UInt64], limitBytes: UInt64? = nil) {
    guard let limit = limitBytes ?? statistics["memory.max"] ?? statistics["memory.limit_in_bytes"] else { return nil }
    let hits = Self.limitHits(in: statistics)
    self.init(
      limitBytes: limit, peakBytes: Self.peakBytes(in: statistics), limitHits: hits?.count, limitHitsCounter: hits?.counter,
      oomKills: statistics["memory.events.oom_kill"] ?? statistics["memory.oom_control.oom_kill"])
  }

  /// The most memory ever charged: v2 `memory.peak`, v1 `memory.max_usage_in_bytes`.
  public static func peakBytes(in statistics: [String: UInt64]) -> UInt64? {
    statistics["memory.peak"] ?? statistics["memory.max_usage_in_bytes"]
  }

  /// How often the limit was hit, and from which counter: v2 `memory.events` `max`; v1
  /// `memory.failcnt` plus `memory.memsw.failcnt`.
  public static func limitHits(in statistics: [String: UInt64]) -> (count: UInt64, counter: String)? {
    if let events = statistics["memory.events.max"] { return (events, "memory.events max") }
    guard let failures = statistics["memory.failcnt"] else { return nil }
    guard let swap = statistics["memory.memsw.failcnt"] else { return (failures, "memory.failcnt") }
    return (failures + swap, "memory.failcnt + memory.memsw.failcnt")
  }

  /// Reached when the limit was hit; without a hit counter, when the peak came within a page
  /// of the limit (a peak below it means it was never reached).
  public var verdict: Verdict {
    if let limitHits { return limitHits > 0 ? .limitReached : .noPressure }
    guard let peakBytes else { return .unknown }
    return peakBytes + 4096 >= limitBytes ? .limitReached : .noPressure
  }

  /// True when the limit was reached, false when it never was, nil when unknown.
  public var wasReached: Bool? { verdict == .unknown ? nil : verdict == .limitReached }

  /// Peak / limit.
  public var peakShareOfLimit: Double? { peakBytes.map { Double($0) / Double(max(limitBytes, 1)) } }

  /// `no pressure: the limit (4.10 GiB) was never reached (peak 4.07 GiB, 99.2% of it; memory.failcnt 0)`.
  public var sentence: String {
    let limit = HumanUnits.bytes(limitBytes)
    let peak = peakBytes.map { "peak \(HumanUnits.bytes($0)), \(formatFixed((peakShareOfLimit ?? 0) * 100, 1))% of it" }
    let hits = limitHits.map { "\(limitHitsCounter ?? "limit hits") \(HumanUnits.grouped($0))" }
    let details = [peak, hits].compactMap { $0 }.joined(separator: "; ")
    let oom = (oomKills ?? 0) > 0 ? "; the OOM killer ended \(HumanUnits.grouped(oomKills!)) process\(oomKills! == 1 ? "" : "es")" : ""
    switch verdict {
    case .limitReached: return "limit reached: the workload hit its \(limit) limit (\(details))\(oom)"
    case .noPressure:
      return "no pressure: the \(limit) limit was never reached (\(details)); this budget did not constrain the run\(oom)"
    case .unknown: return "unknown: the cgroup has no counter that tells whether the \(limit) limit was reached"
    }
  }
}
