/// Reads the action column of blkparse and ftrace `blk` text: the letters (`Q`, `UT`, `m`, ...)
/// and the words the `blk` tracer prints with `options/verbose=1` (`queue`, `unplug_io`, ...).
enum BlkTextAction {
  /// The action spelled by `bytes[start..<end]`; nil when it is not one.
  @inline(__always)
  static func parse(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> BlockAction? {
    let length = end - start
    guard length > 0 else { return nil }
    let first = bytes[start]
    if length == 1 {
      switch first {
      case UInt8(ascii: "Q"): return .queue
      case UInt8(ascii: "M"): return .backmerge
      case UInt8(ascii: "F"): return .frontmerge
      case UInt8(ascii: "G"): return .getRequest
      case UInt8(ascii: "S"): return .sleepRequest
      case UInt8(ascii: "R"): return .requeue
      case UInt8(ascii: "D"): return .issue
      case UInt8(ascii: "C"): return .complete
      case UInt8(ascii: "P"): return .plug
      case UInt8(ascii: "U"): return .unplugIO
      case UInt8(ascii: "I"): return .insert
      case UInt8(ascii: "X"): return .split
      case UInt8(ascii: "B"): return .bounce
      case UInt8(ascii: "A"): return .remap
      case UInt8(ascii: "m"): return .message
      default: return nil
      }
    }
    if length == 2 {
      return first == UInt8(ascii: "U") && bytes[start + 1] == UInt8(ascii: "T") ? .unplugTimer : nil
    }
    return word(bytes, start: start, end: end)
  }

  /// The `options/verbose=1` spellings (kernel `what2act[].act[1]`).
  static func word(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> BlockAction? {
    switch bytes[start] {
    case UInt8(ascii: "q"): if ByteScan.equals("queue", bytes, start: start, end: end) { return .queue }
    case UInt8(ascii: "b"):
      if ByteScan.equals("backmerge", bytes, start: start, end: end) { return .backmerge }
      if ByteScan.equals("bounce", bytes, start: start, end: end) { return .bounce }
    case UInt8(ascii: "f"): if ByteScan.equals("frontmerge", bytes, start: start, end: end) { return .frontmerge }
    case UInt8(ascii: "g"): if ByteScan.equals("getrq", bytes, start: start, end: end) { return .getRequest }
    case UInt8(ascii: "s"):
      if ByteScan.equals("sleeprq", bytes, start: start, end: end) { return .sleepRequest }
      if ByteScan.equals("split", bytes, start: start, end: end) { return .split }
    case UInt8(ascii: "r"):
      if ByteScan.equals("requeue", bytes, start: start, end: end) { return .requeue }
      if ByteScan.equals("remap", bytes, start: start, end: end) { return .remap }
    case UInt8(ascii: "i"):
      if ByteScan.equals("issue", bytes, start: start, end: end) { return .issue }
      if ByteScan.equals("insert", bytes, start: start, end: end) { return .insert }
    case UInt8(ascii: "c"): if ByteScan.equals("complete", bytes, start: start, end: end) { return .complete }
    case UInt8(ascii: "p"): if ByteScan.equals("plug", bytes, start: start, end: end) { return .plug }
    case UInt8(ascii: "u"):
      if ByteScan.equals("unplug_io", bytes, start: start, end: end) { return .unplugIO }
      if ByteScan.equals("unplug_timer", bytes, start: start, end: end) { return .unplugTimer }
    case UInt8(ascii: "m"): if ByteScan.equals("message", bytes, start: start, end: end) { return .message }
    default: break
    }
    return nil
  }

  /// True for the actions whose blktrace record carries the request-level (FS) category bit:
  /// insert, issue, complete and requeue. Text cannot show it, so it is inferred.
  @inline(__always)
  static func isRequestLevel(_ action: BlockAction) -> Bool {
    switch action {
    case .insert, .issue, .complete, .requeue: true
    default: false
    }
  }
}
