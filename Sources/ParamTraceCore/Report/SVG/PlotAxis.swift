/// One axis of a plot: its label, scale, domain and how its ticks read.
public struct PlotAxis: Sendable, Hashable {
  /// How values map to positions.
  public enum Scale: Sendable, Hashable {
    case linear
    /// Powers of two get the ticks (memory budgets).
    case log2
  }

  /// How tick labels print; units land in the axis title, chosen once for the axis.
  public enum Format: Sendable, Hashable {
    /// Plain numbers, with k/M/G for thousands, millions, billions.
    case number
    /// Bytes in one binary unit (KiB, MiB, GiB…) named in the title.
    case bytes
    /// Bytes per second in one binary unit per second.
    case bytesPerSecond
    /// Seconds.
    case seconds
    /// Percent.
    case percent
    /// Named categories at 0, 1, 2… (bar charts).
    case categories([String])
  }

  /// What the axis shows, without the unit (the title adds it).
  public var label: String
  /// Linear or log.
  public var scale: Scale
  /// The domain, in data units (bytes, seconds…).
  public var lower: Double
  public var upper: Double
  /// How ticks read.
  public var format: Format

  /// An axis over `[lower, upper]`; an empty or reversed domain is widened so it can be drawn.
  public init(label: String, lower: Double, upper: Double, scale: Scale = .linear, format: Format = .number) {
    self.label = label
    self.scale = scale
    self.format = format
    var low = lower.isFinite ? lower : 0
    var high = upper.isFinite ? upper : 1
    if case .categories(let names) = format {
      low = -0.5
      high = Double(max(names.count, 1)) - 0.5
    }
    if scale == .log2 {
      low = max(low, 1)
      high = max(high, low)
      if high <= low * 1.0001 {
        low /= 2
        high *= 2
      }
    } else if high <= low {
      let pad = abs(low) > 0 ? abs(low) * 0.1 : 1
      low -= pad
      high += pad
    }
    self.lower = low
    self.upper = high
  }

  /// The position of `value` in [0, 1] (outside for values outside the domain).
  public func fraction(_ value: Double) -> Double {
    switch scale {
    case .linear: return (value - lower) / (upper - lower)
    case .log2:
      let v = max(value, lower / 1024)
      return (Self.log2(v) - Self.log2(lower)) / (Self.log2(upper) - Self.log2(lower))
    }
  }

  static func log2(_ value: Double) -> Double {
    // Exact for powers of two; no libm needed beyond what Double offers.
    var exponent = 0.0
    var mantissa = value
    while mantissa >= 2 {
      mantissa /= 2
      exponent += 1
    }
    while mantissa < 1, mantissa > 0 {
      mantissa *= 2
      exponent -= 1
    }
    // ln(m)/ln(2) for m in [1, 2) by a short series around 1.5 is enough for plotting.
    let t = (mantissa - 1) / (mantissa + 1)
    let t2 = t * t
    let ln = 2 * t * (1 + t2 / 3 + t2 * t2 / 5 + t2 * t2 * t2 / 7 + t2 * t2 * t2 * t2 / 9)
    return exponent + ln / 0.693_147_180_559_945_3
  }

  /// The unit the title names, and what one unit is worth.
  public var unit: (name: String?, divisor: Double) {
    let largest = max(abs(lower), abs(upper))
    switch format {
    case .bytes:
      let unit = BinaryUnit(forLargest: largest)
      return (unit.name, unit.divisor)
    case .bytesPerSecond:
      let unit = BinaryUnit(forLargest: largest)
      return (unit.name + "/s", unit.divisor)
    case .seconds: return ("s", 1)
    case .percent: return ("%", 1)
    case .number, .categories: return (nil, 1)
    }
  }

  /// The title with its unit: `file offset (MiB)`.
  public var title: String {
    if scale == .log2, format == .bytes { return label + " (log scale)" }
    guard let name = unit.name else { return label }
    return "\(label) (\(name))"
  }

  /// Tick positions (in data values) and their labels.
  public var ticks: [(value: Double, label: String)] {
    if case .categories(let names) = format {
      return names.enumerated().map { (Double($0.offset), $0.element) }
    }
    switch scale {
    case .log2: return log2Ticks
    case .linear: return linearTicks
    }
  }

  private var linearTicks: [(value: Double, label: String)] {
    let divisor = unit.divisor
    let low = lower / divisor
    let high = upper / divisor
    let step = Self.niceStep((high - low) / 5)
    var decimals = 0
    var probe = step
    while probe < 1 - 1e-9, decimals < 9 {
      probe *= 10
      decimals += 1
    }
    if abs(probe - probe.rounded()) > 1e-6 { decimals += 1 }  // 2.5 × 10^k
    var ticks: [(Double, String)] = []
    var index = (low / step).rounded(.up)
    while index * step <= high + step * 1e-9, ticks.count < 20 {
      let value = index * step
      ticks.append((value * divisor, label(value, decimals: decimals, step: step)))
      index += 1
    }
    return ticks
  }

  private func label(_ value: Double, decimals: Int, step: Double = 1) -> String {
    guard format == .number else { return formatFixed(value == 0 ? 0 : value, decimals) }
    let magnitude = max(abs(lower), abs(upper))
    for (suffix, scale) in [("G", 1e9), ("M", 1e6), ("k", 1e3)] where magnitude >= scale * 10 {
      // Enough decimals to tell neighbouring ticks apart: those of step / scale.
      var digits = 0
      var probe = step / scale
      while probe < 1 - 1e-9, digits < 9 {
        probe *= 10
        digits += 1
      }
      if abs(probe - probe.rounded()) > 1e-6 { digits += 1 }
      return formatFixed(value / scale, digits) + suffix
    }
    return formatFixed(value == 0 ? 0 : value, decimals)
  }

  private var log2Ticks: [(value: Double, label: String)] {
    var powers: [Double] = []
    var value = 1.0
    while value * 2 <= lower { value *= 2 }
    if value < lower { value *= 2 }
    while value <= upper * 1.000_001, powers.count < 80 {
      powers.append(value)
      value *= 2
    }
    var every = 1
    while powers.count / every > 8 { every += 1 }
    return powers.enumerated().filter { $0.offset % every == 0 }.map { _, power in
      (power, format == .bytes ? HumanUnits.size(UInt64(power)) : label(power, decimals: 0))
    }
  }

  /// The smallest of 1, 2, 2.5, 5 × 10^k at or above `rough`.
  static func niceStep(_ rough: Double) -> Double {
    guard rough.isFinite, rough > 0 else { return 1 }
    var power = 1.0
    while power * 10 <= rough { power *= 10 }
    while power > rough { power /= 10 }
    for factor in [1.0, 2.0, 2.5, 5.0, 10.0] where factor * power >= rough * (1 - 1e-9) { return factor * power }
    return 10 * power
  }
}
