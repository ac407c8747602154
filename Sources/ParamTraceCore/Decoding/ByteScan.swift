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

  /// True for a space or a tab.
  @inlinable @inline(__always)
  public static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

  /// Advances `index` past bytes that are not spaces or tabs (one whitespace-separated token).
  @inlinable @inline(__always)
  public static func skipToken(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ end: Int) {
    while index < end, bytes[index] != 0x20, bytes[index] != 0x09 { index += 1 }
  }

  /// Moves `end` back past trailing spaces and tabs, not below `start`.
  @inlinable @inline(__always)
  public static func trimTrailingBlanks(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: inout Int) {
    while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
  }

  /// Parses an optionally negative decimal at `index` and advances past it; nil when there is
  /// no digit or the value does not fit in Int64.
  @inlinable @inline(__always)
  public static func signed(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ end: Int) -> Int64? {
    var at = index
    let negative = at < end && bytes[at] == 0x2D  // '-'
    if negative { at += 1 }
    guard let magnitude = unsigned(bytes, &at, end) else { return nil }
    if negative {
      guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
      index = at
      return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }
    guard magnitude <= UInt64(Int64.max) else { return nil }
    index = at
    return Int64(magnitude)
  }

  /// Finds the next line feed (0x0A) from `index`, eight bytes at a time; returns `end` when
  /// there is none.
  @inlinable
  public static func findNewline(_ bytes: UnsafeRawBufferPointer, from index: Int, to end: Int) -> Int {
    var at = index
    while end - at >= 8 {
      let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
      let x = word ^ 0x0A0A_0A0A_0A0A_0A0A
      // Zero bytes of x are line feeds; the lowest flagged byte is always a true match.
      let found = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
      if found != 0 { return at + (found.trailingZeroBitCount >> 3) }
      at += 8
    }
    while at < end, bytes[at] != 0x0A { at += 1 }
    return at
  }

  /// Finds the last byte equal to `byte` in `bytes[start..<end]`; returns nil when there is none.
  @inlinable @inline(__always)
  public static func lastIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
    var at = end
    while at > start {
      at -= 1
      if bytes[at] == byte { return at }
    }
    return nil
  }

  /// Where the last occurrence of `literal` inside `bytes[start..<end]` begins; nil when none.
  @inlinable
  public static func lastIndexOf(_ literal: StaticString, _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
    var at = end - literal.utf8CodeUnitCount
    while at >= start {
      if hasPrefix(literal, bytes, at: at, end: end) { return at }
      at -= 1
    }
    return nil
  }

  /// True when `bytes[start..<end]` is exactly `literal`.
  @inlinable
  public static func equals(_ literal: StaticString, _ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
    end - start == literal.utf8CodeUnitCount && hasPrefix(literal, bytes, at: start, end: end)
  }
}
