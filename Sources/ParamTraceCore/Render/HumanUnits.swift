/// Human-readable numbers with labeled binary units (docs/metrics.md: GiB/MiB in human output).
public enum HumanUnits {
  /// `1,234,567`.
  public static func grouped<T: BinaryInteger>(_ value: T) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
      if index > 0, (digits.count - index) % 3 == 0 { out += "," }
      out.append(character)
    }
    return (value < 0 ? "-" : "") + out
  }

  /// Bytes as B, KiB, MiB, GiB or TiB with two decimals.
  public static func bytes(_ value: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    var scaled = value
    var unit = 0
    while abs(scaled) >= 1024, unit < units.count - 1 {
      scaled /= 1024
      unit += 1
    }
    return unit == 0 ? "\(Int64(scaled)) B" : "\(formatFixed(scaled, 2)) \(units[unit])"
  }

  public static func bytes<T: BinaryInteger>(_ value: T) -> String { bytes(Double(value)) }

  /// A size that is usually a power of two: `4 KiB`, `1 MiB`, else like `bytes`.
  public static func size(_ value: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var scaled = value
    var unit = 0
    while scaled >= 1024, scaled % 1024 == 0, unit < units.count - 1 {
      scaled /= 1024
      unit += 1
    }
    return scaled < 1024 || unit == units.count - 1 ? "\(scaled) \(units[unit])" : bytes(value)
  }

  /// A request size as a number of KiB, exact where it can be: requests are whole 512-byte
  /// sectors, so at most one decimal (`504`, `1240`, `1.5`); other sizes get two.
  public static func kibibytes(_ bytes: Double) -> String {
    let kib = bytes / 1024
    if kib == kib.rounded() { return formatFixed(kib, 0) }
    if kib * 10 == (kib * 10).rounded() { return formatFixed(kib, 1) }
    return formatFixed(kib, 2)
  }

  /// Bytes per second in MiB/s (KiB/s under 1 MiB/s, GiB/s above 10 GiB/s).
  public static func rate(_ bytesPerSecond: Double) -> String {
    let mib = bytesPerSecond / 1_048_576
    if mib < 1 { return "\(formatFixed(bytesPerSecond / 1024, 1)) KiB/s" }
    return mib >= 10_240 ? "\(formatFixed(mib / 1024, 2)) GiB/s" : "\(formatFixed(mib, 1)) MiB/s"
  }

  /// Nanoseconds as ms with three decimals.
  public static func milliseconds(_ nanoseconds: UInt64) -> String { formatFixed(Double(nanoseconds) / 1e6, 3) }

  /// A percentage with one decimal, right-aligned in 5 columns.
  public static func percent(_ value: Double) -> String { pad(formatFixed(value, 1), 5) + "%" }

  /// Left-pads `text` with spaces to `width`.
  public static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
  }

  /// Right-pads `text` with spaces to `width`.
  public static func padRight(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }
}
