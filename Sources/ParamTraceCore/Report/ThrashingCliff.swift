/// Where a sweep over memory starts to thrash: the largest budget that thrashes and the
/// smallest larger one that does not. One rule, used by `sweep --find-cliff` to narrow the
/// budget and by `report` to draw the band and fill `cliff` in its JSON.
///
/// Each memory configuration (runs with the same budget, or the same lock) is judged on the
/// medians of its finished runs:
/// - it **thrashes** when its decode phase re-read more than `threshold` of the model per
///   decode pass (`DecodePasses`), or when its tokens/s are more than a third below the best
///   median tokens/s of the configurations with more memory (the unconstrained one included): a
///   budget that costs a third of the speed is not calm, whatever its share says (issue 11: a
///   share of 0.0997 under a 0.1 threshold at 1.81 tokens/s, against 6.10 with 100 MiB more).
///   Unless none of its runs ever reached its limit (`BudgetPressure`): memory that never ran
///   short cannot have slowed it (on this 2-core machine, a busy neighbour halves tokens/s);
/// - it is **calm** when neither holds and its share is known;
/// - else its verdict is unknown (no analysis, no token counts), and it bounds nothing.
///
/// Without a load/decode split (no llama.cpp load time) the whole run's re-read factor − 1
/// stands in for the share, so a run that read the model N times over still counts as thrashing.
public struct ThrashingCliff: Sendable, Hashable {
  /// Share of the model per decode pass above which a configuration thrashes, by default.
  public static let defaultThreshold = 0.10
  /// A configuration whose tokens/s fall more than this fraction below the best with more
  /// memory thrashes.
  public static let tokensPerSecondDropLimit = 1.0 / 3

  /// One run, as the rule sees it.
  public struct Run: Sendable, Hashable {
    public enum Memory: Sendable, Hashable {
      /// No limit: the reference for tokens/s, never a side of the cliff.
      case unconstrained
      /// A cgroup budget of that many bytes (more bytes, more room).
      case budget(UInt64)
      /// That many bytes locked away (more bytes, less room).
      case lock(UInt64)
    }

    /// The configuration's name (a sweep's label, or the experiment's).
    public var label: String
    public var memory: Memory
    public var tokensPerSecond: Double?
    /// Bytes the decode phase read again / model size / decode passes (`DecodePasses`).
    public var decodeSharePerPass: Double?
    /// Bytes read / unique bytes of the whole run: the stand-in without a decode phase.
    public var rereadFactor: Double?
    /// Whether the workload ever reached its cgroup limit; nil when unknown (locks, old runs).
    public var limitReached: Bool?

    public init(
      label: String, memory: Memory, tokensPerSecond: Double?, decodeSharePerPass: Double?, rereadFactor: Double?, limitReached: Bool? = nil
    ) {
      self.label = label
      self.memory = memory
      self.tokensPerSecond = tokensPerSecond
      self.decodeSharePerPass = decodeSharePerPass
      self.rereadFactor = rereadFactor
      self.limitReached = limitReached
    }

    /// The share the verdict uses: per decode pass, else the re-read factor − 1.
    public var thrashShare: Double? { decodeSharePerPass ?? rereadFactor.map { Swift.max(0, $0 - 1) } }
  }

  /// Why a configuration thrashes, or that it does not.
  public enum Verdict: String, Sendable, Hashable {
    /// More than the threshold of the model re-read per decode pass.
    case thrashes
    /// Tokens/s more than a third below the best with more memory (share at or under the threshold).
    case slowedDown = "slowed_down"
    case calm
    /// Nothing to judge by.
    case unknown

    /// True for both ways of thrashing.
    public var isThrashing: Bool { self == .thrashes || self == .slowedDown }
  }

  /// One memory configuration with its medians and verdict.
  public struct Configuration: Sendable, Hashable {
    public var label: String
    public var memory: Run.Memory
    /// Finished runs it is the median of.
    public var runs: Int
    public var tokensPerSecond: Double?
    public var thrashShare: Double?
    /// True when `thrashShare` is per decode pass (false: re-read factor − 1).
    public var sharePerPass: Bool
    /// The best median tokens/s with more memory, when there is one.
    public var referenceTokensPerSecond: Double?
    /// True when every run said its limit was never reached: a slowdown is then not memory's.
    public var limitNeverReached: Bool
    public var verdict: Verdict

    /// Bytes of the budget or lock; nil when unconstrained.
    public var bytes: UInt64? {
      switch memory {
      case .unconstrained: nil
      case .budget(let bytes), .lock(let bytes): bytes
      }
    }
  }

  /// The roomiest configuration that thrashes.
  public var thrashing: Configuration
  /// The least roomy configuration with more room than `thrashing` that is calm.
  public var calm: Configuration
  /// The share per pass it was judged with.
  public var threshold: Double

  /// Judges every configuration of `runs`, in the order of their first run; unconstrained
  /// runs get a configuration too (verdict unknown: they are the reference, not a side).
  public static func configurations(_ runs: [Run], threshold: Double = defaultThreshold) -> [Configuration] {
    var order: [Run.Memory] = []
    var members: [Run.Memory: [Run]] = [:]
    for run in runs {
      if members[run.memory] == nil { order.append(run.memory) }
      members[run.memory, default: []].append(run)
    }
    var configurations = order.map { memory -> Configuration in
      let group = members[memory]!
      let perPass = group.compactMap(\.decodeSharePerPass)
      return Configuration(
        label: group[0].label, memory: memory, runs: group.count, tokensPerSecond: median(group.compactMap(\.tokensPerSecond)),
        thrashShare: median(perPass.isEmpty ? group.compactMap(\.thrashShare) : perPass), sharePerPass: !perPass.isEmpty,
        referenceTokensPerSecond: nil, limitNeverReached: group.allSatisfy { $0.limitReached == false }, verdict: .unknown)
    }
    for index in configurations.indices where configurations[index].memory != .unconstrained {
      let room = Self.room(configurations[index].memory)
      let reference = configurations.filter { Self.room($0.memory) > room }.compactMap(\.tokensPerSecond).max()
      configurations[index].referenceTokensPerSecond = reference
      let share = configurations[index].thrashShare
      if let share, share > threshold {
        configurations[index].verdict = .thrashes
      } else if let tokens = configurations[index].tokensPerSecond, let reference, tokens < reference * (1 - tokensPerSecondDropLimit),
        !configurations[index].limitNeverReached
      {
        configurations[index].verdict = .slowedDown
      } else if share != nil {
        configurations[index].verdict = .calm
      }
    }
    return configurations
  }

  /// The cliff among budgets (or among locks, with `locks`): nil when no configuration
  /// thrashes, or none with more room is calm.
  public init?(_ runs: [Run], threshold: Double = defaultThreshold, locks: Bool = false) {
    let judged = Self.configurations(runs, threshold: threshold).filter { configuration in
      switch configuration.memory {
      case .unconstrained: false
      case .budget: !locks
      case .lock: locks
      }
    }
    guard let thrashing = judged.filter(\.verdict.isThrashing).max(by: { Self.room($0.memory) < Self.room($1.memory) }) else { return nil }
    let room = Self.room(thrashing.memory)
    guard let calm = judged.filter({ $0.verdict == .calm && Self.room($0.memory) > room }).min(by: { Self.room($0.memory) < Self.room($1.memory) })
    else { return nil }
    self.thrashing = thrashing
    self.calm = calm
    self.threshold = threshold
  }

  /// Memory left to the workload, to order configurations: budgets by bytes, locks reversed.
  static func room(_ memory: Run.Memory) -> Double {
    switch memory {
    case .unconstrained: .infinity
    case .budget(let bytes): Double(bytes)
    case .lock(let bytes): -Double(bytes)
    }
  }

  /// The median (mean of the two middle values for an even count); nil when empty.
  static func median(_ values: [Double]) -> Double? {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return nil }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }
}
