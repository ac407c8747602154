import Foundation
import Testing

@testable import ParamTraceCore

/// What a decoder or stream produced for one input (binary or text).
struct DecodedBinary: Equatable {
  var events: ContiguousArray<BlockEvent> = []
  var diagnostics = TraceDiagnostics()
  var markers: [TraceMarker] = []
}

/// Feeds `bytes` to `decoder` cut at `cuts`, each call getting the unconsumed tail plus the
/// next piece, the last one with `atEnd`.
func decodeBinary<Decoder: TraceDecoder>(
  _ decoder: Decoder, _ bytes: [UInt8], cuts: [Int] = []
) throws(TraceParseError) -> DecodedBinary {
  try decodeInPieces(decoder, bytes, cuts: cuts) { _, _ in }
}

/// The streaming loop of `decodeBinary` and `decodeText`: checks that every call consumes at
/// most what it was given and everything at the end; `checkPartial(pending, used)` checks
/// what a call before the end consumed, when it consumed something.
func decodeInPieces<Decoder: TraceDecoder>(
  _ decoder: Decoder, _ bytes: [UInt8], cuts: [Int], checkPartial: ([UInt8], Int) -> Void
) throws(TraceParseError) -> DecodedBinary {
  var decoder = decoder
  var result = DecodedBinary()
  var pending: [UInt8] = []
  var from = 0
  let ends = cuts.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]
  for (index, end) in ends.enumerated() where end >= from {
    pending.append(contentsOf: bytes[from..<end])
    from = end
    let atEnd = index == ends.count - 1
    let outcome = pending.withUnsafeBytes { buffer in
      Result { () throws(TraceParseError) -> Int in try decoder.decode(buffer, atEnd: atEnd, into: &result.events) }
    }
    let used = try outcome.get()
    #expect(used >= 0 && used <= pending.count)
    if atEnd {
      #expect(used == pending.count)
    } else if used > 0 {
      checkPartial(pending, used)
    }
    pending.removeFirst(used)
  }
  result.diagnostics = decoder.diagnostics
  result.markers = decoder.markers
  return result
}

/// A `read` function over bytes in memory, returning at most `piece` bytes per call.
func memoryReader(_ bytes: [UInt8], piece: Int = .max) -> (UnsafeMutableRawBufferPointer) throws -> Int {
  var offset = 0
  return { buffer in
    let count = min(buffer.count, bytes.count - offset, piece)
    if count > 0 {
      bytes.withUnsafeBytes { source in
        buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
      }
    }
    offset += count
    return count
  }
}

/// Drains a batch source.
func drain(_ source: inout some EventBatchSource) throws -> DecodedBinary {
  var result = DecodedBinary()
  var batch = ContiguousArray<BlockEvent>()
  while try source.nextBatch(into: &batch) {
    #expect(!batch.isEmpty)
    result.events.append(contentsOf: batch)
  }
  #expect(batch.isEmpty)
  result.diagnostics = source.diagnostics
  result.markers = source.markers
  return result
}

/// A fixture's per-CPU blktrace files, decoded and merged by time as `TraceInputs` does.
func decodeFixtureBlktrace(_ name: String, chunkSize: Int = 4 << 20) throws -> DecodedBinary {
  var sources: [any EventBatchSource] = []
  for cpu in 0..<2 {
    let bytes = try FixturePaths.bytes(name, "blktrace.\(cpu)")
    sources.append(
      DecodingStream(
        decoder: BlktraceBinaryDecoder(options: DecoderOptions(sourceName: "\(name).blktrace.\(cpu)")),
        chunkSize: chunkSize, read: memoryReader(bytes)))
  }
  var merged = MergedEventStream(sources, fillingProcessNames: true)
  return try drain(&merged)
}

/// Per-action counts keyed by blkparse letters, as the fixtures' JSON has them.
func countActions(_ events: some Sequence<BlockEvent>) -> [String: Int] {
  var counts: [String: Int] = [:]
  for event in events { counts[event.action.letters, default: 0] += 1 }
  return counts
}

/// A fixture's JSON.
func fixtureJSON(_ name: String) throws -> [String: Any] {
  let data = try Data(contentsOf: FixturePaths.file(name, "json"))
  return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// `metrics.bin.actions_all` of a fixture's JSON.
func fixtureBinaryActionCounts(_ name: String) throws -> [String: Int] {
  let metrics = try #require(try fixtureJSON(name)["metrics"] as? [String: Any])
  let bin = try #require(metrics["bin"] as? [String: Any])
  return try #require(bin["actions_all"] as? [String: Int])
}

/// The fixtures that have a kernel-bin file.
let kernelBinaryFixtures = FixturePaths.all.filter { $0 != "tiny-direct" }

/// A synthetic trace's events, in memory.
func syntheticEvents(_ count: Int, seed: UInt64 = 7, configure: (inout SyntheticBlockTrace.Configuration) -> Void = { _ in })
  -> [BlockEvent]
{
  var configuration = SyntheticBlockTrace.Configuration(eventCount: count, seed: seed)
  configure(&configuration)
  return Array(SyntheticBlockTrace(configuration))
}

/// Encodes events into per-CPU blktrace files (in memory).
func encodePerCPU(_ events: [BlockEvent], cpuCount: Int, encoder: BlktraceBinaryEncoder = BlktraceBinaryEncoder())
  -> [[UInt8]]
{
  var encoder = encoder
  var files = [[UInt8]](repeating: [], count: cpuCount)
  for event in events { encoder.append(event, to: &files[Int(event.cpu)]) }
  return files
}
