/// Parses the RWBS column of text traces into `BlockFlags`.
///
/// Two generators exist (spec §2.2): blktrace/blkparse and the ftrace `blk` tracer print
/// `[F](D|W|R|N)[F][A][S][M]`; tracepoints print `[F](R|W|D|DE|F|Z…|N)[F][A][S][M][U]`.
/// One parser accepts both: a leading `F` followed by another op letter is a preflush.
public enum RWBS {
  /// Flags for the RWBS token `bytes[start..<end]`; nil when it contains an unknown letter.
  @inlinable
  public static func parse(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> BlockFlags? {
    var index = start
    guard index < end else { return nil }
    var flags: BlockFlags = []
    if bytes[index] == 0x46, index + 1 < end {  // 'F' then an op letter: preflush
      switch bytes[index + 1] {
      case 0x52, 0x57, 0x44, 0x4E, 0x46, 0x5A:  // R W D N F Z
        flags.insert(.flush)
        index += 1
      default: break
      }
    }
    switch bytes[index] {
    case 0x52: flags.insert(.read)  // R
    case 0x57: flags.insert(.write)  // W
    case 0x44:  // D, DE
      flags.insert(.discard)
      if index + 1 < end, bytes[index + 1] == 0x45 { index += 1 }
    case 0x46: flags.insert(.flush)  // F: flush op (tracepoints)
    case 0x4E: flags.insert(.otherOperation)  // N: no data
    case 0x5A:  // Z?: zone operations
      flags.insert(.otherOperation)
      while index + 1 < end, bytes[index + 1] == 0x41 || bytes[index + 1] == 0x52 || bytes[index + 1] == 0x46
        || bytes[index + 1] == 0x4F || bytes[index + 1] == 0x43
      {
        // ZA ZR ZRA ZF ZO ZC: consume the zone op letters, which overlap the flag letters.
        index += 1
        if bytes[index] != 0x52 { break }
      }
    default: return nil
    }
    index += 1
    while index < end {
      switch bytes[index] {
      case 0x46: flags.insert(.fua)  // F
      case 0x41: flags.insert(.readahead)  // A
      case 0x53: flags.insert(.sync)  // S
      case 0x4D: flags.insert(.meta)  // M
      case 0x55: break  // U: atomic write
      default: return nil
      }
      index += 1
    }
    return flags
  }

  /// The blkparse spelling of `flags` (used in CSV output and messages).
  public static func format(_ flags: BlockFlags, hasSize: Bool = true) -> String {
    var text = ""
    if flags.contains(.flush) { text += "F" }
    if flags.contains(.discard) {
      text += "D"
    } else if flags.contains(.write) {
      text += "W"
    } else if flags.contains(.read) {
      text += hasSize ? "R" : "N"
    } else {
      text += "N"
    }
    if flags.contains(.fua) { text += "F" }
    if flags.contains(.readahead) { text += "A" }
    if flags.contains(.sync) { text += "S" }
    if flags.contains(.meta) { text += "M" }
    return text
  }
}
