/// Reads JSON text (manifests, sweep files) into a `JSONValue`.
public enum JSONReader {
  /// What is wrong with the text, and where.
  public struct ParseError: Error, CustomStringConvertible, Sendable {
    public var description: String
  }

  /// Parses one JSON document; duplicate keys are refused.
  public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
    let parsed = bytes.withUnsafeBytes { raw in Result { () throws(HeaderJSON.SyntaxError) in try HeaderJSON.parse(raw) } }
    switch parsed {
    case .success(let value): return convert(value)
    case .failure(let error): throw ParseError(description: "byte \(error.offset): \(error.message)")
    }
  }

  private static func convert(_ value: HeaderJSON) -> JSONValue {
    switch value {
    case .object(let members): .object(members.map { ($0.key, convert($0.value)) })
    case .array(let items): .array(items.map(convert))
    case .string(let text): .string(text)
    case .unsignedInteger(let number): .uint(number)
    case .otherNumber(let text): Int64(text).map { .int($0) } ?? Double(text).map { .double($0) } ?? .string(text)
    case .bool(let flag): .bool(flag)
    case .null: .null
    }
  }
}

extension JSONValue {
  /// Parses `bytes`; nil when they are not JSON (for readers of optional files).
  public static func parse(_ bytes: [UInt8]) -> JSONValue? { try? JSONReader.parse(bytes) }

  /// The member `key` of an object (nil for other values or a missing key).
  ///
  /// Lookups never throw: a missing key or a value of another type is nil, so a reader of an
  /// older or partial document gets "absent", not a crash.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.0 == key }?.1
  }

  /// The value at a path of keys, e.g. `json[path: "timings", "eval_tokens_per_second"]`.
  public subscript(path keys: String...) -> JSONValue? {
    var value: JSONValue? = self
    for key in keys { value = value?[key] }
    return value
  }

  /// Any number as a Double (nil for null and non-numbers).
  public var double: Double? {
    switch self {
    case .int(let value): Double(value)
    case .uint(let value): Double(value)
    case .double(let value): value
    default: nil
    }
  }

  /// A non-negative integer (a Double with an exact integer value counts).
  public var uint64: UInt64? {
    switch self {
    case .int(let value): value >= 0 ? UInt64(value) : nil
    case .uint(let value): value
    case .double(let value): value >= 0 && value < 1.8e19 && value == value.rounded() ? UInt64(value) : nil
    default: nil
    }
  }

  /// An integer (a Double with an exact integer value counts).
  public var int64: Int64? {
    switch self {
    case .int(let value): value
    case .uint(let value): value <= UInt64(Int64.max) ? Int64(value) : nil
    case .double(let value): abs(value) < 9e18 && value == value.rounded() ? Int64(value) : nil
    default: nil
    }
  }

  /// An integer as Int.
  public var int: Int? { int64.map { Int($0) } }

  public var string: String? { if case .string(let text) = self { text } else { nil } }
  public var bool: Bool? { if case .bool(let flag) = self { flag } else { nil } }
  public var array: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
  /// The members of an object, in document order.
  public var members: [(String, JSONValue)]? { if case .object(let members) = self { members } else { nil } }

  /// True for JSON null.
  public var isNull: Bool { if case .null = self { true } else { false } }
}
