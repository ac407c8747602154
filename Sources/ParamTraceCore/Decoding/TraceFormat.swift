/// The trace formats paramtrace reads (spec §1–§4). The raw values are the `--format` names.
public enum TraceFormat: String, CaseIterable, Sendable {
  /// blktrace's binary records: per-CPU `NAME.blktrace.N` files or a `blkparse -d` dump.
  case blktrace
  /// The ftrace `blk` tracer's binary output (`options/bin=1`).
  case kernelBinary = "kernel-bin"
  /// blkparse's default text output.
  case blkparse
  /// The ftrace `blk` tracer's text, default or `blk_classic`.
  case ftraceBlk = "blk"
  /// tracefs `block:*` tracepoint text (`block_rq_issue: ...`).
  case tracepoint
  /// The CHEOPS'25 bpftrace CSV (`nsecs, rwbs, bytes, sector, nr_sector`).
  case cheopsCSV = "csv"
  /// Raw ring-buffer pages of a tracefs instance (`per_cpu/cpuN/trace_pipe_raw`), one file per
  /// CPU `NAME.cpuN` beside the event layouts `NAME.formats` (what `record` writes as
  /// `trace.raw.*`). Not detected from bytes: named by the files.
  case ftraceRaw = "ftrace-raw"

  /// What a line of this format is, for messages: "a tracepoint line".
  public var describedAsLines: String {
    switch self {
    case .blktrace: "a blktrace binary record"
    case .kernelBinary: "a kernel blk binary record"
    case .blkparse: "a blkparse line"
    case .ftraceBlk: "a blk tracer line"
    case .tracepoint: "a tracepoint line"
    case .cheopsCSV: "a CHEOPS CSV row"
    case .ftraceRaw: "a raw ring-buffer page"
    }
  }

  /// How many bytes `detect` wants to see (it works with fewer).
  public static let detectionPrefixLength = 16 << 10

  /// Guesses the format from the first bytes of an input (a few KiB are enough); nil when
  /// nothing matches.
  ///
  /// blktrace magic → `.blktrace`; `# tracer: blk\n#\n` followed by binary records →
  /// `.kernelBinary`, by text → `.ftraceBlk`; `# tracer: nop` or `block_rq_`/`block_bio_`
  /// lines → `.tracepoint`; `maj,min cpu seq sec.nsec pid ACT` → `.blkparse`; the same without
  /// the sequence, or `task-pid [cpu] ... time: maj,min ACT` → `.ftraceBlk`; `Attaching ...`
  /// or `nsecs, RWBS, bytes, sector, nr_sector` → `.cheopsCSV`.
  public static func detect(_ prefix: UnsafeRawBufferPointer) -> TraceFormat? {
    let count = prefix.count
    if count >= 4, BlkIOTraceReader.magicInfo(prefix.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) != nil {
      return .blktrace
    }
    if ByteScan.hasPrefix("# tracer: blk\n", prefix, at: 0, end: count) {
      let header = KernelBlkBinaryDecoder.header.utf8CodeUnitCount
      if ByteScan.hasPrefix(KernelBlkBinaryDecoder.header, prefix, at: 0, end: count),
        KernelBlkBinaryDecoder.hasMagic(prefix, at: header)
          || KernelBlkBinaryDecoder.hasMagic(prefix, at: header + KernelBlkBinaryDecoder.contextPrefixLength)
      {
        return .kernelBinary
      }
      return .ftraceBlk
    }
    if ByteScan.hasPrefix("# tracer: nop", prefix, at: 0, end: count) { return .tracepoint }

    // Text: classify the first lines that are neither empty nor comments.
    var lineStart = 0
    var linesSeen = 0
    while lineStart < count, linesSeen < 200 {
      var lineEnd = ByteScan.find(0x0A, in: prefix, from: lineStart, to: count)
      // A last line without a newline counts only when it is all there is.
      if lineEnd == count, lineStart > 0 { break }
      if lineEnd > lineStart, prefix[lineEnd - 1] == 0x0D { lineEnd -= 1 }
      if let format = classifyLine(prefix, start: lineStart, end: lineEnd) { return format }
      linesSeen += 1
      lineStart = ByteScan.find(0x0A, in: prefix, from: lineEnd, to: count) + 1
    }
    return nil
  }

  /// The format one text line looks like, or nil for comments, blanks and unknown lines.
  static func classifyLine(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> TraceFormat? {
    var index = start
    ByteScan.skipBlanks(bytes, &index, end)
    guard index < end, bytes[index] != 0x23 /* # */ else { return nil }
    if containsTracepointName(bytes, start: index, end: end) { return .tracepoint }
    if ByteScan.hasPrefix("Attaching ", bytes, at: index, end: end) { return .cheopsCSV }
    if isCheopsRow(bytes, start: index, end: end) { return .cheopsCSV }
    if let columns = numericColumnsBeforeTime(bytes, start: index, end: end) {
      return columns == 2 ? .blkparse : columns == 1 ? .ftraceBlk : nil
    }
    if isFtraceBlkLine(bytes, start: index, end: end) { return .ftraceBlk }
    return nil
  }

  /// True when the line names a block tracepoint (`block_rq_`, `block_bio_`, ...).
  static func containsTracepointName(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
    var at = start
    while true {
      at = ByteScan.find(0x62 /* b */, in: bytes, from: at, to: end)
      if at == end { return false }
      if ByteScan.hasPrefix("block_", bytes, at: at, end: end) {
        let name = at + 6
        for candidate: StaticString in ["rq_", "bio_", "getrq", "split", "plug", "unplug", "io_", "dirty_buffer", "touch_buffer"]
        where ByteScan.hasPrefix(candidate, bytes, at: name, end: end) {
          return true
        }
      }
      at += 1
    }
  }

  /// `nsecs, RWBS, bytes, sector, nr_sector` (spec §4).
  static func isCheopsRow(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
    var index = start
    guard ByteScan.unsigned(bytes, &index, end) != nil, ByteScan.hasPrefix(", ", bytes, at: index, end: end) else {
      return false
    }
    index += 2
    let letters = index
    while index < end, bytes[index] &- 0x41 < 26 { index += 1 }  // A-Z
    guard index > letters else { return false }
    for _ in 0..<3 {
      guard ByteScan.hasPrefix(", ", bytes, at: index, end: end) else { return false }
      index += 2
      guard ByteScan.unsigned(bytes, &index, end) != nil else { return false }
    }
    return true
  }

  /// For `maj,min N [N] sec.frac pid ACT`: the number of integer columns between the device
  /// and the time (2 for blkparse: cpu and sequence; 1 for blk_classic: cpu). Nil for other
  /// shapes.
  static func numericColumnsBeforeTime(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Int? {
    var index = start
    guard ByteScan.unsigned(bytes, &index, end) != nil, index < end, bytes[index] == 0x2C /* , */ else { return nil }
    index += 1
    guard ByteScan.unsigned(bytes, &index, end) != nil else { return nil }
    var columns = 0
    while true {
      let blank = index
      ByteScan.skipBlanks(bytes, &index, end)
      guard index > blank, ByteScan.unsigned(bytes, &index, end) != nil, index < end else { return nil }
      if bytes[index] == 0x2E /* . */ {
        index += 1
        guard index < end, ByteScan.isDigit(bytes[index]) else { return nil }
        while index < end, ByteScan.isDigit(bytes[index]) { index += 1 }
        break
      }
      columns += 1
      if columns > 2 { return nil }
    }
    // pid, then the action letters.
    var blank = index
    ByteScan.skipBlanks(bytes, &index, end)
    guard index > blank, ByteScan.unsigned(bytes, &index, end) != nil else { return nil }
    blank = index
    ByteScan.skipBlanks(bytes, &index, end)
    guard index > blank, index < end else { return nil }
    let letter = bytes[index]
    guard letter &- 0x41 < 26 || letter == 0x6D /* m */ else { return nil }
    return columns
  }

  /// `task-pid [cpu] flags seconds.micros: maj,min ACT ...` (the `blk` tracer's default text).
  static func isFtraceBlkLine(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
    var index = ByteScan.find(0x5B /* [ */, in: bytes, from: start, to: end) + 1
    guard ByteScan.unsigned(bytes, &index, end) != nil, index < end, bytes[index] == 0x5D /* ] */ else { return false }
    // The time ends with ": "; the device follows.
    var colon = index
    while true {
      colon = ByteScan.find(0x3A /* : */, in: bytes, from: colon, to: end)
      guard colon < end else { return false }
      var cursor = colon + 1
      if cursor < end, bytes[cursor] == 0x20 {
        ByteScan.skipBlanks(bytes, &cursor, end)
        if ByteScan.unsigned(bytes, &cursor, end) != nil, cursor < end, bytes[cursor] == 0x2C {
          cursor += 1
          if ByteScan.unsigned(bytes, &cursor, end) != nil, cursor < end, bytes[cursor] == 0x20 { return true }
        }
      }
      colon += 1
    }
  }
}
