/// The mixture-of-experts columns of a report row, read from an analysis's `tensors.experts`:
/// what a MoE user compares across budgets and load modes (how many experts a token pulls
/// per layer, how much the next token reuses, how concentrated the reads are, and how a
/// token's bytes split between experts and dense weights).
public struct ExpertColumns: Sendable, Hashable {
  /// Mean number of experts read per decode pass and expert layer.
  public var perLayerPerToken: Double?
  /// Share of a pass's experts (per layer) that the pass before read too, in percent.
  public var reusePercent: Double?
  /// Share of all expert bytes read from the ten hottest (layer, expert) pairs, in percent.
  public var hotTenPercent: Double?
  /// Bytes per decode pass read from expert tensors and from everything else.
  public var expertBytesPerToken: Double?
  public var denseBytesPerToken: Double?
  /// Share of the expert bytes that readahead brought in rather than the workload's faults, in percent.
  public var readaheadPercent: Double?

  public init(json: ParsedJSON) {
    perLayerPerToken = json[path: "per_token", "experts_per_layer", "mean"]?.double
    reusePercent = json[path: "per_token", "reuse_share"]?.double.map { $0 * 100 }
    hotTenPercent = json["hot_share"]?.double.map { $0 * 100 }
    expertBytesPerToken = json[path: "per_token", "expert_bytes"]?.double
    denseBytesPerToken = json[path: "per_token", "dense_bytes"]?.double
    if let total = json["total_bytes"]?.double, total > 0, let readahead = json["readahead_bytes"]?.double {
      readaheadPercent = readahead / total * 100
    }
  }
}
