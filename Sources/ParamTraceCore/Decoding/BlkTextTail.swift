/// The part of a blkparse or ftrace `blk` line after the RWBS column (spec §2.1), which
/// depends on the action:
///
/// | action | tail |
/// |---|---|
/// | Q M F G S I D B | `SECTOR + N [comm]`, `[comm]`, passthrough `BYTES (cdb) [comm]` |
/// | C R | `SECTOR + N [ERR]`, `SECTOR [ERR]`, passthrough `(cdb) [ERR]` |
/// | P | `[comm]` |
/// | U UT | `[comm] DEPTH` |
/// | X | `SECTOR / NEWSECTOR [comm]` |
/// | A | `SECTOR + N <- (MAJ,MIN) FROMSECTOR` |
///
/// blkparse `-t` puts `(  NANOS)` before the bracket; it is skipped. A comm is the text between
/// the first `[` and the last `]`, so it may hold spaces and brackets.
struct BlkTextTail {
  /// First sector (0 when the line has none).
  var sector: UInt64 = 0
  /// Length in sectors (0 when the line has none).
  var sectors: UInt32 = 0
  /// The errno in the bracket of C and R lines.
  var error: Int16 = 0
  /// X: the new sector; U/UT: the depth; A: the sector before the remap.
  var detail: UInt64 = 0
  /// The bracketed comm is `bytes[commStart..<commEnd]`; an empty range when there is none.
  var commStart = 0
  var commEnd = 0
  /// The line shows a passthrough (SCSI CDB) payload.
  var passthrough = false

  /// A description of what `action`'s tail looks like, for error messages.
  static func expected(for action: BlockAction) -> String {
    switch action {
    case .complete, .requeue: "`SECTOR + N [ERRNO]` after \(action.letters)"
    case .plug: "`[comm]` after P"
    case .unplugIO, .unplugTimer: "`[comm] DEPTH` after \(action.letters)"
    case .split: "`SECTOR / NEWSECTOR [comm]` after X"
    case .remap: "`SECTOR + N <- (MAJ,MIN) SECTOR` after A"
    default: "`SECTOR + N [comm]` or `[comm]` after \(action.letters)"
    }
  }

  /// Parses the tail of an `action` line in `bytes[index..<end]`; nil when it does not have
  /// the action's shape.
  @inline(__always)
  static func parse(
    _ action: BlockAction, _ bytes: UnsafeRawBufferPointer, from index: Int, to end: Int
  ) -> BlkTextTail? {
    var tail = BlkTextTail()
    var at = index
    ByteScan.skipBlanks(bytes, &at, end)
    switch action {
    case .complete, .requeue:
      if at < end, ByteScan.isDigit(bytes[at]) {
        guard let sector = ByteScan.unsigned(bytes, &at, end) else { return nil }
        tail.sector = sector
        ByteScan.skipBlanks(bytes, &at, end)
        if at < end, bytes[at] == UInt8(ascii: "+") {
          at += 1
          guard tail.parseCount(bytes, &at, end) else { return nil }
        }
      } else if at < end, bytes[at] == UInt8(ascii: "(") {
        tail.passthrough = true
      }
      guard skipParenthesized(bytes, &at, end), at < end, bytes[at] == UInt8(ascii: "[") else { return nil }
      at += 1
      guard let error = ByteScan.signed(bytes, &at, end), at < end, bytes[at] == UInt8(ascii: "]") else {
        return nil
      }
      at += 1
      ByteScan.skipBlanks(bytes, &at, end)
      guard at == end else { return nil }
      // blkparse prints blktrace's u16 error field as is (-EIO as 65531); the ftrace blk
      // tracer prints it signed. Both mean the same negative errno.
      tail.error = (32_768...65_535).contains(error) ? Int16(truncatingIfNeeded: error) : Int16(clamping: error)
    case .plug:
      guard tail.parseComm(bytes, at, end, trailingNumber: false) else { return nil }
    case .unplugIO, .unplugTimer:
      guard tail.parseComm(bytes, at, end, trailingNumber: true) else { return nil }
    case .split:
      guard let sector = ByteScan.unsigned(bytes, &at, end) else { return nil }
      tail.sector = sector
      ByteScan.skipBlanks(bytes, &at, end)
      guard at < end, bytes[at] == UInt8(ascii: "/") else { return nil }
      at += 1
      ByteScan.skipBlanks(bytes, &at, end)
      guard let newSector = ByteScan.unsigned(bytes, &at, end) else { return nil }
      tail.detail = newSector
      ByteScan.skipBlanks(bytes, &at, end)
      guard tail.parseComm(bytes, at, end, trailingNumber: false) else { return nil }
    case .remap:
      guard let sector = ByteScan.unsigned(bytes, &at, end) else { return nil }
      tail.sector = sector
      ByteScan.skipBlanks(bytes, &at, end)
      guard at < end, bytes[at] == UInt8(ascii: "+") else { return nil }
      at += 1
      guard tail.parseCount(bytes, &at, end), tail.parseRemapSource(bytes, &at, end) else { return nil }
      guard at == end else { return nil }
    default:
      if at < end, ByteScan.isDigit(bytes[at]) {
        guard let number = ByteScan.unsigned(bytes, &at, end) else { return nil }
        ByteScan.skipBlanks(bytes, &at, end)
        guard at < end else { return nil }
        if bytes[at] == UInt8(ascii: "+") {
          tail.sector = number
          at += 1
          guard tail.parseCount(bytes, &at, end) else { return nil }
        } else if bytes[at] == UInt8(ascii: "(") {
          tail.passthrough = true  // BYTES (cdb): no sector
        } else {
          return nil
        }
      }
      guard skipParenthesized(bytes, &at, end), tail.parseComm(bytes, at, end, trailingNumber: false) else {
        return nil
      }
    }
    return tail
  }

  /// Parses `N` after a `+` (blanks around allowed) into `sectors`, then skips blanks.
  @inline(__always)
  mutating func parseCount(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, _ end: Int) -> Bool {
    ByteScan.skipBlanks(bytes, &at, end)
    guard let count = ByteScan.unsigned(bytes, &at, end), count <= UInt64(UInt32.max) else { return false }
    sectors = UInt32(truncatingIfNeeded: count)
    ByteScan.skipBlanks(bytes, &at, end)
    return true
  }

  /// Parses `<- (MAJ,MIN) SECTOR` and an optional trailing count (tracepoint `block_rq_remap`'s
  /// NR_BIOS) into `detail`, leaving `at` after trailing blanks.
  mutating func parseRemapSource(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, _ end: Int) -> Bool {
    guard ByteScan.hasPrefix("<-", bytes, at: at, end: end) else { return false }
    at += 2
    ByteScan.skipBlanks(bytes, &at, end)
    guard at < end, bytes[at] == UInt8(ascii: "(") else { return false }
    at += 1
    ByteScan.skipBlanks(bytes, &at, end)
    guard ByteScan.unsigned(bytes, &at, end) != nil, at < end, bytes[at] == UInt8(ascii: ",") else { return false }
    at += 1
    ByteScan.skipBlanks(bytes, &at, end)
    guard ByteScan.unsigned(bytes, &at, end) != nil else { return false }
    ByteScan.skipBlanks(bytes, &at, end)
    guard at < end, bytes[at] == UInt8(ascii: ")") else { return false }
    at += 1
    ByteScan.skipBlanks(bytes, &at, end)
    guard let from = ByteScan.unsigned(bytes, &at, end) else { return false }
    detail = from
    ByteScan.skipBlanks(bytes, &at, end)
    if at < end, ByteScan.isDigit(bytes[at]) {
      guard ByteScan.unsigned(bytes, &at, end) != nil else { return false }
      ByteScan.skipBlanks(bytes, &at, end)
    }
    return true
  }

  /// Skips `( ... )` groups (a passthrough CDB, blkparse `-t` nanoseconds) and the blanks after.
  @inline(__always)
  static func skipParenthesized(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, _ end: Int) -> Bool {
    while at < end, bytes[at] == UInt8(ascii: "(") {
      let close = ByteScan.find(UInt8(ascii: ")"), in: bytes, from: at + 1, to: end)
      guard close < end else { return false }
      at = close + 1
      ByteScan.skipBlanks(bytes, &at, end)
    }
    return true
  }

  /// Parses `[comm]` starting at `at` up to the line's last `]`, then (for U/UT) a number
  /// into `detail`; only blanks may follow. blkparse's `(null)` (no PROCESS note) is no name.
  @inline(__always)
  mutating func parseComm(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ end: Int, trailingNumber: Bool) -> Bool {
    guard at < end, bytes[at] == UInt8(ascii: "[") else { return false }
    var stop = end
    ByteScan.trimTrailingBlanks(bytes, at, &stop)
    if trailingNumber {
      var digitsStart = stop
      while digitsStart > at, ByteScan.isDigit(bytes[digitsStart - 1]) { digitsStart -= 1 }
      if digitsStart < stop {
        var cursor = digitsStart
        guard let number = ByteScan.unsigned(bytes, &cursor, stop) else { return false }
        detail = number
        stop = digitsStart
        ByteScan.trimTrailingBlanks(bytes, at, &stop)
      }
    }
    guard stop - at >= 2, bytes[stop - 1] == UInt8(ascii: "]") else { return false }
    commStart = at + 1
    commEnd = stop - 1
    if ByteScan.equals("(null)", bytes, start: commStart, end: commEnd) { commEnd = commStart }
    return true
  }
}
