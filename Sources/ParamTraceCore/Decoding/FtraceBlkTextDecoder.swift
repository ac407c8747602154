/// Decodes the text of the ftrace `blk` tracer (`trace` or `trace_pipe`, spec §3.1, §3.3).
///
/// Both forms are read, and told apart per line:
/// - default: `COMM-PID [CPU] FLAGS SECONDS.MICROS: MAJ,MIN ACT RWBS tail`, times in µs;
/// - `options/blk_classic=1`: `MAJ,MIN CPU SECONDS.NANOS PID ACT RWBS tail`, times in ns.
///
/// Actions may be letters or, with `options/verbose=1`, words (`queue`, `unplug_io`, ...).
/// The comm is the bracket at the end of the line; C and R lines, whose bracket is the errno,
/// and A lines take the prefix's task. I, D, C and R events get `.requestLevel`.
/// `CPU:N [LOST M EVENTS]` lines add to `lostEvents`; `tracing_mark_write:` and `m` lines
/// become markers; block tracepoint lines (`block_rq_issue: ...`, the tracepoint format in the
/// same file) are decoded and counted as a second format; other events' lines (`NAME: ...`)
/// are ignored.
public struct FtraceBlkTextDecoder: TraceDecoder {
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

  struct Parser: TextLineParser {
    @inline(__always)
    mutating func parseLine(
      _ bytes: UnsafeRawBufferPointer, start: Int, end: Int,
      into events: inout ContiguousArray<BlockEvent>, sink: inout TextLineSink
    ) -> TextLineOutcome {
      if FtraceBlkTextDecoder.startsWithDevice(bytes, start: start, end: end) {
        return BlkTextLine.parseUnprefixed(bytes, start: start, end: end, into: &events, sink: &sink)
      }
      if let lost = FtracePrefix.parseLostEvents(bytes, start: start, end: end, sink: &sink) { return lost }
      guard let prefix = FtracePrefix.parse(bytes, start: start, end: end) else {
        return .malformed(expected: "an ftrace prefix `COMM-PID [CPU] FLAGS TIME:` or a blk_classic line")
      }
      let body = prefix.bodyStart
      if body < end, ByteScan.isDigit(bytes[body]) {
        var at = body
        guard let device = BlkTextLine.parseDevice(bytes, &at, end), at < end, ByteScan.isBlank(bytes[at]) else {
          return .malformed(expected: "`MAJ,MIN` device after the ftrace prefix")
        }
        return BlkTextLine.parseActionAndTail(
          bytes, from: at, to: end, time: prefix.time, device: device, pid: prefix.pid, cpu: prefix.cpu,
          prefixCommStart: prefix.commStart, prefixCommEnd: prefix.commEnd, into: &events, sink: &sink)
      }
      if let outcome = TracepointTextDecoder.parseBlockTracepoint(bytes, prefix: prefix, end: end, into: &events) {
        if case .event = outcome { return .secondFormat(.tracepoint) }
        return outcome
      }
      return FtraceBlkTextDecoder.nonBlockBody(bytes, prefix: prefix, end: end, sink: &sink)
    }
  }

  /// True when the line starts with `DIGITS,`: a blk_classic line rather than a prefix.
  @inline(__always)
  static func startsWithDevice(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
    var at = start
    while at < end, ByteScan.isDigit(bytes[at]) { at += 1 }
    return at > start && at < end && bytes[at] == UInt8(ascii: ",")
  }

  /// A prefixed line whose text is not a block event: a `tracing_mark_write:` marker, another
  /// event (ignored), or garbage.
  static func nonBlockBody(
    _ bytes: UnsafeRawBufferPointer, prefix: FtracePrefix, end: Int, sink: inout TextLineSink
  ) -> TextLineOutcome {
    let body = prefix.bodyStart
    if ByteScan.hasPrefix("tracing_mark_write:", bytes, at: body, end: end) {
      var at = body + 19
      ByteScan.skipBlanks(bytes, &at, end)
      sink.addMarker(time: prefix.time, bytes, start: at, end: end)
      return .consumed
    }
    let colon = ByteScan.find(UInt8(ascii: ":"), in: bytes, from: body, to: end)
    if colon < end, FtracePrefix.isEventName(bytes, start: body, colon: colon) { return .ignored }
    return .malformed(expected: "`MAJ,MIN ACT RWBS ...` after the ftrace prefix")
  }
}
