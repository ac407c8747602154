extension BudgetPressure {
  /// The manifest's `budget_pressure`: the verdict, then the counters it rests on (null when
  /// the kernel has no such counter).
  public var json: JSONValue {
    .object([
      ("verdict", .string(verdict.rawValue)), ("limit_bytes", .number(limitBytes)), ("peak_bytes", .optional(peakBytes)),
      ("peak_share_of_limit", .optional(peakShareOfLimit)), ("limit_hits", .optional(limitHits)),
      ("limit_hits_counter", limitHitsCounter.map { .string($0) } ?? .null), ("oom_kills", .optional(oomKills)),
    ])
  }

  /// Reads `budget_pressure` back (the verdict is recomputed from the counters).
  public init?(json: JSONValue) {
    guard let limit = json["limit_bytes"]?.uint64 else { return nil }
    self.init(
      limitBytes: limit, peakBytes: json["peak_bytes"]?.uint64, limitHits: json["limit_hits"]?.uint64,
      limitHitsCounter: json["limit_hits_counter"]?.string, oomKills: json["oom_kills"]?.uint64)
  }
}
