/// Small helpers for hand-written text parsers that work on raw bytes.
///
/// All functions take the buffer and a cursor index and never allocate.
public enum ByteScan {
  @inlinable @inline(__always)
  public static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

  /// Advances `index` past spaces and tabs.
  @inlinable @inline(__always)
  public static func skipBlanks(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ end: Int) {
    while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
  }

  /// Parses an unsigned decimal at `index` and advances past it; nil when there is no digit
  /// or the value overflows UInt64.
  @inlinable @inline(__always)
  public static func unsigned(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ end: Int) -> UInt64? {
    var value: UInt64 = 0
    let start = index
    while index < end {
      let digit = bytes[index] &- 0x30
      if digit >= 10 { break }
      let (times10, o1) = value.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
      if o1 || o2 { return nil }
      value = sum
      index += 1
    }
    return index == start ? nil : value
  }

  /// Parses `SECONDS.FRACTION` (any number of fraction digits, up to 9 kept) as nanoseconds.
  @inlinable @inline(__always)
  public static func secondsAsNanoseconds(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ end: Int) -> UInt64? {
    guard let seconds = unsigned(bytes, &index, end), seconds < 18_000_000_000 else { return nil }
    var nanos: UInt64 = 0
    if index < end, bytes[index] == 0x2E {  // '.'
      index += 1
      var digits = 0
      while index < end {
        let digit = bytes[index] &- 0x30
        if digit >= 10 { break }
        if digits < 9 {
          nanos = nanos &* 10 &+ UInt64(digit)
          digits += 1
        }
        index += 1
      }
      if digits == 0 { return nil }
      while digits < 9 {
        nanos &*= 10
        digits += 1
      }
    }
    return seconds &* 1_000_000_000 &+ nanos
  }

  /// Finds the next byte equal to `byte` from `index`; returns `end` when there is none.
  @inlinable @inline(__always)
  public static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from index: Int, to end: Int) -> Int {
    var at = index
    while at < end, bytes[at] != byte { at += 1 }
    return at
  }

  /// True when the bytes at `index` spell `literal`.
  @inlinable
  public static func hasPrefix(_ literal: StaticString, _ bytes: UnsafeRawBufferPointer, at index: Int, end: Int) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard end - index >= count else { return false }
    return literal.withUTF8Buffer { lit in
      for k in 0..<count where bytes[index + k] != lit[k] { return false }
      return true
    }
  }
}
