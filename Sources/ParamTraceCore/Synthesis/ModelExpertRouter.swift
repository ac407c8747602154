/// The seeded stand-in for a MoE layer's router that `replay` uses: for each token and layer,
/// `used` distinct experts of `count`, deterministic in (seed, token, layer), drawn without
/// replacement with a chosen skew.
///
/// A real router (softmax over `ffn_gate_inp · x`, then top-k) picks what the hidden state says;
/// replay has no hidden state, so the skew is a parameter instead: `uniform` (every expert
/// equally likely) or `zipf(s)`, where the expert of popularity rank r (1-based) has weight
/// 1/r^s. Each layer ranks its experts by its own seeded permutation, so the popular experts
/// differ from layer to layer, as trained routers' do.
public struct ModelExpertRouter: Sendable, Hashable, CustomStringConvertible {
  /// How expert choices are skewed.
  public enum Skew: Sendable, Hashable {
    /// Every expert equally likely.
    case uniform
    /// Weight 1/rank^s (s > 0; s = 1 is classic Zipf).
    case zipf(Double)
  }

  /// Why a router spelling was refused.
  public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var description: String {
      "--router \(text): give uniform or zipf:S with S > 0 (for example zipf:1.2)."
    }
  }

  public var skew: Skew
  public var seed: UInt64

  public init(skew: Skew = .uniform, seed: UInt64 = 1) {
    self.skew = skew
    self.seed = seed
  }

  /// Parses `uniform` or `zipf:S`.
  public init(parsing text: String, seed: UInt64) throws(ParseError) {
    self.seed = seed
    if text == "uniform" {
      skew = .uniform
      return
    }
    guard text.hasPrefix("zipf:"), let s = Double(text.dropFirst(5)), s > 0, s.isFinite else { throw ParseError(text: text) }
    skew = .zipf(s)
  }

  /// `uniform` or `zipf:S`, as parsed.
  public var description: String {
    switch skew {
    case .uniform: "uniform"
    case .zipf(let s): "zipf:\(s)"
    }
  }

  /// The experts token `token` uses in `layer`: `used` distinct ones of `count`, ascending.
  public func experts(token: Int, layer: Int, count: Int, used: Int) -> [Int] {
    let wanted = min(max(used, 0), count)
    guard wanted > 0 else { return [] }
    var generator = SplitMix64(seed: seed ^ (UInt64(token) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(layer) &* 0xC2B2_AE3D_27D4_EB4F))
    switch skew {
    case .uniform:
      var chosen = Set<Int>()
      while chosen.count < wanted { chosen.insert(Int(generator.below(UInt64(count)))) }
      return chosen.sorted()
    case .zipf(let s):
      let ranking = popularity(layer: layer, count: count)
      var weights = (0..<count).map { 1 / Double($0 + 1).pow(s) }
      var chosen: [Int] = []
      for _ in 0..<wanted {
        let total = weights.reduce(0, +)
        var target = Double(generator.next() >> 11) * 0x1p-53 * total
        var pick = weights.lastIndex { $0 > 0 } ?? 0
        for (rank, weight) in weights.enumerated() where weight > 0 {
          if target < weight {
            pick = rank
            break
          }
          target -= weight
        }
        weights[pick] = 0  // without replacement
        chosen.append(ranking[pick])
      }
      return chosen.sorted()
    }
  }

  /// Layer `layer`'s experts from most to least popular: a seeded shuffle (Fisher–Yates).
  public func popularity(layer: Int, count: Int) -> [Int] {
    var generator = SplitMix64(seed: seed &+ 0x5851_F42D_4C95_7F2D &* UInt64(layer + 1))
    var order = Array(0..<count)
    for index in stride(from: count - 1, to: 0, by: -1) {
      order.swapAt(index, Int(generator.below(UInt64(index + 1))))
    }
    return order
  }
}

extension Double {
  /// self^exponent for self ≥ 1 by exp(exponent·ln self): Core imports no libm.
  fileprivate func pow(_ exponent: Double) -> Double {
    Self.exp(exponent * Self.log(self))
  }

  /// Natural log by range reduction to [1, 2) and the atanh series (|error| < 1e-15).
  private static func log(_ x: Double) -> Double {
    guard x > 0 else { return -.infinity }
    var m = x
    var e = 0.0
    while m >= 2 {
      m /= 2
      e += 1
    }
    while m < 1 {
      m *= 2
      e -= 1
    }
    let t = (m - 1) / (m + 1)
    let t2 = t * t
    var term = t
    var sum = 0.0
    var k = 1.0
    while abs(term) > 1e-18 {
      sum += term / k
      term *= t2
      k += 2
    }
    return 2 * sum + e * 0.693_147_180_559_945_3
  }

  /// e^x by halving until small, a Taylor series, then squaring back.
  private static func exp(_ x: Double) -> Double {
    var reduced = x
    var halvings = 0
    while abs(reduced) > 0.5 {
      reduced /= 2
      halvings += 1
    }
    var term = 1.0
    var sum = 1.0
    for k in 1...20 {
      term *= reduced / Double(k)
      sum += term
    }
    for _ in 0..<halvings { sum *= sum }
    return sum
  }
}
