import CFuzzDriver
import ParamTraceCore

/// Runs libFuzzer's loop over `callback` with the process's arguments (`<module>_main` calls it).
public func runLibFuzzer(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
  var count = argc
  var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
  return LLVMFuzzerRunDriver(&count, &arguments, callback)
}

/// Feeds `size` bytes to `decoder` as a stream of two chunks, split at a position derived from
/// the data (so the carry-over of a partial line or record is fuzzed too), then at end of
/// input; thrown errors are expected and ignored. Runs once lenient and once strict, then
/// lenient again with `countedOnly` set, and checks that this changes nothing but which events
/// are emitted: with `skipsCountedOnly` (the binary decoders) exactly the events of those
/// actions are left out and counted; otherwise nothing is left out.
public func fuzzDecoder<D: TraceDecoder>(
  _ data: UnsafePointer<UInt8>, _ size: Int, skipsCountedOnly: Bool = false, _ make: (DecoderOptions) -> D
) {
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  let split = splitPoint(bytes)
  let full = decodeInTwoChunks(bytes, split: split, make(DecoderOptions(sourceName: "fuzz")))
  _ = decodeInTwoChunks(bytes, split: split, make(DecoderOptions(sourceName: "fuzz", strict: true)))
  let skipped = RequestAssembler.actionsNotNeeded
  let lean = decodeInTwoChunks(bytes, split: split, make(DecoderOptions(sourceName: "fuzz", countedOnly: skipped)))
  let expected = skipsCountedOnly ? full.events.filter { !skipped.contains($0.action) } : full.events
  precondition(lean.events == expected, "countedOnly changed the events emitted")
  precondition(
    lean.diagnostics.countedOnly.total == full.events.count - lean.events.count,
    "countedOnly counted \(lean.diagnostics.countedOnly.total) events, left out \(full.events.count - lean.events.count)")
  precondition(lean.diagnostics.malformed == full.diagnostics.malformed, "countedOnly changed what is malformed")
  precondition(lean.markers == full.markers, "countedOnly changed the markers")
}

/// One decoder's output over `bytes` fed in two chunks (see `fuzzDecoder`).
struct ChunkedDecoding {
  var events = ContiguousArray<BlockEvent>()
  var diagnostics = TraceDiagnostics()
  var markers: [TraceMarker] = []
}

func decodeInTwoChunks<D: TraceDecoder>(_ bytes: UnsafeRawBufferPointer, split: Int, _ decoder: D) -> ChunkedDecoding {
  var decoder = decoder
  var result = ChunkedDecoding()
  do {
    // The first chunk; the decoder consumes whole lines or records and leaves a tail.
    let consumed = try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<split]), atEnd: false, into: &result.events)
    precondition(consumed >= 0 && consumed <= split, "consumed \(consumed) of \(split)")
    // The unused tail is prepended to the rest, as DecodingStream does.
    let rest = Array(bytes[consumed...])
    let last = try rest.withUnsafeBytes { try decoder.decode($0, atEnd: true, into: &result.events) }
    precondition(last == rest.count, "at end consumed \(last) of \(rest.count)")
  } catch {}
  result.diagnostics = decoder.diagnostics
  result.markers = decoder.markers
  return result
}

/// A split position in 0...count from the data's last byte (0 for empty input).
public func splitPoint(_ bytes: UnsafeRawBufferPointer) -> Int {
  guard let last = bytes.last else { return 0 }
  return bytes.count * Int(last) / 255
}

/// Runs a model-header reader on the data as the whole file, on a prefix of it (answering
/// needMoreBytes is fine), and through ModelFileReader's growing-prefix loop.
public func fuzzModelReader(
  _ data: UnsafePointer<UInt8>, _ size: Int,
  _ read: (UnsafeRawBufferPointer, UInt64) throws(ModelFileError) -> ModelReadStep
) {
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  let split = splitPoint(bytes)
  _ = try? read(bytes, UInt64(size))
  _ = try? read(UnsafeRawBufferPointer(rebasing: bytes[0..<split]), UInt64(size))
  let array = Array(bytes)
  _ = try? ModelFileReader.read(fileSize: UInt64(size), source: "fuzz", initialPrefix: UInt64(max(split, 1))) { count in
    Array(array.prefix(Int(count)))
  }
}
