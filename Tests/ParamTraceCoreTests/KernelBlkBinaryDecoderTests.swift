import Testing

@testable import ParamTraceCore

@Suite struct KernelBlkBinaryDecoderTests {
  static func decoder(strict: Bool = false) -> KernelBlkBinaryDecoder {
    KernelBlkBinaryDecoder(options: DecoderOptions(sourceName: "trace.kernel-bin", strict: strict))
  }

  static let header = Array("# tracer: blk\n#\n".utf8)

  /// The fixture's header and first `records` records.
  static func fixturePrefix(_ name: String = "seq-mmap-mqdl", records: Int) throws -> [UInt8] {
    let bytes = try FixturePaths.bytes(name, "kernel-bin")
    var at = header.count
    for _ in 0..<records {
      let pduLength = Int(bytes[at + 16 + 46]) | Int(bytes[at + 16 + 47]) << 8
      at += 16 + 48 + pduLength
    }
    return Array(bytes[..<at])
  }

  @Test(arguments: kernelBinaryFixtures)
  func fixtureActionCountsMatchTheJSON(name: String) throws {
    let decoded = try decodeBinary(Self.decoder(strict: true), try FixturePaths.bytes(name, "kernel-bin"))
    #expect(countActions(decoded.events) == (try fixtureBinaryActionCounts(name)))
    #expect(decoded.diagnostics.malformed == 0)
    #expect(decoded.diagnostics.lostEvents == 0)
  }

  /// The kernel's own records and the per-CPU files converted from the text agree field by
  /// field (the sequence is not part of an event). The kernel writes no PROCESS notes, so
  /// kernel-bin events have no comm.
  @Test(arguments: kernelBinaryFixtures)
  func agreesWithTheBlktraceFilesEventByEvent(name: String) throws {
    let kernel = try decodeBinary(Self.decoder(strict: true), try FixturePaths.bytes(name, "kernel-bin")).events
    #expect(kernel.allSatisfy { $0.comm.isEmpty })
    var files = try decodeFixtureBlktrace(name).events
    for index in files.indices { files[index].comm = CommName() }
    #expect(kernel.count == files.count)
    // Equal times on two CPUs may come in either order; compare in (time, cpu) order.
    let order: (BlockEvent, BlockEvent) -> Bool = { ($0.time, $0.cpu) < ($1.time, $1.cpu) }
    let kernelSorted = kernel.sorted(by: order)
    let filesSorted = files.sorted(by: order)
    let mismatches = zip(kernelSorted, filesSorted).filter { $0 != $1 }
    #expect(mismatches.isEmpty, "first: \(String(describing: mismatches.first))")
  }

  @Test(arguments: 0...150)
  func splitAnywhere(at cut: Int) throws {
    let bytes = try Self.fixturePrefix(records: 6)
    let whole = try decodeBinary(Self.decoder(strict: true), bytes)
    #expect(whole.events.count == 6)
    #expect(try decodeBinary(Self.decoder(strict: true), bytes, cuts: [cut]) == whole)
    #expect(try decodeBinary(Self.decoder(strict: true), bytes, cuts: [cut, cut + 3, cut + 64]) == whole)
  }

  @Test func readsRecordsWithoutHeaderOrContextPrefix() throws {
    let full = try Self.fixturePrefix(records: 6)
    let expected = try decodeBinary(Self.decoder(strict: true), full)
    // No text header.
    let noHeader = Array(full[Self.header.count...])
    #expect(try decodeBinary(Self.decoder(strict: true), noHeader).events == expected.events)
    // options/context-info=0: no 16-byte pid/cpu/ts prefix.
    var bare: [UInt8] = Self.header
    var at = Self.header.count
    while at < full.count {
      let pduLength = Int(full[at + 16 + 46]) | Int(full[at + 16 + 47]) << 8
      bare += full[(at + 16)..<(at + 64 + pduLength)]
      at += 64 + pduLength
    }
    #expect(try decodeBinary(Self.decoder(strict: true), bare).events == expected.events)
    #expect(try decodeBinary(Self.decoder(strict: true), bare, cuts: [5, 17, 20, 70]).events == expected.events)
  }

  @Test func lostEventLinesAreCounted() throws {
    let full = try Self.fixturePrefix(records: 4)
    let two = try Self.fixturePrefix(records: 2)
    let bytes = two + Array("CPU:1 [LOST 1234 EVENTS]\n".utf8) + full[two.count...] + Array("CPU:0 [LOST EVENTS]\n".utf8)
    for cuts in [[], [two.count + 3], Array(1..<bytes.count)] {
      let decoded = try decodeBinary(Self.decoder(strict: true), bytes, cuts: cuts)
      #expect(decoded.events.count == 4)
      #expect(decoded.diagnostics.lostEvents == 1235)
      #expect(decoded.diagnostics.malformed == 0)
    }
  }

  @Test func truncatedTailIsReportedWithItsOffset() throws {
    let full = try Self.fixturePrefix(records: 3)
    let two = try Self.fixturePrefix(records: 2)
    let cut = Array(full.dropLast(10))
    let error = #expect(throws: TraceParseError.self) { try decodeBinary(Self.decoder(strict: true), cut) }
    #expect(error?.reason == .truncated(needed: 10))
    #expect(error?.byteOffset == two.count)
    let lenient = try decodeBinary(Self.decoder(), cut)
    #expect(lenient.events.count == 2)
    #expect(lenient.diagnostics.samples.first?.byteOffset == two.count)
  }

  @Test func garbageIsSkippedToTheNextRecord() throws {
    let full = try Self.fixturePrefix(records: 4)
    let two = try Self.fixturePrefix(records: 2)
    let bytes = two + Array("some text that is not a record, long enough to matter here\n".utf8) + full[two.count...]
    let lenient = try decodeBinary(Self.decoder(), bytes)
    #expect(lenient.events == (try decodeBinary(Self.decoder(), full)).events)
    #expect(lenient.diagnostics.malformed == 1)
    #expect(lenient.diagnostics.samples.first?.byteOffset == two.count)
    #expect(throws: TraceParseError.self) { try decodeBinary(Self.decoder(strict: true), bytes) }
  }

  @Test func randomBytesNeverCrash() throws {
    var random = SplitMix64(seed: 77)
    let sample = try Self.fixturePrefix(records: 5)
    for round in 0..<2000 {
      var bytes: [UInt8]
      if round % 2 == 0 {
        bytes = Self.header + (0..<Int(random.below(600))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      } else {
        bytes = sample
        for _ in 0..<Int(random.between(1...8)) {
          bytes[Int(random.below(UInt64(bytes.count)))] = UInt8(truncatingIfNeeded: random.next())
        }
      }
      let whole = try? decodeBinary(Self.decoder(), bytes)
      let pieces = try? decodeBinary(Self.decoder(), bytes, cuts: [Int(random.below(UInt64(bytes.count + 1))), 70, 71])
      #expect(whole == pieces)
      _ = try? decodeBinary(Self.decoder(strict: true), bytes)
    }
  }
}
