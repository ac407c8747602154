import Testing

@testable import ParamTraceCore

@Suite struct BlktraceBinaryDecoderTests {
  static func decoder(strict: Bool = false) -> BlktraceBinaryDecoder {
    BlktraceBinaryDecoder(options: DecoderOptions(sourceName: "test.blktrace.0", strict: strict))
  }

  static let device = DeviceNumber(major: 254, minor: 0)

  /// A record with the fields tests care about.
  static func record(
    action: UInt32, time: UInt64 = 1_000, sector: UInt64 = 0, bytes: UInt32 = 0, pid: UInt32 = 42, cpu: UInt32 = 1,
    error: UInt16 = 0, sequence: UInt32 = 1, magic: UInt32 = 0x6561_7407
  ) -> BlktraceBinaryEncoder.Record {
    var record = BlktraceBinaryEncoder.Record()
    record.magic = magic
    record.sequence = sequence
    record.time = time
    record.sector = sector
    record.bytes = bytes
    record.action = action
    record.pid = pid
    record.device = device.raw
    record.cpu = cpu
    record.error = error
    return record
  }

  /// A short stream with every pdu kind: PROCESS note, Q, P, U (depth pdu), X (split pdu),
  /// A (remap pdu), a MESSAGE note, D, C with -EIO, then a cgroup-tagged U.
  static func sampleStream(bigEndian: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    func add(_ record: BlktraceBinaryEncoder.Record, _ pdu: [UInt8] = []) {
      BlktraceBinaryEncoder.append(record, pdu: pdu, bigEndian: bigEndian, to: &out)
    }
    add(record(action: 0x0400_0000, sequence: 0), Array("dd".utf8) + [UInt8](repeating: 0, count: 14))
    add(record(action: 0x0019_0001, time: 1_000, sector: 33_461_760, bytes: 65_536))  // Q RS
    add(record(action: 0x0011_0009, time: 1_100))  // P
    add(record(action: 0x0011_000A, time: 1_200), BlktraceBinaryEncoder.bigEndianBytes(3))  // U depth 3
    add(record(action: 0x0009_000D, time: 1_300, sector: 100, bytes: 4096 * 512), BlktraceBinaryEncoder.bigEndianBytes(2132))
    add(
      record(action: 0x0011_000F, time: 1_400, sector: 34_818, bytes: 4096),
      BlktraceBinaryEncoder.bigEndianBytes(UInt64(DeviceNumber(major: 259, minor: 1).raw) << 32 | UInt64(device.raw))
        + BlktraceBinaryEncoder.bigEndianBytes(32_770))
    add(record(action: 0x0400_0002, time: 1_450, sequence: 0), Array("phase decode\n".utf8) + [0])
    add(record(action: 0x0149_0007, time: 1_500, sector: 33_461_760, bytes: 65_536, pid: 24))  // D RS, FS
    add(record(action: 0x0189_0008, time: 1_600, sector: 33_461_760, bytes: 65_536, pid: 0, error: 65_531))  // C -EIO
    add(
      record(action: 0x0011_010A, time: 1_700),  // U with the cgroup bit: cgroup id, then depth
      [1, 2, 3, 4, 5, 6, 7, 8] + BlktraceBinaryEncoder.bigEndianBytes(5))
    return out
  }

  static func check(sample decoded: DecodedBinary) {
    let events = decoded.events
    #expect(events.map(\.action) == [.queue, .plug, .unplugIO, .split, .remap, .issue, .complete, .unplugIO])
    #expect(events.map(\.time) == [1_000, 1_100, 1_200, 1_300, 1_400, 1_500, 1_600, 1_700])
    #expect(events[0].sector == 33_461_760 && events[0].sectors == 128)
    #expect(events[0].flags == [.read, .sync])
    #expect(events[0].comm == CommName("dd"))
    #expect(events[0].device == device)
    #expect(events[0].cpu == 1)
    #expect(events[1].flags == .otherOperation)  // P: blkparse prints N
    #expect(events[2].detail == 3)
    #expect(events[3].detail == 2132)
    #expect(events[3].flags == [.read, .sync])
    #expect(events[4].detail == 32_770)
    #expect(events[4].sectors == 8)
    #expect(events[5].flags == [.read, .sync, .requestLevel])
    #expect(events[5].pid == 24 && events[5].comm.isEmpty)
    #expect(events[6].error == -5)
    #expect(events[6].pid == 0)
    #expect(events[7].detail == 5)
    #expect(decoded.markers == [TraceMarker(time: 1_450, text: "phase decode")])
    #expect(decoded.diagnostics == TraceDiagnostics())
  }

  @Test func sampleDecodes() throws {
    Self.check(sample: try decodeBinary(Self.decoder(strict: true), Self.sampleStream()))
  }

  @Test func bigEndianRecordsDecode() throws {
    let big = Self.sampleStream(bigEndian: true)
    #expect(Array(big[0..<4]) == [0x65, 0x61, 0x74, 0x07])
    Self.check(sample: try decodeBinary(Self.decoder(strict: true), big))
  }

  /// Cutting the input anywhere gives the same events.
  @Test(arguments: 0...150)
  func splitAnywhere(at cut: Int) throws {
    let bytes = Self.sampleStream()
    let whole = try decodeBinary(Self.decoder(strict: true), bytes)
    #expect(try decodeBinary(Self.decoder(strict: true), bytes, cuts: [cut]) == whole)
    #expect(try decodeBinary(Self.decoder(strict: true), bytes, cuts: [cut, cut + 1, cut + 47, cut + 200]) == whole)
  }

  @Test func cgroupBitSkipsTheCgroupID() throws {
    var out: [UInt8] = []
    let cgroup: [UInt8] = [9, 9, 9, 9, 9, 9, 9, 9]
    // A cgroup-tagged PROCESS note, a cgroup-tagged Q, and a split whose pdu follows the id.
    BlktraceBinaryEncoder.append(
      Self.record(action: 0x0400_0100, sequence: 0), pdu: cgroup + Array("reader".utf8) + [0], to: &out)
    BlktraceBinaryEncoder.append(Self.record(action: 0x0011_0101, sector: 8, bytes: 4096), pdu: cgroup, to: &out)
    BlktraceBinaryEncoder.append(
      Self.record(action: 0x0001_010D, sector: 8, bytes: 4096), pdu: cgroup + BlktraceBinaryEncoder.bigEndianBytes(12),
      to: &out)
    let decoded = try decodeBinary(Self.decoder(strict: true), out)
    #expect(decoded.events.map(\.action) == [.queue, .split])
    #expect(decoded.events.allSatisfy { $0.comm == CommName("reader") })
    #expect(decoded.events[1].detail == 12)
    // The cgroup bit without room for the id is a bad record.
    var short: [UInt8] = []
    BlktraceBinaryEncoder.append(Self.record(action: 0x0011_0101), pdu: [1, 2], to: &short)
    let lenient = try decodeBinary(Self.decoder(), short)
    #expect(lenient.events.isEmpty)
    #expect(lenient.diagnostics.malformed == 1)
  }

  @Test func version8IsRejected() throws {
    var out: [UInt8] = []
    BlktraceBinaryEncoder.append(Self.record(action: 0x0011_0001, magic: 0x6561_7408), to: &out)
    out += [UInt8](repeating: 0, count: 16)  // blk_io_trace2 is 64 bytes
    for strict in [true, false] {
      #expect(throws: TraceParseError(reason: .unsupportedVersion(8), source: "test.blktrace.0", byteOffset: 0)) {
        try decodeBinary(Self.decoder(strict: strict), out)
      }
    }
  }

  @Test func badMagicThrowsWhenStrictAndResynchronizesOtherwise() throws {
    let sample = Self.sampleStream()
    let garbage: [UInt8] = Array("not a record at all, just text that is long enough\n".utf8)
    let firstRecord = 48 + 16
    let bytes = Array(sample[..<firstRecord]) + garbage + Array(sample[firstRecord...])
    let error = #expect(throws: TraceParseError.self) { try decodeBinary(Self.decoder(strict: true), bytes) }
    #expect(error?.byteOffset == firstRecord)
    if case .badMagic = error?.reason {} else { Issue.record("expected badMagic, got \(String(describing: error))") }

    let lenient = try decodeBinary(Self.decoder(), bytes)
    let clean = try decodeBinary(Self.decoder(), sample)
    #expect(lenient.events == clean.events)
    #expect(lenient.diagnostics.malformed == 1)
    #expect(lenient.diagnostics.samples.first?.byteOffset == firstRecord)
    // The same, fed one byte at a time.
    let pieces = try decodeBinary(Self.decoder(), bytes, cuts: Array(1..<bytes.count))
    #expect(pieces == lenient)
  }

  @Test(arguments: [1, 5, 16, 17, 47, 63])
  func truncatedTailIsReportedWithItsOffset(missing: Int) throws {
    let sample = Self.sampleStream()
    let cut = Array(sample.dropLast(missing))
    // The last record is the cgroup U (48 + 16 bytes).
    let lastStart = sample.count - 64
    // With the 48-byte header present the pdu length is known; before that, the header is missing.
    let needed = missing <= 16 ? missing : missing - 16
    let error = #expect(throws: TraceParseError.self) { try decodeBinary(Self.decoder(strict: true), cut) }
    #expect(error?.byteOffset == lastStart)
    #expect(error?.reason == .truncated(needed: needed))
    let lenient = try decodeBinary(Self.decoder(), cut)
    #expect(lenient.events.count == 7)
    #expect(lenient.diagnostics.malformed == 1)
    #expect(lenient.diagnostics.samples.first?.reason == .truncated(needed: needed))
    #expect(lenient.diagnostics.samples.first?.byteOffset == lastStart)
    #expect(lenient.diagnostics.samples.first?.description.contains("byte \(lastStart)") == true)
  }

  @Test func unknownActionCodeIsCountedAndSkipped() throws {
    var out: [UInt8] = []
    BlktraceBinaryEncoder.append(Self.record(action: 0x0011_0013), to: &out)  // code 19: zone unplug (v8 only)
    BlktraceBinaryEncoder.append(Self.record(action: 0x0011_0001, sector: 8, bytes: 512), to: &out)
    let lenient = try decodeBinary(Self.decoder(), out)
    #expect(lenient.events.count == 1)
    #expect(lenient.diagnostics.malformed == 1)
    #expect(throws: TraceParseError.self) { try decodeBinary(Self.decoder(strict: true), out) }
  }

  @Test func flagsFollowBlkparseRWBS() throws {
    // (action word, bytes) → flags, as blkparse would print them.
    let cases: [(UInt32, UInt32, BlockFlags)] = [
      (0x0019_0001, 4096, [.read, .sync]),  // Q RS
      (0x0811_0001, 4096, [.read, .readahead]),  // Q RA
      (0x1011_0001, 4096, [.read, .meta]),  // Q RM
      (0x001E_0001, 0, [.flush, .write, .sync]),  // Q FWS (empty preflush)
      (0x0185_0008, 0, [.flush, .otherOperation, .requestLevel]),  // C FN (READ|FLUSH|FS, no data)
      (0x200A_0001, 1 << 20, [.discard, .sync]),  // Q DS (DISCARD|WRITE|SYNC)
      (0x800A_0001, 4096, [.write, .fua, .sync]),  // Q WFS
      (0x0241_0007, 36, [.read, .requestLevel, .passthrough]),  // D R, PC
      (0x0011_0009, 0, .otherOperation),  // P N
    ]
    for (action, bytes, flags) in cases {
      var out: [UInt8] = []
      BlktraceBinaryEncoder.append(Self.record(action: action, bytes: bytes), to: &out)
      let decoded = try decodeBinary(Self.decoder(strict: true), out)
      #expect(decoded.events.first?.flags == flags, "action 0x\(String(action, radix: 16))")
    }
  }

  @Test func timestampNotesAreIgnored() throws {
    var out: [UInt8] = []
    BlktraceBinaryEncoder.append(Self.record(action: 0x0400_0001, sequence: 0), pdu: [1, 0, 0, 0, 2, 0, 0, 0], to: &out)
    let decoded = try decodeBinary(Self.decoder(strict: true), out)
    #expect(decoded.events.isEmpty && decoded.markers.isEmpty && decoded.diagnostics == TraceDiagnostics())
  }

  @Test func randomBytesNeverCrash() throws {
    var random = SplitMix64(seed: 2024)
    let sample = Self.sampleStream()
    for round in 0..<3000 {
      var bytes: [UInt8]
      switch round % 3 {
      case 0:
        bytes = (0..<Int(random.below(700))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      case 1:  // real records with random bytes changed
        bytes = sample
        for _ in 0..<Int(random.between(1...8)) {
          bytes[Int(random.below(UInt64(bytes.count)))] = UInt8(truncatingIfNeeded: random.next())
        }
      default:  // random bytes with magics sprinkled in
        bytes = (0..<Int(random.below(700))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        for _ in 0..<Int(random.below(6)) where bytes.count > 4 {
          let at = Int(random.below(UInt64(bytes.count - 4)))
          bytes.replaceSubrange(at..<(at + 4), with: [0x07, 0x74, 0x61, 0x65])
        }
      }
      let whole = try? decodeBinary(Self.decoder(), bytes)
      var cuts: [Int] = []
      var at = 0
      while true {
        at += Int(random.between(1...80))
        if at >= bytes.count { break }
        cuts.append(at)
      }
      let pieces = try? decodeBinary(Self.decoder(), bytes, cuts: cuts)
      #expect(whole == pieces)
      _ = try? decodeBinary(Self.decoder(strict: true), bytes)
    }
  }

  // MARK: Fixtures

  @Test(arguments: FixturePaths.all)
  func fixtureActionCountsMatchTheJSON(name: String) throws {
    let decoded = try decodeFixtureBlktrace(name)
    #expect(countActions(decoded.events) == (try fixtureBinaryActionCounts(name)))
    #expect(decoded.diagnostics == TraceDiagnostics())
    #expect(zip(decoded.events, decoded.events.dropFirst()).allSatisfy { $0.time <= $1.time })
    #expect(decoded.events.allSatisfy { $0.device == Self.device })
  }

  @Test(arguments: FixturePaths.all)
  func readerCommMatchesTheJSON(name: String) throws {
    let process = try #require(try fixtureJSON(name)["process"] as? [String: Any])
    let pid = Int32(try #require(process["pid"] as? Int))
    let comm = CommName(try #require(process["comm"] as? String))
    let decoded = try decodeFixtureBlktrace(name)
    let mine = decoded.events.filter { $0.pid == pid }
    #expect(!mine.isEmpty)
    #expect(mine.allSatisfy { $0.comm == comm })
  }

  /// Small chunks (every record straddles a chunk boundary) give the same events.
  @Test func fixtureDecodesTheSameInSmallChunks() throws {
    let name = "seq-mmap-mqdl"
    #expect(try decodeFixtureBlktrace(name, chunkSize: 100) == (try decodeFixtureBlktrace(name)))
  }
}
