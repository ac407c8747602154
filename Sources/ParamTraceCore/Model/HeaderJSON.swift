/// A JSON value from a model file's header, parsed by hand so that duplicate keys, nesting
/// depth and number ranges are under the reader's control (safetensors forbids duplicate
/// keys; Foundation's parsers silently keep one).
indirect enum HeaderJSON: Hashable, Sendable {
  case object([Member])
  case array([HeaderJSON])
  case string(String)
  /// A non-negative integer that fits in 64 bits.
  case unsignedInteger(UInt64)
  /// Any other number, as written.
  case otherNumber(String)
  case bool(Bool)
  case null

  /// One key of an object, with the byte offset of the key (relative to the text start).
  struct Member: Hashable, Sendable {
    var key: String
    var value: HeaderJSON
    var offset: Int
  }

  /// Why the text is not JSON: what, at which byte of the text.
  struct SyntaxError: Error, Hashable {
    var message: String
    var offset: Int
  }

  /// Parses one JSON value followed only by whitespace; objects must not repeat a key.
  static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(SyntaxError) -> HeaderJSON {
    var parser = Parser(bytes: bytes, maxDepth: maxDepth)
    parser.skipWhitespace()
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else { throw SyntaxError(message: "unexpected text after the JSON value", offset: parser.position) }
    return value
  }

  private struct Parser {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    var position = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
      self.bytes = bytes
      self.maxDepth = maxDepth
    }

    func fail(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: position) }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
      while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
      skipWhitespace()
      guard current == byte else { throw fail("expected \(what)") }
      position += 1
    }

    mutating func value(depth: Int) throws(SyntaxError) -> HeaderJSON {
      skipWhitespace()
      guard let byte = current else { throw fail("the JSON ends early") }
      switch byte {
      case 0x7B:  // {
        guard depth < maxDepth else { throw fail("nested more than \(maxDepth) deep") }
        position += 1
        var members: [Member] = []
        var keys = Set<String>()
        skipWhitespace()
        if current == 0x7D {
          position += 1
          return .object(members)
        }
        while true {
          skipWhitespace()
          let keyOffset = position
          guard current == 0x22 else { throw fail("expected a string key") }
          let key = try string()
          guard keys.insert(key).inserted else {
            throw SyntaxError(message: "duplicate key \"\(key)\"", offset: keyOffset)
          }
          try expect(0x3A, "':' after a key")
          let member = try value(depth: depth + 1)
          members.append(Member(key: key, value: member, offset: keyOffset))
          skipWhitespace()
          if current == 0x2C {
            position += 1
            continue
          }
          try expect(0x7D, "',' or '}' in an object")
          return .object(members)
        }
      case 0x5B:  // [
        guard depth < maxDepth else { throw fail("nested more than \(maxDepth) deep") }
        position += 1
        var items: [HeaderJSON] = []
        skipWhitespace()
        if current == 0x5D {
          position += 1
          return .array(items)
        }
        while true {
          items.append(try value(depth: depth + 1))
          skipWhitespace()
          if current == 0x2C {
            position += 1
            continue
          }
          try expect(0x5D, "',' or ']' in an array")
          return .array(items)
        }
      case 0x22: return .string(try string())
      case 0x74: return try literal("true", .bool(true))
      case 0x66: return try literal("false", .bool(false))
      case 0x6E: return try literal("null", .null)
      case 0x2D, 0x30...0x39: return try number()
      default: throw fail("unexpected character")
      }
    }

    mutating func literal(_ word: StaticString, _ result: HeaderJSON) throws(SyntaxError) -> HeaderJSON {
      let count = word.utf8CodeUnitCount
      guard bytes.count - position >= count else { throw fail("the JSON ends early") }
      for index in 0..<count where bytes[position + index] != word.utf8Start[index] { throw fail("unexpected character") }
      position += count
      return result
    }

    mutating func number() throws(SyntaxError) -> HeaderJSON {
      let start = position
      var integer = true
      if current == 0x2D {
        integer = false
        position += 1
      }
      let digitsStart = position
      while let byte = current, byte >= 0x30, byte <= 0x39 { position += 1 }
      guard position > digitsStart else { throw fail("expected digits") }
      guard !(bytes[digitsStart] == 0x30 && position - digitsStart > 1) else { throw fail("a number with a leading zero") }
      if current == 0x2E {
        integer = false
        position += 1
        let fraction = position
        while let byte = current, byte >= 0x30, byte <= 0x39 { position += 1 }
        guard position > fraction else { throw fail("expected digits after '.'") }
      }
      if current == 0x65 || current == 0x45 {
        integer = false
        position += 1
        if current == 0x2B || current == 0x2D { position += 1 }
        let exponent = position
        while let byte = current, byte >= 0x30, byte <= 0x39 { position += 1 }
        guard position > exponent else { throw fail("expected digits in an exponent") }
      }
      let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
      if integer, let value = UInt64(text) { return .unsignedInteger(value) }
      return .otherNumber(text)
    }

    /// A string starting at the opening quote.
    mutating func string() throws(SyntaxError) -> String {
      position += 1
      let start = position
      // Fast path: no escapes.
      while let byte = current, byte != 0x22, byte != 0x5C, byte >= 0x20 { position += 1 }
      if current == 0x22 {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        position += 1
        guard let text = String(validating: slice, as: UTF8.self) else { throw fail("a string that is not UTF-8") }
        return text
      }
      var utf8 = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
      while true {
        guard let byte = current else { throw fail("a string that does not end") }
        guard byte >= 0x20 else { throw fail("a control character in a string") }
        position += 1
        if byte == 0x22 { break }
        guard byte == 0x5C else {
          utf8.append(byte)
          continue
        }
        guard let escape = current else { throw fail("a string that does not end") }
        position += 1
        switch escape {
        case 0x22, 0x5C, 0x2F: utf8.append(escape)
        case 0x62: utf8.append(0x08)
        case 0x66: utf8.append(0x0C)
        case 0x6E: utf8.append(0x0A)
        case 0x72: utf8.append(0x0D)
        case 0x74: utf8.append(0x09)
        case 0x75:
          var scalar = try hex4()
          if scalar >= 0xD800, scalar < 0xDC00 {
            guard bytes.count - position >= 6, bytes[position] == 0x5C, bytes[position + 1] == 0x75 else {
              throw fail("an unpaired surrogate in a string")
            }
            position += 2
            let low = try hex4()
            guard low >= 0xDC00, low < 0xE000 else { throw fail("an unpaired surrogate in a string") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else if scalar >= 0xDC00, scalar < 0xE000 {
            throw fail("an unpaired surrogate in a string")
          }
          guard let unicode = Unicode.Scalar(scalar) else { throw fail("a bad \\u escape") }
          utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
        default: throw fail("a bad escape in a string")
        }
      }
      guard let text = String(validating: utf8, as: UTF8.self) else { throw fail("a string that is not UTF-8") }
      return text
    }

    mutating func hex4() throws(SyntaxError) -> UInt32 {
      guard bytes.count - position >= 4 else { throw fail("a string that does not end") }
      var value: UInt32 = 0
      for _ in 0..<4 {
        let byte = bytes[position]
        let digit: UInt32
        switch byte {
        case 0x30...0x39: digit = UInt32(byte - 0x30)
        case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
        case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
        default: throw fail("a bad \\u escape")
        }
        value = value << 4 | digit
        position += 1
      }
      return value
    }
  }
}
