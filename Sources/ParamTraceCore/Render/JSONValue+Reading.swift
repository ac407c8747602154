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
  /// The member `key` of an object (nil for other values or a missing key).
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.0 == key }?.1
  }

  /// Any number as a Double (nil for null and non-numbers).
  public var number: Double? {
    switch self {
    case .int(let value): Double(value)
    case .uint(let value): Double(value)
    case .double(let value): value
    default: nil
    }
  }

  public var string: String? { if case .string(let text) = self { text } else { nil } }
  public var bool: Bool? { if case .bool(let flag) = self { flag } else { nil } }
  public var array: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
}
