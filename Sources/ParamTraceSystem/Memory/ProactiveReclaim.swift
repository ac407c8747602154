import ParamTraceCore

/// Kernel agents that evict page-cache pages without any memory pressure: DAMON schemes whose
/// action is `pageout`, set up through DAMON's sysfs interface (`kdamonds/N`) or by the
/// `damon_reclaim` module. With one running, a page the workload read can be gone before it
/// is used, and read again: re-reads that no budget caused. This project's VM runs one (a
/// kdamond paging out physical memory unaccessed for 60 s, up to 128 MiB/s); a file read there
/// with 21 GB free lost 2 MiB of its 512 MiB in 10 s, and one cold single-pass mmap run in CI
/// read 24 KiB twice.
public struct ProactiveReclaim: Sendable, Equatable {
  /// One evicting scheme.
  public struct Scheme: Sendable, Equatable {
    /// Where it is set up: `kdamond 0, context 0, scheme 0` or `damon_reclaim module`.
    public var source: String
    /// DAMON's address space: `paddr` (all physical memory), `vaddr`/`fvaddr` (some processes).
    public var operations: String?
    /// Regions unaccessed at least this long are evicted; nil when unknown.
    public var minimumAgeSeconds: Double?
    /// The most it evicts per second (its size quota); nil when it has none.
    public var quotaBytesPerSecond: UInt64?
    /// Its page filters as written (`anon: reject, unmapped: allow`); empty without any.
    public var filters: [String]
    /// What stops it, for the user: this value written to this file.
    public var stopPath: String
    public var stopValue: String
  }

  public var schemes: [Scheme]
  public var isActive: Bool { !schemes.isEmpty }

  public init(schemes: [Scheme]) { self.schemes = schemes }

  /// The evicting schemes running now, read from `sysRoot` (`/sys`, or a copy in tests).
  /// Unreadable files leave out what they would have said; nothing here is written.
  public static func detect(sysRoot: String = "/sys") -> ProactiveReclaim {
    var schemes: [Scheme] = []
    let admin = sysRoot + "/kernel/mm/damon/admin/kdamonds"
    for kdamond in numberedEntries(admin) where text(admin + "/\(kdamond)/state") == "on" {
      let contexts = admin + "/\(kdamond)/contexts"
      for context in numberedEntries(contexts) {
        let base = contexts + "/\(context)"
        let aggregationMicroseconds = number(base + "/monitoring_attrs/intervals/aggr_us")
        for scheme in numberedEntries(base + "/schemes") {
          let path = base + "/schemes/\(scheme)"
          guard text(path + "/action") == "pageout" else { continue }
          // The age is counted in aggregation intervals.
          let age = number(path + "/access_pattern/age/min").flatMap { intervals in
            aggregationMicroseconds.map { Double(intervals) * Double($0) / 1e6 }
          }
          schemes.append(
            Scheme(
              source: "kdamond \(kdamond), context \(context), scheme \(scheme)", operations: text(base + "/operations"),
              minimumAgeSeconds: age,
              quotaBytesPerSecond: perSecond(bytes: number(path + "/quotas/bytes"), milliseconds: number(path + "/quotas/reset_interval_ms")),
              filters: ["filters", "ops_filters", "core_filters"].flatMap { filters(path + "/" + $0) },
              stopPath: "\(admin)/\(kdamond)/state", stopValue: "off"))
        }
      }
    }
    let module = sysRoot + "/module/damon_reclaim/parameters"
    if text(module + "/enabled") == "Y" {
      schemes.append(
        Scheme(
          source: "damon_reclaim module", operations: "paddr", minimumAgeSeconds: number(module + "/min_age").map { Double($0) / 1e6 },
          quotaBytesPerSecond: perSecond(bytes: number(module + "/quota_sz"), milliseconds: number(module + "/quota_reset_interval_ms")),
          filters: [], stopPath: module + "/enabled", stopValue: "N"))
    }
    return ProactiveReclaim(schemes: schemes)
  }

  /// The line `record` prints before the run; the warning after it says what it cost.
  public var notice: String? {
    schemes.first.map { "proactive reclaim is on (DAMON pageout, \($0.source)): the page cache loses pages without memory pressure, whatever the budget" }
  }

  /// One sentence for the user: what evicts, and what it means for the run's re-reads. After
  /// the run, `refaultedPages` (vmstat's workingset_refault_file over the run, the whole
  /// machine's), the model's re-read bytes and, when nothing else evicted it (cold start, no
  /// budget), the most of the model cachestat saw evicted at once say how much it may have cost.
  public func warning(refaultedPages: Int64? = nil, modelReReadBytes: UInt64? = nil, modelEvictedBytes: UInt64? = nil) -> String? {
    guard let first = schemes.first else { return nil }
    let age = first.minimumAgeSeconds.map { " it sees unaccessed for \(formatFixed($0, 0)) s or more" } ?? ""
    let rate = first.quotaBytesPerSecond.map { ", up to \(HumanUnits.rate(Double($0)))" } ?? ""
    let more = schemes.count > 1 ? " (and \(schemes.count - 1) more scheme\(schemes.count > 2 ? "s" : ""))" : ""
    var sentence = "Proactive reclaim is on: DAMON's pageout scheme (\(first.source))\(more) evicts page-cache pages\(age)\(rate), "
      + "with or without a budget, so some re-reads may be its evictions, not the budget's."
    if let refaultedPages {
      let reReads = modelReReadBytes.flatMap { $0 > 0 ? "; the model's re-reads were \(HumanUnits.bytes($0))" : nil } ?? ""
      let evicted = modelEvictedBytes.map { "; with no budget, cachestat saw up to \(HumanUnits.bytes($0)) of the model evicted at once" } ?? ""
      sentence += " During the run the kernel read \(refaultedPages) evicted page\(refaultedPages == 1 ? "" : "s") again, machine-wide (vmstat workingset_refault_file)\(reReads)\(evicted)."
    }
    return sentence
      + " To measure without it, if the machine's owner allows: record --pause-proactive-reclaim (it writes \(first.stopValue) to \(first.stopPath)"
      + " for the run, and the old value back after)."
  }

  public var json: JSONValue {
    .array(
      schemes.map { scheme in
        .object([
          ("source", .string(scheme.source)), ("operations", scheme.operations.map { .string($0) } ?? .null),
          ("action", .string("pageout")), ("minimum_age_seconds", scheme.minimumAgeSeconds.map { .double($0) } ?? .null),
          ("quota_bytes_per_second", .optional(scheme.quotaBytesPerSecond)),
          ("filters", .array(scheme.filters.map { .string($0) })),
        ])
      })
  }

  // MARK: - sysfs

  private static func text(_ path: String) -> String? { KernelFile.readIfPresent(path).map(KernelFile.trim) }

  private static func number(_ path: String) -> UInt64? { text(path).flatMap { UInt64($0) } }

  /// A size quota of `bytes` per `milliseconds` as bytes per second; nil without one (0 is none).
  private static func perSecond(bytes: UInt64?, milliseconds: UInt64?) -> UInt64? {
    guard let bytes, bytes > 0, let milliseconds, milliseconds > 0 else { return nil }
    return bytes.multipliedReportingOverflow(by: 1000).overflow ? UInt64.max : bytes * 1000 / milliseconds
  }

  /// The entries `0`, `1`, … of a DAMON directory, in order.
  private static func numberedEntries(_ directory: String) -> [Int] {
    (directoryEntryNames(directory) ?? []).compactMap { Int($0) }.sorted()
  }

  private static func filters(_ directory: String) -> [String] {
    numberedEntries(directory).compactMap { index in
      let path = directory + "/\(index)"
      guard let type = text(path + "/type") else { return nil }
      let matching = text(path + "/matching") == "N" ? "not " : ""
      let allow = text(path + "/allow").map { $0 == "Y" ? "allow" : "reject" } ?? "reject"
      return "\(matching)\(type): \(allow)"
    }
  }
}
