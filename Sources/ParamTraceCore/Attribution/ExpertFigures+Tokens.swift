/// Mean, smallest, largest and standard deviation of some counts.
public struct Spread: Sendable, Hashable {
  public var mean: Double
  public var minimum: Double
  public var maximum: Double
  /// Population standard deviation.
  public var standardDeviation: Double

  /// The spread of `values`, nil when there are none.
  public init?(_ values: [Double]) {
    guard !values.isEmpty else { return nil }
    mean = values.reduce(0, +) / Double(values.count)
    minimum = values.min()!
    maximum = values.max()!
    let m = mean
    standardDeviation = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
  }
}

/// Per-token expert figures: over the passes that generated tokens (`ExpertFigures.tokenPasses`).
public struct ExpertTokenFigures: Sendable, Hashable {
  /// Token passes the figures are over.
  public var passes: Int
  /// Experts read per pass, all expert blocks together.
  public var expertsPerToken: Spread?
  /// Experts read per block per pass, over every (pass, block) pair.
  public var expertsPerLayer: Spread?
  /// Per block (as `ExpertFigures.layers`): mean experts read per pass.
  public var layerMeans: [Double]
  /// Of the experts a pass read in a block, the share the previous pass read there too
  /// (summed over blocks and consecutive pairs of token passes); nil with fewer than 2 passes.
  public var reuseShare: Double?
  /// Consecutive pairs of token passes behind `reuseShare`.
  public var reusePairs: Int
  /// Mean bytes per token pass in expert tensors, and outside them.
  public var expertBytesPerToken: Double?
  public var denseBytesPerToken: Double?
}

extension ExpertFigures {
  /// The per-token figures over `tokenPasses`.
  public var perToken: ExpertTokenFigures {
    let range = tokenPasses
    var perToken: [Double] = []
    var perLayer: [Double] = []
    var layerSums = Array(repeating: 0.0, count: layers.count)
    var common = 0
    var current = 0
    for pass in range {
      var total = 0
      for slot in layers.indices {
        let count = expertCount(pass: pass, slot: slot)
        total += count
        perLayer.append(Double(count))
        layerSums[slot] += Double(count)
        if pass > range.lowerBound {
          common += passSets.countCommon(row: pass * layers.count + slot, (pass - 1) * layers.count + slot)
          current += count
        }
      }
      perToken.append(Double(total))
    }
    let n = Double(range.count)
    return ExpertTokenFigures(
      passes: range.count, expertsPerToken: Spread(perToken), expertsPerLayer: Spread(perLayer),
      layerMeans: range.isEmpty ? [] : layerSums.map { $0 / n },
      reuseShare: range.count < 2 || current == 0 ? nil : Double(common) / Double(current), reusePairs: max(0, range.count - 1),
      expertBytesPerToken: range.isEmpty ? nil : Double(passes[range].reduce(0) { $0 &+ $1.expertBytes }) / n,
      denseBytesPerToken: range.isEmpty ? nil : Double(passes[range].reduce(0) { $0 &+ $1.denseBytes }) / n)
  }
}
