/// Binary units chosen once per column (or axis), so a column's numbers compare at a glance
/// and its header names the unit: `Bytes read (MiB)`.
public struct BinaryUnit: Sendable, Hashable {
  /// `B`, `KiB`, `MiB`, `GiB`, `TiB`, `PiB`.
  public var name: String
  /// Bytes per unit.
  public var divisor: Double

  static let names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]

  /// The largest unit that `largest` (an absolute value) fills at least once; B below 1 KiB.
  public init(forLargest largest: Double) {
    var unit = 0
    var divisor = 1.0
    while unit < Self.names.count - 1, largest.isFinite, abs(largest) >= divisor * 1024 {
      divisor *= 1024
      unit += 1
    }
    name = Self.names[unit]
    self.divisor = divisor
  }

  /// The unit for a set of values (B when there are none).
  public init(for values: some Sequence<Double>) {
    self.init(forLargest: values.reduce(0) { max($0, abs($1)) })
  }

  /// `value` bytes in this unit: two decimals, none for plain bytes.
  public func format(_ value: Double, signed: Bool = false) -> String {
    let scaled = value / divisor
    let text = formatFixed(scaled, divisor == 1 ? 0 : 2)
    return signed && scaled > 0 && text != "0.00" && text != "0" ? "+" + text : text
  }
}

/// Text helpers shared by the report renderers.
enum ReportText {
  /// `text` with `|` escaped, for a Markdown cell.
  static func markdownCell(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "|": out += "\\|"
      case "\n", "\r": out += " "
      default: out.append(character)
      }
    }
    return out
  }

  /// A CSV field, quoted when it holds a comma, quote or line break.
  static func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacing("\"", with: "\"\"") + "\""
  }

  /// A real number for CSV: up to six decimals, always with a decimal point, so a reader
  /// infers one floating-point type for the whole column.
  static func csvReal(_ value: Double) -> String {
    var text = formatFixed(value, 6)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text += "0" }
    return text
  }

  /// The last path component of `path`.
  static func basename(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    let tail = path[path.index(after: slash)...]
    return tail.isEmpty ? path : String(tail)
  }
}
