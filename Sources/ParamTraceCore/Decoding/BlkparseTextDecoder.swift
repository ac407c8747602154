/// Decodes blkparse's default text output (spec §2.1):
/// `MAJ,MIN CPU SEQ SECONDS.NANOS PID ACT RWBS tail`.
///
/// Times are relative to the first event, as blkparse prints them. The comm is the bracket at
/// the end of the line; C and R lines carry the errno there instead and get no comm. I, D, C
/// and R events get `.requestLevel`. `m` message lines become markers. The statistics blkparse
/// prints after the events (`CPU0 (vda):`, `Total`, `Throughput`, `Events`, `Skips`,
/// `Input file ... added`) are counted as ignored lines. `blk_classic` lines (no sequence
/// column) are accepted too.
public struct BlkparseTextDecoder: TraceDecoder {
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
    /// The summary has started: every later non-event line belongs to it.
    var inSummary = false

    @inline(__always)
    mutating func parseLine(
      _ bytes: UnsafeRawBufferPointer, start: Int, end: Int,
      into events: inout ContiguousArray<BlockEvent>, sink: inout TextLineSink
    ) -> TextLineOutcome {
      if ByteScan.isDigit(bytes[start]) {
        return BlkTextLine.parseUnprefixed(bytes, start: start, end: end, into: &events, sink: &sink)
      }
      // A line of another trace format is never part of the summary (an indented tracepoint
      // line looks like a counter row): it is counted as malformed, with its format named.
      // Only non-event lines get here, so this check is not on the hot path.
      if TraceFormat.classifyLine(bytes, start: start, end: end) == nil {
        if BlkparseTextDecoder.isSummaryLine(bytes, start: start, end: end) {
          inSummary = true
          return .ignored
        }
        if inSummary { return .ignored }
      }
      return .malformed(expected: "`MAJ,MIN CPU SEQ TIME PID ACT RWBS ...` or blkparse's summary")
    }
  }

  /// True for the lines that start or make up blkparse's summary: `CPU0 (vda):`,
  /// `Total (vda):`, `Throughput (R/W): ...`, `Events (vda): N entries`, `Skips: ...`,
  /// `Input file NAME added`, the indented counter rows (` Reads Queued: ...`) and the
  /// per-process headers of `-s` (`dd (1234)`).
  static func isSummaryLine(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
    if ByteScan.hasPrefix("CPU", bytes, at: start, end: end)
      || ByteScan.hasPrefix("Total (", bytes, at: start, end: end)
      || ByteScan.hasPrefix("Throughput", bytes, at: start, end: end)
      || ByteScan.hasPrefix("Events (", bytes, at: start, end: end)
      || ByteScan.hasPrefix("Skips:", bytes, at: start, end: end)
      || ByteScan.hasPrefix("Input file ", bytes, at: start, end: end)
    {
      return true
    }
    // Counter rows are indented: " Reads Queued:  ...", " IO unplugs: ...".
    if start > 0, ByteScan.isBlank(bytes[start - 1]) {
      let colon = ByteScan.find(UInt8(ascii: ":"), in: bytes, from: start, to: end)
      if colon < end, (bytes[start] | 0x20) &- UInt8(ascii: "a") < 26 { return true }
    }
    var stop = end
    ByteScan.trimTrailingBlanks(bytes, start, &stop)
    guard stop > start else { return false }
    // "CPU0 (vda):" style headers.
    if bytes[stop - 1] == UInt8(ascii: ":"), ByteScan.find(UInt8(ascii: "("), in: bytes, from: start, to: stop) < stop {
      return true
    }
    // `-s` per-process headers: "dd (10266)".
    if bytes[stop - 1] == UInt8(ascii: ")"),
      let open = ByteScan.lastIndex(of: UInt8(ascii: "("), in: bytes, from: start, to: stop - 1),
      open > start, ByteScan.isBlank(bytes[open - 1]), open + 1 < stop - 1
    {
      var digits = open + 1
      while digits < stop - 1, ByteScan.isDigit(bytes[digits]) { digits += 1 }
      return digits == stop - 1
    }
    return false
  }
}
