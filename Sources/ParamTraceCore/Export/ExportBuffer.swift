/// Bytes of an export file being written: decimal numbers, microseconds and JSON strings are
/// appended by hand (no `String` per event), and the caller drains `bytes` to the file whenever
/// it passes `drainThreshold`, so a file of any size goes out in fixed memory.
public struct ExportBuffer: Sendable {
  /// What is waiting to be written.
  public var bytes: [UInt8] = []
  /// Drain at this many bytes (1 MiB: large writes, and still in the core's cache).
  public static let drainThreshold = 1 << 20

  public init() { bytes.reserveCapacity(Self.drainThreshold + (64 << 10)) }

  /// True when the caller should write `bytes` out and empty it.
  @inlinable public var wantsDrain: Bool { bytes.count >= Self.drainThreshold }

  /// Hands over the bytes and starts again empty.
  public mutating func take() -> [UInt8] {
    defer { bytes.removeAll(keepingCapacity: true) }
    return bytes
  }

  /// A fixed piece of ASCII or UTF-8 text.
  @inline(__always)
  public mutating func literal(_ text: StaticString) {
    text.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  /// Bytes as they are (already encoded text).
  @inline(__always)
  public mutating func raw(_ encoded: [UInt8]) { bytes.append(contentsOf: encoded) }

  /// `value` in decimal.
  @inline(__always)
  public mutating func decimal(_ value: UInt64) {
    if value < 10 {
      bytes.append(UInt8(truncatingIfNeeded: value) &+ 0x30)
      return
    }
    Self.appendDecimal(value, to: &bytes)
  }

  /// Appends `value` in decimal to `output`, right-aligned in `width` (padded with spaces, or
  /// zeros): digits made in a 24-byte scratch on the stack, no `String`.
  @inline(__always)
  public static func appendDecimal(_ value: UInt64, width: Int = 0, zeros: Bool = false, to output: inout [UInt8]) {
    var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // UInt64.max has 20 digits
    var count = 0
    var rest = value
    withUnsafeMutableBytes(of: &scratch) { digits in
      repeat {
        digits[23 - count] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
        rest /= 10
        count += 1
      } while rest != 0
      if width > count { output.append(contentsOf: repeatElement(zeros ? 0x30 : 0x20, count: width - count)) }
      output.append(contentsOf: UnsafeRawBufferPointer(rebasing: digits[(24 - count)...]))
    }
  }

  /// `value` in decimal, with a minus sign when negative.
  @inline(__always)
  public mutating func signed(_ value: Int64) {
    if value < 0 { bytes.append(0x2D) }
    decimal(value.magnitude)
  }

  /// Nanoseconds as microseconds with three decimals (`12345678` → `12345.678`): Chrome's trace
  /// format counts in microseconds and accepts fractions, so no nanosecond is rounded away.
  @inline(__always)
  public mutating func microseconds(nanoseconds: UInt64) {
    decimal(nanoseconds / 1000)
    let fraction = nanoseconds % 1000
    bytes.append(0x2E)
    bytes.append(UInt8(truncatingIfNeeded: fraction / 100) &+ 0x30)
    bytes.append(UInt8(truncatingIfNeeded: fraction / 10 % 10) &+ 0x30)
    bytes.append(UInt8(truncatingIfNeeded: fraction % 10) &+ 0x30)
  }

  /// A non-negative value with `digits` decimals, rounded (for rates such as MiB/s).
  public mutating func fixed(_ value: Double, digits: Int) {
    guard value.isFinite, value >= 0 else {
      bytes.append(0x30)
      return
    }
    var scale: UInt64 = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = UInt64(min((value * Double(scale)).rounded(), 9e18))
    decimal(scaled / scale)
    guard digits > 0 else { return }
    bytes.append(0x2E)
    var fraction = scaled % scale
    var divisor = scale / 10
    while divisor > 0 {
      bytes.append(UInt8(truncatingIfNeeded: fraction / divisor) &+ 0x30)
      fraction %= divisor
      divisor /= 10
    }
  }

  /// `text` as a JSON string, quotes included.
  public mutating func jsonString(_ text: String) {
    bytes.append(contentsOf: Self.encodedJSONString(text))
  }

  /// A task name as a JSON string (its at most 16 bytes read from the two words).
  @inline(__always)
  public mutating func jsonString(_ comm: CommName) {
    bytes.append(0x22)
    var word = comm.low
    for index in 0..<16 {
      if index == 8 { word = comm.high }
      let byte = UInt8(truncatingIfNeeded: word)
      if byte == 0 { break }
      Self.appendEscaped(byte, to: &bytes)
      word >>= 8
    }
    bytes.append(0x22)
  }

  /// `text` encoded once as a JSON string, for names written many times (tensors, devices).
  public static func encodedJSONString(_ text: String) -> [UInt8] {
    var out: [UInt8] = [0x22]
    for byte in text.utf8 { appendEscaped(byte, to: &out) }
    out.append(0x22)
    return out
  }

  /// One byte of a JSON string: quote, backslash and control characters escaped (RFC 8259 §7);
  /// other bytes pass through, so UTF-8 stays UTF-8.
  @inline(__always)
  static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
    switch byte {
    case 0x22: out.append(contentsOf: [0x5C, 0x22])
    case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
    case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
    case 0x09: out.append(contentsOf: [0x5C, 0x74])
    case 0x0D: out.append(contentsOf: [0x5C, 0x72])
    case 0..<0x20:
      let hex: [UInt8] = Array("0123456789abcdef".utf8)
      out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
    default: out.append(byte)
    }
  }
}
