import Testing

@testable import ParamTraceCore

/// Consumes nothing until the end: every byte is one unfinished record.
struct NeverConsumingDecoder: TraceDecoder {
  var diagnostics = TraceDiagnostics()
  mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    atEnd ? bytes.count : 0
  }
}

@Suite struct EventStreamTests {
  static func stream(_ bytes: [UInt8], chunkSize: Int, piece: Int = .max) -> DecodingStream<BlktraceBinaryDecoder> {
    DecodingStream(
      decoder: BlktraceBinaryDecoder(options: DecoderOptions(strict: true)), chunkSize: chunkSize,
      read: memoryReader(bytes, piece: piece))
  }

  @Test(arguments: [(64, Int.max), (100, 7), (4096, 1), (4096, 4000), (4 << 20, Int.max)])
  func decodesTheSameWithAnyChunkAndReadSize(chunkSize: Int, piece: Int) throws {
    let bytes = try FixturePaths.bytes("seq-mmap-mqdl", "blktrace.1")
    let expected = try decodeBinary(BlktraceBinaryDecoder(options: DecoderOptions(strict: true)), bytes)
    var stream = Self.stream(bytes, chunkSize: chunkSize, piece: piece)
    let result = try drain(&stream)
    #expect(result == expected)
    #expect(stream.bytesConsumed == bytes.count)
  }

  @Test func growsForARecordBiggerThanTheBuffer() throws {
    var bytes: [UInt8] = []
    var record = BlktraceBinaryEncoder.Record()
    record.action = 0x0400_0002  // MESSAGE note with a 300-byte pdu
    record.time = 7
    BlktraceBinaryEncoder.append(record, pdu: [UInt8](repeating: 0x41, count: 300), to: &bytes)
    record.action = 0x0011_0001
    record.bytes = 4096
    BlktraceBinaryEncoder.append(record, to: &bytes)
    var stream = Self.stream(bytes, chunkSize: 64)
    let result = try drain(&stream)
    #expect(result.events.count == 1)
    #expect(result.markers.first?.text == String(repeating: "A", count: 300))
  }

  @Test func emptyInputGivesNoBatch() throws {
    var stream = Self.stream([], chunkSize: 64)
    var batch: ContiguousArray<BlockEvent> = [BlockEvent(time: 1, sector: 0, sectors: 0, device: DeviceNumber(raw: 0), pid: 0, action: .plug, flags: [])]
    #expect(try stream.nextBatch(into: &batch) == false)
    #expect(batch.isEmpty)
    #expect(try stream.nextBatch(into: &batch) == false)
  }

  @Test func truncatedTailThrowsThroughTheStreamWhenStrict() throws {
    let bytes = try FixturePaths.bytes("tiny-direct", "blktrace.1").dropLast(5)
    var stream = Self.stream(Array(bytes), chunkSize: 256)
    let error = #expect(throws: TraceParseError.self) { try drain(&stream) }
    #expect(error?.reason == .truncated(needed: 5))
    #expect(error?.byteOffset == bytes.count + 5 - 48)
  }

  @Test func aLineOrRecordLongerThanTheCapIsAnError() throws {
    var stream = DecodingStream(decoder: NeverConsumingDecoder(), chunkSize: 1 << 20) { buffer in
      buffer.initializeMemory(as: UInt8.self, repeating: 0x20)
      return buffer.count
    }
    var batch = ContiguousArray<BlockEvent>()
    let error = #expect(throws: TraceParseError.self) { try stream.nextBatch(into: &batch) }
    #expect(error?.description.contains("64 MiB") == true)
  }

  @Test func textDecodersRunThroughTheStreamToo() throws {
    let bytes = try FixturePaths.bytes("seq-mmap-none", "blkparse.txt")
    var whole = DecodingStream(decoder: BlkparseTextDecoder(options: DecoderOptions()), read: memoryReader(bytes))
    var small = DecodingStream(
      decoder: BlkparseTextDecoder(options: DecoderOptions()), chunkSize: 128, read: memoryReader(bytes, piece: 33))
    let expected = try drain(&whole)
    #expect(expected.events.count == (try fixtureBinaryActionCounts("seq-mmap-none")).values.reduce(0, +))
    #expect(try drain(&small) == expected)
  }
}
