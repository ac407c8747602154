#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A JSON document read back from disk (`manifest.json`, `analysis.json`, `sweep.json`), as a
/// tree to look values up in. Parsed once at the edge with Foundation's decoder; never used in
/// a per-event path.
///
/// Lookups never throw: a missing key or a value of another type is nil, so a reader of an
/// older or partial document gets "absent", not a crash.
public indirect enum ParsedJSON: Sendable, Hashable, Decodable {
  case null
  case bool(Bool)
  /// An integer that fits Int64.
  case int(Int64)
  /// An integer above Int64.max.
  case uint(UInt64)
  case double(Double)
  case string(String)
  case array([ParsedJSON])
  /// Members by key (JSON object order is not kept: nothing here depends on it).
  case object([String: ParsedJSON])

  /// Parses `bytes`; nil when they are not JSON.
  public static func parse(_ bytes: [UInt8]) -> ParsedJSON? {
    try? JSONDecoder().decode(ParsedJSON.self, from: Data(bytes))
  }

  /// Decodes any JSON value (Decodable, for Foundation's JSONDecoder).
  public init(from decoder: any Decoder) throws {
    if var list = try? decoder.unkeyedContainer() {
      var items: [ParsedJSON] = []
      if let count = list.count { items.reserveCapacity(count) }
      while !list.isAtEnd { items.append(try list.decode(ParsedJSON.self)) }
      self = .array(items)
      return
    }
    if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
      var members: [String: ParsedJSON] = [:]
      for key in keyed.allKeys { members[key.stringValue] = try keyed.decode(ParsedJSON.self, forKey: key) }
      self = .object(members)
      return
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      self = .null
    } else if let value = try? single.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? single.decode(Int64.self) {
      self = .int(value)
    } else if let value = try? single.decode(UInt64.self) {
      self = .uint(value)
    } else if let value = try? single.decode(Double.self) {
      self = .double(value)
    } else {
      self = .string(try single.decode(String.self))
    }
  }

  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// The member `key` of an object; nil otherwise.
  public subscript(key: String) -> ParsedJSON? {
    if case .object(let members) = self { return members[key] }
    return nil
  }

  /// The value at a path of keys, e.g. `json[path: "timings", "eval_tokens_per_second"]`.
  public subscript(path keys: String...) -> ParsedJSON? {
    var value: ParsedJSON? = self
    for key in keys { value = value?[key] }
    return value
  }

  /// A number as Double (integers converted).
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

  /// A string's text.
  public var string: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// A boolean.
  public var bool: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// An array's items.
  public var array: [ParsedJSON]? {
    if case .array(let items) = self { return items }
    return nil
  }

  /// True for JSON null.
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }
}
