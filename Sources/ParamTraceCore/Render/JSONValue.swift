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
    String(decoding: renderedBytes(indent: indent), as: UTF8.self)
  }

  /// The document as UTF-8 bytes, for writing to a file without a `String` in between.
  public func renderedBytes(indent: Int = 2) -> [UInt8] {
    var writer = JSONByteWriter(indent: indent)
    writer.write(self, level: 0)
    return writer.bytes
  }
}
