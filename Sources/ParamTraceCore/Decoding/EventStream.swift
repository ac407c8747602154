/// Pull-based batches of events from one or more inputs, in time order.
public protocol EventBatchSource {
  /// Replaces the contents of `batch` with the next events; returns false when the input is
  /// exhausted (batch empty).
  mutating func nextBatch(into batch: inout ContiguousArray<BlockEvent>) throws -> Bool
  /// What was skipped or lost so far.
  var diagnostics: TraceDiagnostics { get }
  /// Text markers seen so far, in order.
  var markers: [TraceMarker] { get }
  /// How many markers `markers` would return: asked once per batch to notice new ones,
  /// where `markers` itself may have to collect and sort them (several inputs).
  var markerCount: Int { get }
}

extension EventBatchSource {
  public var markerCount: Int { markers.count }
}

/// Runs a `TraceDecoder` over an input read in big chunks into one reused buffer.
///
/// Each `nextBatch` reads one chunk (default 256 KiB) after the unconsumed tail of the previous
/// one, decodes every whole line or record in it and returns their events. The buffer grows
/// only when a single line or record does not fit, up to `maximumRecordSize`.
public struct DecodingStream<Decoder: TraceDecoder>: EventBatchSource {
  /// The longest line or record accepted (64 MiB); longer ones end the stream with an error.
  public static var maximumRecordSize: Int { 64 << 20 }

  /// The decoder, for format-specific state after the stream ends.
  public private(set) var decoder: Decoder
  private let read: (UnsafeMutableRawBufferPointer) throws -> Int
  private var buffer: [UInt8]
  /// Unconsumed bytes are `buffer[start..<end]`.
  private var start = 0
  private var end = 0
  private var sawEndOfInput = false
  private var finished = false
  /// Bytes handed to the decoder and consumed by it, over the whole input.
  public private(set) var bytesConsumed = 0
  /// The input's name for the error about an over-long line or record.
  public var sourceName = ""

  /// - Parameters:
  ///   - chunkSize: bytes per read; also the initial buffer size.
  ///   - read: fills the buffer it is given from the start and returns the byte count, 0 at
  ///     the end of the input.
  public init(
    decoder: Decoder, chunkSize: Int = 256 << 10, read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int
  ) {
    self.decoder = decoder
    self.read = read
    buffer = [UInt8](repeating: 0, count: max(chunkSize, 64))
  }

  public var diagnostics: TraceDiagnostics { decoder.diagnostics }
  public var markers: [TraceMarker] { decoder.markers }

  public mutating func nextBatch(into batch: inout ContiguousArray<BlockEvent>) throws -> Bool {
    batch.removeAll(keepingCapacity: true)
    while !finished {
      if !sawEndOfInput { try fill() }
      let atEnd = sawEndOfInput
      let range = start..<end
      let consumed = try buffer.withUnsafeBytes { raw throws(TraceParseError) -> Int in
        let pending = UnsafeRawBufferPointer(rebasing: raw[range])
        return try decoder.decode(pending, atEnd: atEnd, into: &batch)
      }
      start += consumed
      bytesConsumed += consumed
      if atEnd { finished = true }
      if !batch.isEmpty { return true }
    }
    return false
  }

  /// Moves the unconsumed tail to the front (growing the buffer when the tail fills it) and
  /// reads once after it.
  private mutating func fill() throws {
    if start > 0 {
      let count = end - start
      if count > 0 {
        let from = start
        buffer.withUnsafeMutableBytes { raw in
          raw.baseAddress!.copyMemory(from: raw.baseAddress! + from, byteCount: count)
        }
      }
      start = 0
      end = count
    }
    if end == buffer.count {
      guard buffer.count < Self.maximumRecordSize else {
        throw TraceParseError(
          reason: .badRecord("a single line or record is longer than \(Self.maximumRecordSize >> 20) MiB"),
          source: sourceName, byteOffset: bytesConsumed)
      }
      var bigger = [UInt8](repeating: 0, count: min(2 * buffer.count, Self.maximumRecordSize))
      bigger.withUnsafeMutableBytes { target in
        buffer.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
      }
      buffer = bigger
    }
    let free = end
    let read = self.read
    let count = try buffer.withUnsafeMutableBytes { raw in
      try read(UnsafeMutableRawBufferPointer(rebasing: raw[free...]))
    }
    precondition(count >= 0 && count <= buffer.count - end, "read returned \(count) bytes")
    if count == 0 { sawEndOfInput = true }
    end += count
  }
}
