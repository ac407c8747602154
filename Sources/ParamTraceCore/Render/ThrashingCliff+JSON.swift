extension ThrashingCliff {
  /// The cliff's JSON members, the same in `sweep.json` and `report --format json`: exact
  /// bytes of both sides (`thrashing_budget_bytes`, `calm_budget_bytes`; `…_lock_bytes` for
  /// locks), their labels, median tokens/s and share of the model re-read per decode pass, why the
  /// thrashing side thrashes, and the threshold.
  public var jsonMembers: [(String, JSONValue)] {
    let kind = if case .lock = thrashing.memory { "lock" } else { "budget" }
    return [
      ("thrashing_\(kind)_bytes", .optional(thrashing.bytes)), ("calm_\(kind)_bytes", .optional(calm.bytes)),
      ("thrashing_label", .string(thrashing.label)), ("calm_label", .string(calm.label)),
      ("thrashing_verdict", .string(thrashing.verdict.rawValue)),
      ("tokens_per_second_thrashing", .optional(thrashing.tokensPerSecond)), ("tokens_per_second_calm", .optional(calm.tokensPerSecond)),
      ("decode_reread_per_pass_thrashing", thrashing.sharePerPass ? .optional(thrashing.thrashShare) : .null),
      ("decode_reread_per_pass_calm", calm.sharePerPass ? .optional(calm.thrashShare) : .null),
      ("thrash_share_threshold", .double(threshold)),
      ("tokens_per_second_drop_limit", .double(Self.tokensPerSecondDropLimit)),
    ]
  }
}
