extension ThrashingCliff {
  /// The rule in one sentence, for footnotes and captions.
  public var ruleDescription: String {
    if case .lock = thrashing.memory { return Self.rule(kind: "lock", threshold: threshold) }
    return Self.rule(kind: "budget", threshold: threshold)
  }

  /// The rule for a `kind` of memory configuration (`budget`, `lock`).
  public static func rule(kind: String, threshold: Double) -> String {
    "a \(kind) thrashes when its decode phase re-reads more than \(formatFixed(threshold * 100, 0))% of the model per decode pass "
      + "(prompt pass + eval runs), or when its tokens/s are more than a third below the best with more memory (unless it never reached its limit)"
  }

  /// `budget-4100MiB (4100 MiB): 1.81 tokens/s, more than a third below 6.10 with more memory`,
  /// with the budget's bytes written by `bytes`.
  public static func describe(_ side: Configuration, bytes: (UInt64) -> String) -> String {
    var parts: [String] = []
    if let tokens = side.tokensPerSecond { parts.append("\(formatFixed(tokens, 2)) tokens/s") }
    if let share = side.thrashShare {
      parts.append(
        side.sharePerPass
          ? "\(formatFixed(share * 100, 1))% of the model re-read per decode pass"
          : "re-read factor \(formatFixed(share + 1, 2)) (no decode phase)")
    }
    if side.verdict == .slowedDown, let reference = side.referenceTokensPerSecond {
      parts.append("more than a third below \(formatFixed(reference, 2)) tokens/s with more memory")
    }
    let name = side.bytes.map { "\(side.label) (\(bytes($0)))" } ?? side.label
    return parts.isEmpty ? name : name + ": " + parts.joined(separator: ", ")
  }
}

extension ThrashingCliff.Verdict {
  /// `thrashes`, `slowed down`, `calm`, `–`.
  public var words: String {
    switch self {
    case .thrashes: "thrashes"
    case .slowedDown: "slowed down"
    case .calm: "calm"
    case .unknown: "–"
    }
  }
}
