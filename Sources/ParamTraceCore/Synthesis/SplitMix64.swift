/// A small, fast, seeded random number generator (SplitMix64), so synthetic traces and
/// randomized tests repeat exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64

  public init(seed: UInt64) { state = seed }

  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A value in `0..<bound` (bound > 0), by multiply-high.
  @inlinable
  public mutating func below(_ bound: UInt64) -> UInt64 {
    bound.multipliedFullWidth(by: next()).high
  }

  /// A value in `range`.
  @inlinable
  public mutating func between(_ range: ClosedRange<UInt64>) -> UInt64 {
    range.lowerBound &+ below(range.upperBound &- range.lowerBound &+ 1)
  }

  /// True with probability `probability`.
  @inlinable
  public mutating func chance(_ probability: Double) -> Bool {
    Double(next() >> 11) * 0x1p-53 < probability
  }
}
