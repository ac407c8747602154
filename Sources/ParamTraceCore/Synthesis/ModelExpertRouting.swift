/// Which experts every token of a replay is routed to in every MoE layer: computed once before
/// the run (the threads only look it up), and what `replay --experts-log` writes, so tests and
/// the `experts` analysis can compare a trace with what was touched.
public struct ModelExpertRouting: Sendable, Hashable {
  /// One token's experts in one layer.
  public struct Choice: Sendable, Hashable {
    /// Token index in the run: prompt tokens 0..<P, then decode tokens.
    public var token: Int
    /// True for a prompt token (the prompt is one batch: the union of its tokens' experts is read).
    public var isPrompt: Bool
    public var layer: Int
    /// Expert ids, ascending.
    public var experts: [Int]
  }

  /// Every choice, by token, then layer.
  public var choices: [Choice]
  /// `table[token][layer]`: the experts, empty for dense layers.
  private var table: [[[Int]]]

  /// The routing of `promptTokens` prompt tokens and `tokens` decode tokens through `plan`'s MoE
  /// layers by `router`.
  public init(plan: ModelReplayPlan, router: ModelExpertRouter, promptTokens: Int, tokens: Int) {
    let layers = plan.expertLayers
    let width = (plan.layers.max() ?? -1) + 1
    choices = []
    table = []
    guard !layers.isEmpty else { return }
    let total = max(promptTokens, 0) + max(tokens, 0)
    choices.reserveCapacity(total * layers.count)
    table.reserveCapacity(total)
    for token in 0..<total {
      var row = [[Int]](repeating: [], count: width)
      for entry in layers {
        let experts = router.experts(token: token, layer: entry.layer, count: entry.count, used: entry.used)
        row[entry.layer] = experts
        choices.append(Choice(token: token, isPrompt: token < promptTokens, layer: entry.layer, experts: experts))
      }
      table.append(row)
    }
  }

  /// The experts of `token` in `layer` (empty for a dense layer or a token out of range).
  public func experts(token: Int, layer: Int) -> [Int] {
    guard token >= 0, token < table.count, layer >= 0, layer < table[token].count else { return [] }
    return table[token][layer]
  }

  /// One JSON object per line and per (token, layer):
  /// `{"token":0,"phase":"prompt","layer":0,"experts":[3,17,20,31]}`.
  public func jsonLines() -> String {
    var text = ""
    text.reserveCapacity(choices.count * 48)
    for choice in choices {
      text += "{\"token\":\(choice.token),\"phase\":\"\(choice.isPrompt ? "prompt" : "decode")\",\"layer\":\(choice.layer),"
      text += "\"experts\":[\(choice.experts.map(String.init).joined(separator: ","))]}\n"
    }
    return text
  }

  /// How many times each expert was chosen in each layer over the decode tokens:
  /// `[layer: counts by expert id]`.
  public func decodeCounts(expertCount: Int) -> [Int: [Int]] {
    var counts: [Int: [Int]] = [:]
    for choice in choices where !choice.isPrompt {
      var row = counts[choice.layer] ?? Array(repeating: 0, count: expertCount)
      for expert in choice.experts where expert < expertCount { row[expert] += 1 }
      counts[choice.layer] = row
    }
    return counts
  }
}
