/// Renders a `JSONValue` into UTF-8 bytes: the text `JSONValue.rendered` promises, produced
/// without a `String` per number or per indentation. An analysis of a long MoE run renders
/// about 30 MB of JSON (hundreds of thousands of timeline runs and passes of expert ids), and
/// appending small strings one by one was most of its cost.
struct JSONByteWriter {
  private(set) var bytes: [UInt8] = []
  private let indent: Int
  /// `indent` spaces, repeated for the deepest level seen so far.
  private var spaces: [UInt8] = []

  init(indent: Int, capacity: Int = 1 << 16) {
    self.indent = indent
    bytes.reserveCapacity(capacity)
  }

  mutating func write(_ value: JSONValue, level: Int) {
    switch value {
    case .null: append("null")
    case .bool(let flag): append(flag ? "true" : "false")
    case .int(let number):
      if number < 0 {
        bytes.append(UInt8(ascii: "-"))
        appendDecimal(number.magnitude)
      } else {
        appendDecimal(UInt64(number))
      }
    case .uint(let number): appendDecimal(number)
    case .double(let number): appendDouble(number)
    case .string(let text): appendString(text)
    case .array(let items): writeArray(items, level: level)
    case .object(let members): writeObject(members, level: level)
    }
  }

  private mutating func writeArray(_ items: [JSONValue], level: Int) {
    if items.isEmpty {
      append("[]")
      return
    }
    // Arrays of scalars stay on one line (expert ids, counts per expert): as `rendered` prints them.
    let scalar = items.allSatisfy { item in
      switch item {
      case .array, .object: false
      default: true
      }
    }
    if scalar || indent == 0 {
      bytes.append(UInt8(ascii: "["))
      for index in items.indices {
        if index > 0 { append(", ") }
        write(items[index], level: level + 1)
      }
      bytes.append(UInt8(ascii: "]"))
      return
    }
    append("[\n")
    for index in items.indices {
      appendIndentation(level + 1)
      write(items[index], level: level + 1)
      append(index + 1 < items.count ? ",\n" : "\n")
    }
    appendIndentation(level)
    bytes.append(UInt8(ascii: "]"))
  }

  private mutating func writeObject(_ members: [(String, JSONValue)], level: Int) {
    if members.isEmpty {
      append("{}")
      return
    }
    bytes.append(UInt8(ascii: "{"))
    if indent > 0 { bytes.append(UInt8(ascii: "\n")) }
    for index in members.indices {
      appendIndentation(level + 1)
      appendString(members[index].0)
      append(": ")
      write(members[index].1, level: level + 1)
      if index + 1 < members.count {
        append(indent == 0 ? ", " : ",\n")
      } else if indent > 0 {
        bytes.append(UInt8(ascii: "\n"))
      }
    }
    appendIndentation(level)
    bytes.append(UInt8(ascii: "}"))
  }

  private mutating func appendIndentation(_ level: Int) {
    let count = indent * level
    guard count > 0 else { return }
    if spaces.count < count { spaces = [UInt8](repeating: UInt8(ascii: " "), count: count * 2) }
    bytes.append(contentsOf: spaces[0..<count])
  }

  private mutating func append(_ text: StaticString) {
    text.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  private mutating func appendDecimal(_ number: UInt64) { ParamTraceCore.appendDecimal(number, to: &bytes) }

  /// The same text as `JSONValue.rendered`: integers as integers, fixed decimals for ordinary
  /// magnitudes, the shortest exact form for tiny or huge ones.
  private mutating func appendDouble(_ value: Double) {
    if !value.isFinite {
      append("null")
    } else if value == value.rounded(), abs(value) < 1e15 {
      let whole = Int64(value)
      if whole < 0 { bytes.append(UInt8(ascii: "-")) }
      appendDecimal(whole.magnitude)
    } else if abs(value) >= 1e-3, abs(value) < 1e15 {
      appendFixed(value, digits: abs(value) >= 1000 ? 3 : 6)
    } else {
      let single = Float(value)
      bytes.append(contentsOf: (Double(single) == value ? "\(single)" : "\(value)").utf8)
    }
  }

  /// `formatFixed(value, digits)`, written straight into the bytes.
  private mutating func appendFixed(_ value: Double, digits: Int) {
    if !ParamTraceCore.appendFixed(value, digits: digits, to: &bytes) { bytes.append(contentsOf: String(value).utf8) }
  }

  private mutating func appendString(_ text: String) {
    bytes.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { utf8 in
      var clean = 0  // start of the run of bytes that need no escape
      for index in utf8.indices {
        let byte = utf8[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
        clean = index + 1
        switch byte {
        case UInt8(ascii: "\""): append("\\\"")
        case UInt8(ascii: "\\"): append("\\\\")
        case UInt8(ascii: "\n"): append("\\n")
        case UInt8(ascii: "\r"): append("\\r")
        case UInt8(ascii: "\t"): append("\\t")
        default:
          append("\\u00")
          let hex: StaticString = "0123456789abcdef"
          hex.withUTF8Buffer { digits in
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 15)])
          }
        }
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<utf8.count]))
    }
    bytes.append(UInt8(ascii: "\""))
  }
}
