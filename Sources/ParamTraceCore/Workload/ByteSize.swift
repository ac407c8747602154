/// Sizes as users write them on the command line: `4096`, `512KiB`, `3GiB`, `1.5G`, `2GB`.
///
/// K/M/G/T and KiB/MiB/GiB/TiB are binary (as cgroups and `free` count); KB/MB/GB/TB are
/// decimal. Case does not matter.
public enum ByteSize {
  /// A unit sizes are written in: its canonical name and its bytes.
  public struct Unit: Sendable, Hashable {
    /// `B`, `KiB`, `MiB`, `GiB`, `TiB`, `KB`, `MB`, `GB`, `TB`.
    public var name: String
    public var bytes: UInt64

    public init(name: String, bytes: UInt64) {
      self.name = name
      self.bytes = bytes
    }
  }

  /// Suffixes (lowercased) and the unit each stands for.
  static let suffixes: [(String, Unit)] = [
    ("", Unit(name: "B", bytes: 1)), ("b", Unit(name: "B", bytes: 1)),
    ("k", Unit(name: "KiB", bytes: 1 << 10)), ("kib", Unit(name: "KiB", bytes: 1 << 10)),
    ("m", Unit(name: "MiB", bytes: 1 << 20)), ("mib", Unit(name: "MiB", bytes: 1 << 20)),
    ("g", Unit(name: "GiB", bytes: 1 << 30)), ("gib", Unit(name: "GiB", bytes: 1 << 30)),
    ("t", Unit(name: "TiB", bytes: 1 << 40)), ("tib", Unit(name: "TiB", bytes: 1 << 40)),
    ("kb", Unit(name: "KB", bytes: 1_000)), ("mb", Unit(name: "MB", bytes: 1_000_000)),
    ("gb", Unit(name: "GB", bytes: 1_000_000_000)), ("tb", Unit(name: "TB", bytes: 1_000_000_000_000)),
  ]

  /// The number of bytes, or nil when `text` is not a size.
  public static func parse(_ text: String) -> UInt64? {
    guard let (value, unit) = split(text) else { return nil }
    let bytes = (value * Double(unit.bytes)).rounded()
    guard bytes < 1.8e19 else { return nil }
    return UInt64(bytes)
  }

  /// The unit `text` is written in (`4200MiB` and `4200M`: MiB; `4096`: B); nil when `text`
  /// is not a size.
  public static func unit(of text: String) -> Unit? { split(text)?.unit }

  /// `bytes` in `unit`, exactly: `4100 MiB`, `2.5 GiB`; when no four decimals make it exact in
  /// that unit, in the largest binary unit that holds it whole (`4100 MiB` for a GiB user), so
  /// two different budgets never print alike.
  public static func format(_ bytes: UInt64, in unit: Unit) -> String {
    var scale: UInt64 = 1
    for digits in 0...4 {
      let (scaled, overflow) = bytes.multipliedReportingOverflow(by: scale)
      if !overflow, scaled % unit.bytes == 0 {
        let value = scaled / unit.bytes
        let whole = String(value / scale)
        guard digits > 0 else { return "\(whole) \(unit.name)" }
        let fraction = String(value % scale)
        var decimals = String(repeating: "0", count: digits - fraction.count) + fraction
        while decimals.hasSuffix("0") { decimals.removeLast() }
        return "\(whole).\(decimals) \(unit.name)"
      }
      scale *= 10
    }
    for (name, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes >= (1 << shift) && bytes % (1 << shift) == 0 {
      return "\(bytes >> shift) \(name)"
    }
    return "\(bytes) B"
  }

  private static func split(_ text: String) -> (value: Double, unit: Unit)? {
    let trimmed = text.trimmingCharacters(in: " ")
    let split = trimmed.firstIndex(where: { !($0.isNumber || $0 == ".") }) ?? trimmed.endIndex
    let number = trimmed[..<split]
    let suffix = trimmed[split...].lowercased().trimmingCharacters(in: " ")
    guard !number.isEmpty, let value = Double(number), value >= 0, value.isFinite,
      let unit = suffixes.first(where: { $0.0 == suffix })?.1
    else { return nil }
    return (value, unit)
  }
}

extension String {
  fileprivate func trimmingCharacters(in set: Character) -> String {
    var start = startIndex
    var end = endIndex
    while start < end, self[start] == set { start = index(after: start) }
    while end > start, self[index(before: end)] == set { end = index(before: end) }
    return String(self[start..<end])
  }
}
