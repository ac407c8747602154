import Testing

@testable import ParamTraceCore

/// The JSON text every output and golden file depends on: numbers, escapes and layout.
struct JSONValueRenderingTests {
  @Test func numbersPrintAsBefore() {
    let values: [(JSONValue, String)] = [
      (.int(0), "0"), (.int(-7), "-7"), (.int(Int64.min), "-9223372036854775808"),
      (.uint(UInt64.max), "18446744073709551615"), (.uint(10), "10"), (.double(3), "3"), (.double(-2), "-2"),
      (.double(0.5), "0.500000"), (.double(-0.25), "-0.250000"), (.double(1234.5678), "1234.568"),
      (.double(0.0012345), "0.001235"), (.double(1e-5), "1e-05"), (.double(.nan), "null"), (.double(.infinity), "null"),
      (.double(2.5e15), "2500000000000000.0"), (.double(-0.0000001), "-1e-07"),
    ]
    for (value, text) in values {
      #expect(value.rendered() == text, "\(value)")
      #expect(value.rendered() == formatLikeBefore(value), "\(value)")
    }
  }

  @Test func stringsAreEscaped() {
    #expect(JSONValue.string("a\"b\\c\nd\re\tf\u{1}g é 🙂").rendered() == "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g é 🙂\"")
    #expect(JSONValue.string("").rendered() == "\"\"")
    #expect(JSONValue.string("\u{1f}").rendered() == "\"\\u001f\"")
  }

  @Test func layoutIndentedAndOnOneLine() {
    let document = JSONValue.object([
      ("a", .array([.int(1), .int(2)])), ("b", .array([.object([("c", .null)]), .array([])])), ("d", .object([])),
      ("e", .bool(true)),
    ])
    #expect(
      document.rendered() == """
        {
          "a": [1, 2],
          "b": [
            {
              "c": null
            },
            []
          ],
          "d": {},
          "e": true
        }
        """)
    #expect(document.rendered(indent: 0) == "{\"a\": [1, 2], \"b\": [{\"c\": null}, []], \"d\": {}, \"e\": true}")
    #expect(document.renderedBytes() == Array(document.rendered().utf8))
  }

  /// The formatting rules as they were written before the byte writer, kept as the reference.
  private func formatLikeBefore(_ value: JSONValue) -> String {
    switch value {
    case .int(let number): return String(number)
    case .uint(let number): return String(number)
    case .double(let number):
      if !number.isFinite { return "null" }
      if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
      if abs(number) >= 1e-3, abs(number) < 1e15 { return formatFixed(number, abs(number) >= 1000 ? 3 : 6) }
      let single = Float(number)
      return Double(single) == number ? "\(single)" : "\(number)"
    default: return value.rendered()
    }
  }
}
