/// The model's page-cache residency over a run, per layer (issue 14, item 2): what `record`
/// writes to `residency.json` and the report draws as a heat map. Values are stored flat, one
/// row of `groups.count` values per sample, so a long run costs one array, not one per sample.
public struct ResidencyTimeline: Sendable {
  /// How the pages were counted: `cachestat` (Linux 6.5+, with evictions) or `mincore`.
  public enum Method: String, Sendable { case cachestat, mincore }

  /// The groups sampled (layers, then `other`), with their sizes.
  public var groups: [ModelResidencyRanges.Group]
  public var method: Method
  /// The interval asked for, in nanoseconds.
  public var intervalNanoseconds: UInt64
  /// Sample times, CLOCK_MONOTONIC nanoseconds (the trace's clock).
  public private(set) var times: ContiguousArray<UInt64> = []
  /// Resident bytes, `groups.count` per sample.
  public private(set) var residentBytes: ContiguousArray<UInt64> = []
  /// cachestat's evicted and recently-evicted pages, `groups.count` per sample; empty with mincore.
  public private(set) var evictedPages: ContiguousArray<UInt64> = []
  public private(set) var recentlyEvictedPages: ContiguousArray<UInt64> = []
  /// CPU time the samples took in all (the sampling thread's, syscalls included): the recorder's cost.
  public var samplingNanoseconds: UInt64 = 0
  /// Samples taken later than the interval because the one before cost more than the
  /// sampler's cap (0.5 % of one core).
  public var stretchedIntervals = 0

  public init(groups: [ModelResidencyRanges.Group], method: Method, intervalNanoseconds: UInt64) {
    self.groups = groups
    self.method = method
    self.intervalNanoseconds = intervalNanoseconds
  }

  /// Number of samples.
  public var count: Int { times.count }

  /// Adds one sample: `resident` has one value per group; `evicted` and `recentlyEvicted`
  /// too, or are empty (mincore).
  public mutating func append(time: UInt64, resident: [UInt64], evicted: [UInt64] = [], recentlyEvicted: [UInt64] = []) {
    precondition(resident.count == groups.count, "one resident value per group")
    times.append(time)
    residentBytes.append(contentsOf: resident)
    if evicted.count == groups.count { evictedPages.append(contentsOf: evicted) }
    if recentlyEvicted.count == groups.count { recentlyEvictedPages.append(contentsOf: recentlyEvicted) }
  }

  /// The most pages of the model evicted and not read back at any one sample (the sum over
  /// the groups; a page read back leaves the count); nil with mincore, or without samples.
  /// After a cold start (DONTNEED leaves no shadow entries) and without a budget, these are
  /// the evictions of whatever else reclaims: memory pressure, or proactive reclaim.
  public var peakEvictedPages: UInt64? {
    guard !evictedPages.isEmpty, !times.isEmpty else { return nil }
    let width = groups.count
    return (0..<times.count).map { sample in evictedPages[sample * width..<(sample + 1) * width].reduce(0, +) }.max()
  }

  /// Resident bytes of group `group` in sample `sample`.
  public func resident(sample: Int, group: Int) -> UInt64 { residentBytes[sample * groups.count + group] }

  /// `residency.json`: the groups, then one array per column (time, resident bytes per
  /// group, evictions), so DuckDB's `read_json` or a few lines of Python read it directly.
  public var json: JSONValue {
    let width = groups.count
    func rows(_ values: ContiguousArray<UInt64>) -> JSONValue {
      guard !values.isEmpty else { return .null }
      return .array((0..<times.count).map { sample in .array((0..<width).map { .number(values[sample * width + $0]) }) })
    }
    return .object([
      ("format", .string("paramtrace-residency")), ("version", .number(1)), ("method", .string(method.rawValue)),
      ("interval_ns", .number(intervalNanoseconds)), ("clock", .string("CLOCK_MONOTONIC")),
      ("groups", .array(groups.map { .object([("name", .string($0.name)), ("layer", .optional($0.layer)), ("bytes", .number($0.bytes)), ("ranges", .number($0.ranges.count))]) })),
      ("samples", .number(times.count)), ("sampling_ns", .number(samplingNanoseconds)),
      ("intervals_stretched_for_cost", .number(stretchedIntervals)),
      ("time_ns", .array(times.map { .number($0) })),
      ("resident_bytes", rows(residentBytes)),
      ("evicted_pages", rows(evictedPages)),
      ("recently_evicted_pages", rows(recentlyEvictedPages)),
    ])
  }
}
