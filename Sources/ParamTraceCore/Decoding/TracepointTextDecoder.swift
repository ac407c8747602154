/// Decodes tracefs text of the `block:*` tracepoints (spec §3.2), each line after the ftrace
/// prefix (§3.3), for example
/// `dd-15685 [000] ...1. 446.422730: block_rq_insert: 254,0 RS 65536 () 33487360 + 128 be,0,4 [dd]`.
///
/// Request events (`block_rq_*`) get `.requestLevel`; `block_rq_merge` is a `.backmerge` at
/// request level. Completions, requeues and errors carry the errno; their comm is the prefix's
/// task, while events whose bracket holds a comm use it (it is the name at event time, which can
/// differ from the prefix's). The scheduler's task events (`task_newtask`, `task_rename`,
/// `sched_process_fork/exec/exit`, spec §12) become task events (`TaskEventText`), so the
/// workload's task tree is built from the same stream. `block_io_start`/`block_io_done`, the
/// buffer events and other tracers' events are ignored lines; `blk` tracer lines (either form, the
/// blk format in the same file) are decoded and counted as a second format;
/// `tracing_mark_write:` lines become markers;
/// `CPU:N [LOST M EVENTS]` adds to `lostEvents`. The header's `entries-in-buffer/entries-written`
/// is not counted as lost: it is wrong once a reader has consumed events.
public struct TracepointTextDecoder: TraceDecoder {
  private var reader: TextLineReader
  private var parser = Parser()

  /// A decoder for one input; `options.sourceName` names it in errors.
  public init(options: DecoderOptions) {
    reader = TextLineReader(options: options)
  }

  /// Ignored, malformed and lost lines so far.
  public var diagnostics: TraceDiagnostics { reader.sink.diagnostics }
  /// Marker lines so far, in input order.
  public var markers: [TraceMarker] { reader.sink.markers }

  /// Decodes the whole lines in `bytes` (and a last partial one when `atEnd`); see `TraceDecoder`.
  public mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    try reader.decode(&parser, bytes, atEnd: atEnd, into: &events)
  }

  /// How a tracepoint's fields are printed.
  enum Layout {
    /// `DEV RWBS BYTES (CMD) SECTOR + N [IOPRIO] [comm]`: rq_insert, rq_issue, rq_merge.
    case requestWithBytes
    /// `DEV RWBS (CMD) SECTOR + N [IOPRIO] [ERR]`: rq_complete, rq_error, rq_requeue.
    case requestWithError
    /// `DEV RWBS SECTOR + N [comm]`: bio_queue, bio_backmerge, bio_frontmerge, bio_bounce, getrq, sleeprq.
    case bioWithComm
    /// `DEV RWBS SECTOR + N [ERR]`: bio_complete.
    case bioWithError
    /// `DEV RWBS SECTOR + N <- (MAJ,MIN) SECTOR [NR_BIOS]`: bio_remap, rq_remap.
    case remap
    /// `DEV RWBS SECTOR / NEWSECTOR [comm]`: split.
    case split
    /// `[comm]`: plug.
    case plug
    /// `[comm] NR_RQ`: unplug.
    case unplug
  }

  /// The action, request level and layout of the tracepoint `block_NAME`, where `NAME` is
  /// `bytes[start..<end]`; nil for block events that are not I/O steps (io_start, io_done,
  /// touch_buffer, dirty_buffer) or unknown ones.
  @inline(__always)
  static func classify(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> (BlockAction, Bool, Layout)? {
    func named(_ literal: StaticString) -> Bool { ByteScan.equals(literal, bytes, start: start, end: end) }
    if ByteScan.hasPrefix("rq_", bytes, at: start, end: end) {
      if named("rq_issue") { return (.issue, true, .requestWithBytes) }
      if named("rq_insert") { return (.insert, true, .requestWithBytes) }
      if named("rq_complete") { return (.complete, true, .requestWithError) }
      if named("rq_requeue") { return (.requeue, true, .requestWithError) }
      if named("rq_merge") { return (.backmerge, true, .requestWithBytes) }
      if named("rq_error") { return (.complete, true, .requestWithError) }
      if named("rq_remap") { return (.remap, true, .remap) }
      return nil
    }
    if ByteScan.hasPrefix("bio_", bytes, at: start, end: end) {
      if named("bio_queue") { return (.queue, false, .bioWithComm) }
      if named("bio_backmerge") { return (.backmerge, false, .bioWithComm) }
      if named("bio_frontmerge") { return (.frontmerge, false, .bioWithComm) }
      if named("bio_complete") { return (.complete, false, .bioWithError) }
      if named("bio_remap") { return (.remap, false, .remap) }
      if named("bio_bounce") { return (.bounce, false, .bioWithComm) }
      return nil
    }
    if named("getrq") { return (.getRequest, false, .bioWithComm) }
    if named("split") { return (.split, false, .split) }
    if named("plug") { return (.plug, false, .plug) }
    if named("unplug") { return (.unplugIO, false, .unplug) }
    if named("sleeprq") { return (.sleepRequest, false, .bioWithComm) }
    return nil
  }

  struct Parser: TextLineParser {
    @inline(__always)
    mutating func parseLine(
      _ bytes: UnsafeRawBufferPointer, start: Int, end: Int,
      into events: inout ContiguousArray<BlockEvent>, sink: inout TextLineSink
    ) -> TextLineOutcome {
      if let lost = FtracePrefix.parseLostEvents(bytes, start: start, end: end, sink: &sink) { return lost }
      if FtraceBlkTextDecoder.startsWithDevice(bytes, start: start, end: end) {
        // A blk_classic line: the blk tracer's format in a tracepoint file.
        return Self.asSecondFormat(BlkTextLine.parseUnprefixed(bytes, start: start, end: end, into: &events, sink: &sink))
      }
      guard let prefix = FtracePrefix.parse(bytes, start: start, end: end) else {
        return .malformed(expected: "an ftrace prefix `COMM-PID [CPU] FLAGS TIME:`")
      }
      let body = prefix.bodyStart
      if let outcome = TracepointTextDecoder.parseBlockTracepoint(bytes, prefix: prefix, end: end, into: &events) {
        return outcome
      }
      if let (action, nameLength) = TaskEventText.action(bytes, body: body, end: end) {
        return TaskEventText.parse(action, bytes, from: body + nameLength, to: end, prefix: prefix, into: &events)
      }
      if body < end, ByteScan.isDigit(bytes[body]) {
        // `MAJ,MIN ACT ...` after the prefix: a blk tracer line in its default form.
        var at = body
        guard let device = BlkTextLine.parseDevice(bytes, &at, end), at < end, ByteScan.isBlank(bytes[at]) else {
          return .malformed(expected: "`block_NAME:` after the ftrace prefix")
        }
        return Self.asSecondFormat(
          BlkTextLine.parseActionAndTail(
            bytes, from: at, to: end, time: prefix.time, device: device, pid: prefix.pid, cpu: prefix.cpu,
            prefixCommStart: prefix.commStart, prefixCommEnd: prefix.commEnd, into: &events, sink: &sink))
      }
      return FtraceBlkTextDecoder.nonBlockBody(bytes, prefix: prefix, end: end, sink: &sink)
    }

    /// A blk tracer line decoded in a tracepoint file is an event of a second format.
    static func asSecondFormat(_ outcome: TextLineOutcome) -> TextLineOutcome {
      switch outcome {
      case .event, .secondFormat: .secondFormat(.ftraceBlk)
      default: outcome
      }
    }
  }

  /// The line after `prefix` as a block tracepoint (`block_NAME: fields`): the outcome, or nil
  /// when its body is not a `block_` event at all.
  @inline(__always)
  static func parseBlockTracepoint(
    _ bytes: UnsafeRawBufferPointer, prefix: FtracePrefix, end: Int, into events: inout ContiguousArray<BlockEvent>
  ) -> TextLineOutcome? {
    let body = prefix.bodyStart
    guard ByteScan.hasPrefix("block_", bytes, at: body, end: end) else { return nil }
    let nameStart = body + 6
    let colon = ByteScan.find(UInt8(ascii: ":"), in: bytes, from: nameStart, to: end)
    guard colon < end else { return .malformed(expected: "`block_NAME:` after the ftrace prefix") }
    guard let (action, requestLevel, layout) = TracepointTextDecoder.classify(bytes, start: nameStart, end: colon) else {
      return FtracePrefix.isEventName(bytes, start: body, colon: colon)
        ? .ignored : .malformed(expected: "`block_NAME:` after the ftrace prefix")
    }
    return TracepointTextDecoder.parseFields(
      bytes, from: colon + 1, to: end, prefix: prefix, action: action, requestLevel: requestLevel,
      layout: layout, into: &events)
  }

  /// Parses the fields after `block_NAME:` and appends the event.
  @inline(__always)
  static func parseFields(
    _ bytes: UnsafeRawBufferPointer, from index: Int, to end: Int, prefix: FtracePrefix,
    action: BlockAction, requestLevel: Bool, layout: Layout, into events: inout ContiguousArray<BlockEvent>
  ) -> TextLineOutcome {
    var at = index
    ByteScan.skipBlanks(bytes, &at, end)
    var tail = BlkTextTail()
    var device = DeviceNumber(raw: 0)
    var flags: BlockFlags = []
    var bracketIsComm = false

    if layout != .plug && layout != .unplug {
      guard let parsed = BlkTextLine.parseDevice(bytes, &at, end), at < end, ByteScan.isBlank(bytes[at]) else {
        return .malformed(expected: "`MAJ,MIN` device after the tracepoint name")
      }
      device = parsed
      ByteScan.skipBlanks(bytes, &at, end)
      let rwbsStart = at
      ByteScan.skipToken(bytes, &at, end)
      guard let rwbs = RWBS.parse(bytes, start: rwbsStart, end: at) else {
        return .malformed(expected: "RWBS flags after the device")
      }
      flags = rwbs
      ByteScan.skipBlanks(bytes, &at, end)
    }

    switch layout {
    case .requestWithBytes, .requestWithError, .bioWithComm, .bioWithError:
      if layout == .requestWithBytes {
        guard ByteScan.unsigned(bytes, &at, end) != nil else { return .malformed(expected: "BYTES after RWBS") }
        ByteScan.skipBlanks(bytes, &at, end)
      }
      if layout == .requestWithBytes || layout == .requestWithError {
        guard at < end, bytes[at] == UInt8(ascii: "("), BlkTextTail.skipParenthesized(bytes, &at, end) else {
          return .malformed(expected: "`(CMD)` before the sector")
        }
      }
      guard let sector = ByteScan.unsigned(bytes, &at, end) else { return .malformed(expected: "`SECTOR + N`") }
      tail.sector = sector
      ByteScan.skipBlanks(bytes, &at, end)
      guard at < end, bytes[at] == UInt8(ascii: "+") else { return .malformed(expected: "`SECTOR + N`") }
      at += 1
      guard tail.parseCount(bytes, &at, end) else { return .malformed(expected: "`SECTOR + N`") }
      if layout == .requestWithBytes || layout == .requestWithError {
        // Optional ioprio `CLASS,HINT,LEVEL` (kernel 6.7 and later).
        if at < end, bytes[at] != UInt8(ascii: "[") {
          ByteScan.skipToken(bytes, &at, end)
          ByteScan.skipBlanks(bytes, &at, end)
        }
      }
      if layout == .requestWithError || layout == .bioWithError {
        guard at < end, bytes[at] == UInt8(ascii: "[") else { return .malformed(expected: "`[ERRNO]`") }
        at += 1
        guard let error = ByteScan.signed(bytes, &at, end), at < end, bytes[at] == UInt8(ascii: "]") else {
          return .malformed(expected: "`[ERRNO]`")
        }
        at += 1
        ByteScan.skipBlanks(bytes, &at, end)
        guard at == end else { return .malformed(expected: "nothing after `[ERRNO]`") }
        tail.error = Int16(clamping: error)
      } else {
        guard tail.parseComm(bytes, at, end, trailingNumber: false) else { return .malformed(expected: "`[comm]`") }
        bracketIsComm = true
      }
    case .remap:
      let expected = "`SECTOR + N <- (MAJ,MIN) SECTOR`"
      guard let sector = ByteScan.unsigned(bytes, &at, end) else { return .malformed(expected: expected) }
      tail.sector = sector
      ByteScan.skipBlanks(bytes, &at, end)
      guard at < end, bytes[at] == UInt8(ascii: "+") else { return .malformed(expected: expected) }
      at += 1
      guard tail.parseCount(bytes, &at, end), tail.parseRemapSource(bytes, &at, end), at == end else {
        return .malformed(expected: expected)
      }
    case .split, .plug, .unplug:
      guard let parsed = BlkTextTail.parse(action, bytes, from: at, to: end) else {
        return .malformed(expected: BlkTextTail.expected(for: action))
      }
      tail = parsed
      bracketIsComm = true
    }

    if requestLevel { flags.insert(.requestLevel) }
    let comm =
      bracketIsComm && tail.commEnd > tail.commStart
      ? CommName(bytes: bytes, start: tail.commStart, end: tail.commEnd)
      : CommName(bytes: bytes, start: prefix.commStart, end: prefix.commEnd)
    events.append(
      BlockEvent(
        time: prefix.time, sector: tail.sector, sectors: tail.sectors, device: device, pid: prefix.pid,
        cpu: prefix.cpu, action: action, flags: flags, error: tail.error, comm: comm, detail: tail.detail))
    return .event
  }
}
