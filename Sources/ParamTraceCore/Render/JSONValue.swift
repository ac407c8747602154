/// A JSON document built in code and printed deterministically (keys in the order given,
/// fixed number formatting), so outputs can be compared as text.
public indirect enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int64)
  case uint(UInt64)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool { a.rendered() == b.rendered() }
  public func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

  /// Integer helpers that keep call sites short.
  public static func number(_ value: Int) -> JSONValue { .int(Int64(value)) }
  public static func number(_ value: UInt64) -> JSONValue { .uint(value) }
  public static func optional(_ value: UInt64?) -> JSONValue { value.map { .uint($0) } ?? .null }
  public static func optional(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
  public static func optional(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }

  /// The document as text; `indent` spaces per level (0: one line).
  public func rendered(indent: Int = 2) -> String {
    var out = ""
    write(into: &out, indent: indent, level: 0)
    return out
  }

  private func write(into out: inout String, indent: Int, level: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .uint(let value): out += String(value)
    case .double(let value):
      if !value.isFinite {
        out += "null"
      } else if value == value.rounded(), abs(value) < 1e15 {
        out += String(Int64(value))
      } else if abs(value) >= 1e-3, abs(value) < 1e15 {
        // Six decimals are plenty for ratios and rates, and stable across runs.
        out += formatFixed(value, abs(value) >= 1000 ? 3 : 6)
      } else {
        // Tiny or huge values (epsilons in model metadata): the shortest exact form, e.g.
        // 1e-05; a value that came from a float32 prints as that float, not its double expansion.
        let single = Float(value)
        out += Double(single) == value ? "\(single)" : "\(value)"
      }
    case .string(let value): Self.writeString(value, into: &out)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
        return
      }
      let scalar = items.allSatisfy { if case .array = $0 { false } else if case .object = $0 { false } else { true } }
      if scalar || indent == 0 {
        out += "["
        for (index, item) in items.enumerated() {
          if index > 0 { out += ", " }
          item.write(into: &out, indent: indent, level: level + 1)
        }
        out += "]"
        return
      }
      out += "[\n"
      for (index, item) in items.enumerated() {
        out += String(repeating: " ", count: indent * (level + 1))
        item.write(into: &out, indent: indent, level: level + 1)
        out += index + 1 < items.count ? ",\n" : "\n"
      }
      out += String(repeating: " ", count: indent * level) + "]"
    case .object(let members):
      if members.isEmpty {
        out += "{}"
        return
      }
      let newline = indent == 0 ? "" : "\n"
      out += "{" + newline
      for (index, (key, value)) in members.enumerated() {
        out += String(repeating: " ", count: indent * (level + 1))
        Self.writeString(key, into: &out)
        out += ": "
        value.write(into: &out, indent: indent, level: level + 1)
        out += index + 1 < members.count ? "," + (indent == 0 ? " " : newline) : newline
      }
      out += String(repeating: " ", count: indent * level) + "}"
    }
  }

  private static func writeString(_ value: String, into out: inout String) {
    out += "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}
