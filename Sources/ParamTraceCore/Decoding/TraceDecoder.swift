/// Turns the bytes of one trace format into `BlockEvent`s, a chunk at a time.
///
/// Decoders are streaming: the caller hands over a buffer, the decoder consumes every whole
/// line or record in it and returns how many bytes it used; the caller keeps the unused tail
/// and prepends it to the next chunk. Decoders never hold on to the buffer.
public protocol TraceDecoder {
  /// Decodes whole lines or records at the start of `bytes`, appending events to `events`.
  ///
  /// - Parameter atEnd: no more bytes follow; a last line without a newline is decoded, and a
  ///   partial binary record is reported as truncated.
  /// - Returns: the number of bytes consumed (everything when `atEnd`).
  /// - Throws: the first malformed input when the decoder is strict; otherwise malformed input
  ///   is counted in `diagnostics` and skipped.
  mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int

  /// What was skipped or lost so far.
  var diagnostics: TraceDiagnostics { get }

  /// Text markers seen so far (tracefs `trace_marker` lines, blktrace messages), in order.
  var markers: [TraceMarker] { get }
}

extension TraceDecoder {
  public var markers: [TraceMarker] { [] }
}

/// A text marker written into the trace timeline (`tracing_mark_write: ...`, blkparse `m N`).
public struct TraceMarker: Sendable, Hashable {
  /// Time in nanoseconds on the trace's clock.
  public var time: UInt64
  /// The marker text as written.
  public var text: String
  public init(time: UInt64, text: String) {
    self.time = time
    self.text = text
  }
}

/// How a decoder treats malformed input.
public struct DecoderOptions: Sendable, Hashable {
  /// Name of the input, used in error messages.
  public var sourceName: String
  /// Stop at the first malformed line or record instead of counting and skipping it.
  public var strict: Bool
  /// Events of these actions are not wanted as events: a decoder may count them in
  /// `diagnostics.countedOnly` instead of emitting them (and must count each event it does
  /// not emit). A hint: decoders that cannot skip early emit them as usual.
  public var countedOnly: BlockActionSet
  public init(sourceName: String = "", strict: Bool = false, countedOnly: BlockActionSet = []) {
    self.sourceName = sourceName
    self.strict = strict
    self.countedOnly = countedOnly
  }
}
