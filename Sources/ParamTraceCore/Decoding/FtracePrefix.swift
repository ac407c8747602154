/// The prefix tracefs puts before every event in `trace` and `trace_pipe` (spec §3.3):
/// `COMM-PID [CPU] FLAGS SECONDS.MICROS: `, with an optional `(TGID)` before the CPU
/// (`options/record-tgid`) and optional flags (`options/irq-info`).
///
/// The comm is right-aligned and may contain `-`, spaces and brackets, so the pid is found as
/// the digits after a `-` that come right before the `[CPU]` field.
struct FtracePrefix {
  /// The task name is `bytes[commStart..<commEnd]` (`<idle>`, `<...>` when unknown).
  var commStart: Int
  var commEnd: Int
  var pid: Int32
  var cpu: UInt16
  /// The timestamp in nanoseconds (printed with microsecond resolution by default).
  var time: UInt64
  /// Where the event text starts (after `: ` and blanks).
  var bodyStart: Int

  /// Parses the prefix of the line `bytes[start..<end]` (`start` at its first non-blank byte);
  /// nil when the line has none.
  @inline(__always)
  static func parse(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> FtracePrefix? {
    // The comm has at most 16 bytes, so the CPU field is near the start; looking no further
    // keeps garbage lines full of brackets linear.
    let window = min(end, start + searchWindow)
    var open = start
    while true {
      open = ByteScan.find(UInt8(ascii: "["), in: bytes, from: open, to: window)
      guard open < window else { return nil }
      if let prefix = parse(bytes, start: start, cpuField: open, end: end) { return prefix }
      open += 1
    }
  }

  /// How far from the line's start the `[CPU]` field may be: a 16-byte comm padded to 16,
  /// `-`, a pid, `(TGID)` and blanks fit with room to spare.
  static let searchWindow = 128

  /// Tries the prefix with the `[CPU]` field at `open`.
  @inline(__always)
  private static func parse(
    _ bytes: UnsafeRawBufferPointer, start: Int, cpuField open: Int, end: Int
  ) -> FtracePrefix? {
    // Forward: [CPU]
    var at = open + 1
    guard let cpu = ByteScan.unsigned(bytes, &at, end), cpu <= UInt64(UInt16.max),
      at < end, bytes[at] == UInt8(ascii: "]")
    else { return nil }
    at += 1
    // Backward: blanks, optional (TGID), blanks, PID, '-'.
    var back = open
    while back > start, ByteScan.isBlank(bytes[back - 1]) { back -= 1 }
    if back > start, bytes[back - 1] == UInt8(ascii: ")") {
      guard let paren = ByteScan.lastIndex(of: UInt8(ascii: "("), in: bytes, from: start, to: back - 1) else {
        return nil
      }
      back = paren
      while back > start, ByteScan.isBlank(bytes[back - 1]) { back -= 1 }
    }
    let pidEnd = back
    while back > start, ByteScan.isDigit(bytes[back - 1]) { back -= 1 }
    guard back < pidEnd, back > start, bytes[back - 1] == UInt8(ascii: "-") else { return nil }
    var pidAt = back
    guard let pid = BlkTextLine.parsePid(bytes, &pidAt, pidEnd) else { return nil }
    let commEnd = back - 1
    // Forward again: optional flags, then the timestamp and ':'.
    ByteScan.skipBlanks(bytes, &at, end)
    guard at < end else { return nil }
    if !ByteScan.isDigit(bytes[at]) {
      ByteScan.skipToken(bytes, &at, end)
      ByteScan.skipBlanks(bytes, &at, end)
    }
    guard let time = ByteScan.secondsAsNanoseconds(bytes, &at, end), at < end, bytes[at] == UInt8(ascii: ":") else {
      return nil
    }
    at += 1
    ByteScan.skipBlanks(bytes, &at, end)
    return FtracePrefix(
      commStart: start, commEnd: commEnd, pid: pid, cpu: UInt16(truncatingIfNeeded: cpu), time: time, bodyStart: at)
  }

  /// Handles `CPU:N [LOST M EVENTS]` (adds M to `lostEvents`); nil when the line is not one.
  static func parseLostEvents(
    _ bytes: UnsafeRawBufferPointer, start: Int, end: Int, sink: inout TextLineSink
  ) -> TextLineOutcome? {
    guard ByteScan.hasPrefix("CPU:", bytes, at: start, end: end) else { return nil }
    var at = start + 4
    guard ByteScan.unsigned(bytes, &at, end) != nil else { return nil }
    ByteScan.skipBlanks(bytes, &at, end)
    guard ByteScan.hasPrefix("[LOST ", bytes, at: at, end: end) else { return nil }
    at += 6
    guard let lost = ByteScan.unsigned(bytes, &at, end), ByteScan.hasPrefix(" EVENTS]", bytes, at: at, end: end) else {
      return .malformed(expected: "`CPU:N [LOST M EVENTS]`")
    }
    sink.diagnostics.lostEvents = sink.diagnostics.lostEvents &+ Int(clamping: lost)
    return .consumed
  }

  /// True when `bytes[start..<end]` is `NAME:` followed by a blank or the end, with NAME a C
  /// identifier: another event's text after the prefix.
  @inline(__always)
  static func isEventName(_ bytes: UnsafeRawBufferPointer, start: Int, colon: Int) -> Bool {
    guard colon > start else { return false }
    for index in start..<colon {
      let byte = bytes[index]
      let isWordByte =
        ByteScan.isDigit(byte) || byte == UInt8(ascii: "_") || (byte | 0x20) &- UInt8(ascii: "a") < 26
      if !isWordByte { return false }
    }
    return true
  }
}
