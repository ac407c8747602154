/// What a text decoder's line parser made of one line.
enum TextLineOutcome {
  /// An event was appended.
  case event
  /// Not an event and skipped on purpose (header, comment, summary, another tracer's event):
  /// counted in `ignoredLines`.
  case ignored
  /// Used without producing an event and not counted as ignored (markers, LOST lines).
  case consumed
  /// An event was appended, but the line is of another format than the lines before it (a
  /// file that mixes blk tracer text and tracepoint text): counted, and an error with --strict.
  case secondFormat(TraceFormat)
  /// The line does not have the expected shape; `expected` names what is missing.
  case malformed(expected: String)
}

/// Where line parsers put what is not an event.
struct TextLineSink {
  var diagnostics = TraceDiagnostics()
  var markers: [TraceMarker] = []
  /// Which form the first line without an ftrace prefix had: blkparse's (with a sequence
  /// column) or blk_classic's; lines of the other form are a second format.
  var unprefixedForm: TraceFormat?
  init() {}

  /// Appends a marker whose text is `bytes[start..<end]` (trailing blanks dropped).
  mutating func addMarker(time: UInt64, _ bytes: UnsafeRawBufferPointer, start: Int, end: Int) {
    var stop = end
    ByteScan.trimTrailingBlanks(bytes, start, &stop)
    let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<max(start, stop)]), as: UTF8.self)
    markers.append(TraceMarker(time: time, text: text))
  }
}

/// Parses one line of a text trace. `start` is the first non-blank byte and `end` excludes the
/// line feed and a carriage return before it; the line is neither blank nor a `#` comment.
protocol TextLineParser {
  mutating func parseLine(
    _ bytes: UnsafeRawBufferPointer, start: Int, end: Int,
    into events: inout ContiguousArray<BlockEvent>, sink: inout TextLineSink
  ) -> TextLineOutcome
}

/// Splits chunks into lines for a `TextLineParser` and applies the shared rules: whole lines
/// only until the end, `\r\n`, blank and `#` lines ignored, running line numbers and byte
/// offsets for errors, and strict or counting handling of malformed lines.
struct TextLineReader {
  let options: DecoderOptions
  /// Lines finished so far (the 1-based number of the last line handled).
  var lineNumber = 0
  /// Bytes of the source consumed by earlier calls.
  var consumed = 0
  var sink = TextLineSink()

  init(options: DecoderOptions) { self.options = options }

  @inline(__always)
  mutating func decode<Parser: TextLineParser>(
    _ parser: inout Parser, _ bytes: UnsafeRawBufferPointer, atEnd: Bool,
    into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    let count = bytes.count
    var at = 0
    while at < count {
      let newline = ByteScan.findNewline(bytes, from: at, to: count)
      let next: Int
      if newline < count {
        next = newline + 1
      } else {
        guard atEnd else { break }
        next = count
      }
      var end = newline
      if end > at, bytes[end - 1] == 0x0D { end -= 1 }  // "\r\n"
      lineNumber += 1
      var start = at
      ByteScan.skipBlanks(bytes, &start, end)
      if start == end || bytes[start] == 0x23 {  // blank or '#' comment
        sink.diagnostics.ignoredLines += 1
      } else {
        switch parser.parseLine(bytes, start: start, end: end, into: &events, sink: &sink) {
        case .event, .consumed: break
        case .ignored: sink.diagnostics.ignoredLines += 1
        case .secondFormat(let format):
          let place = TraceParseError(
            reason: .secondFormat(format), source: options.sourceName, byteOffset: consumed + at, line: lineNumber)
          if options.strict {
            consumed += at
            throw place
          }
          sink.diagnostics.recordSecondFormat(format, at: place)
        case .malformed(let expected):
          // Only for malformed lines: say which other format the line looks like, if any.
          let looksLike = TraceFormat.classifyLine(bytes, start: start, end: end)
          let error = TraceParseError(
            reason: .malformedLine(expected: expected, looksLike: looksLike), source: options.sourceName,
            byteOffset: consumed + at, line: lineNumber)
          if options.strict {
            consumed += at
            throw error
          }
          sink.diagnostics.record(error)
        }
      }
      at = next
    }
    consumed += at
    return at
  }
}
