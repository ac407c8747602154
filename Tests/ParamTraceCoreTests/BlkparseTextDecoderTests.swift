import Testing

@testable import ParamTraceCore

@Suite struct BlkparseTextDecoderTests {
  static func decoder(_ options: DecoderOptions = DecoderOptions()) -> BlkparseTextDecoder {
    BlkparseTextDecoder(options: options)
  }

  /// One line of every tail variant blkparse prints, then its summary (with `-s`).
  static let sample = """
      8,0    1        1     0.000000000  1234  Q  RS 33461760 + 128 [my prog [2]]
      8,0    1        2     0.000000500  1234  X  RA 33423360 / 33425392 [dd]
      8,0    1        3     0.000001000  1234  G  RS 33461760 + 128 [dd]
      8,0    1        4     0.000001200  1234  P   N [dd]
      8,0    1        5     0.000001300  1234 UT   N [dd] 3
      8,0    1        6     0.000001400  1234  U   N [dd] 12
      8,0    1        7     0.000002000  1234  I  RS 33461760 + 128 (    1000) [dd]
      8,0    1        8     0.000003000    24  D  RS 33461760 + 128 [kworker/1:0H]
      8,0    0        9     0.000004000     0  C  RS 33461760 + 128 (  109256) [0]
      8,0    0       10     0.000005000     0  C  RS 33461888 [-5]
      8,0    0       11     0.000006000  1234  R  RA 2109032 + 4080 [0]
      8,0    0       12     0.000007000   999  Q FWS [sync]
      8,0    0       13     0.000008000   999  C  FN 0 [0]
      8,0    0       14     0.000009000   999  D  DS 1000 + 2048 [fstrim]
      8,0    0       15     0.000010000   999  A   R 34818 + 8 <- (8,1) 32770
      8,0    0       16     0.000011000   999  D   R 36 (12 00 00 00 24 00) [sg_inq]
      8,0    0       17     0.000012000  4321  Q   R 8 + 8 [(null)]
      8,0    0        0     0.000013000     0  m   N cfq4321 start
    259,3    0       18     0.000014000   999  M  RA 100 + 8 [dd]\r
    dd (1234)
     Reads Queued:           8,       32KiB\t Writes Queued:           0,        0KiB
    CPU0 (sda):
     Reads Queued:           8,       32KiB\t Writes Queued:           0,        0KiB
     IO unplugs:             7        \t Timer unplugs:           1

    Total (sda):
    Throughput (R/W): 0KiB/s / 0KiB/s
    Events (sda): 18 entries
    Skips: 0 forward (0 -   0.0%)
    Input file trace.blktrace.0 added

    """

  @Test(arguments: FixturePaths.all)
  func fixtureActionCountsMatchTheJSON(name: String) throws {
    let decoded = try decodeText(Self.decoder(), try FixturePaths.bytes(name, "blkparse.txt"))
    #expect(textActionCounts(decoded.events) == (try fixtureActionCounts(name, section: "blk")))
    #expect(decoded.diagnostics.malformed == 0)
    #expect(decoded.diagnostics.samples.isEmpty)
    #expect(decoded.diagnostics.lostEvents == 0)
    #expect(decoded.diagnostics.ignoredLines > 5)  // the summary
    #expect(decoded.events.first?.time == 0)
    #expect(decoded.events.allSatisfy { $0.device == DeviceNumber(major: 254, minor: 0) })
  }

  /// blkparse of the converted binary and the blk_classic text of the same ring buffer hold the
  /// same events; blkparse times are relative to the first event and ties may swap.
  @Test(arguments: FixturePaths.all)
  func sameEventsAsBlkClassicText(name: String) throws {
    let parsed = try decodeText(Self.decoder(), try FixturePaths.bytes(name, "blkparse.txt")).events
    var classic = try decodeText(
      FtraceBlkTextDecoder(options: DecoderOptions()), try FixturePaths.bytes(name, "blkclassic.txt")
    ).events
    let first = try #require(classic.map(\.time).min())
    for index in classic.indices { classic[index].time -= first }
    #expect(parsed.count == classic.count)
    func canonical(_ events: ContiguousArray<BlockEvent>) -> [BlockEvent] {
      events.sorted { ($0.time, $0.cpu, TextEventKey($0)) < ($1.time, $1.cpu, TextEventKey($1)) }
    }
    let a = canonical(parsed)
    let b = canonical(classic)
    #expect(a == b)
    // In file order, only events with equal times may be swapped.
    let swapped = zip(parsed, classic).filter { $0 != $1 }
    #expect(swapped.allSatisfy { $0.time == $1.time })
  }

  @Test func everyTailVariant() throws {
    let decoded = try decodeText(Self.decoder(), Self.sample)
    #expect(decoded.diagnostics.malformed == 0, "\(decoded.diagnostics.samples)")
    #expect(decoded.diagnostics.ignoredLines == 11)
    let e = decoded.events
    try #require(e.count == 18)
    let sda = DeviceNumber(major: 8, minor: 0)

    #expect(e[0] == BlockEvent(time: 0, sector: 33_461_760, sectors: 128, device: sda, pid: 1234, cpu: 1,
                               action: .queue, flags: [.read, .sync], comm: CommName("my prog [2]")))
    // X: the new sector goes to detail, no length.
    #expect(e[1] == BlockEvent(time: 500, sector: 33_423_360, sectors: 0, device: sda, pid: 1234, cpu: 1,
                               action: .split, flags: [.read, .readahead], comm: CommName("dd"), detail: 33_425_392))
    #expect(e[2].action == .getRequest && !e[2].flags.contains(.requestLevel))
    #expect(e[3].action == .plug && e[3].sector == 0 && e[3].sectors == 0 && e[3].comm == CommName("dd"))
    #expect(e[4].action == .unplugTimer && e[4].detail == 3 && e[4].comm == CommName("dd"))
    #expect(e[5].action == .unplugIO && e[5].detail == 12)
    // -t puts "(  NANOS)" before the bracket.
    #expect(e[6] == BlockEvent(time: 2000, sector: 33_461_760, sectors: 128, device: sda, pid: 1234, cpu: 1,
                               action: .insert, flags: [.read, .sync, .requestLevel], comm: CommName("dd")))
    #expect(e[7].action == .issue && e[7].pid == 24 && e[7].comm == CommName("kworker/1:0H"))
    // C: the bracket is the errno, not a comm.
    #expect(e[8] == BlockEvent(time: 4000, sector: 33_461_760, sectors: 128, device: sda, pid: 0, cpu: 0,
                               action: .complete, flags: [.read, .sync, .requestLevel]))
    #expect(e[9].action == .complete && e[9].sector == 33_461_888 && e[9].sectors == 0 && e[9].error == -5)
    #expect(e[9].comm.isEmpty)
    #expect(e[10].action == .requeue && e[10].flags.contains(.requestLevel) && e[10].comm.isEmpty)
    // Flushes and discards.
    #expect(e[11].action == .queue && e[11].flags == [.flush, .write, .sync] && e[11].sectors == 0)
    #expect(e[11].comm == CommName("sync"))
    #expect(e[12].action == .complete && e[12].flags == [.flush, .otherOperation, .requestLevel])
    #expect(e[13].action == .issue && e[13].flags == [.discard, .sync, .requestLevel] && e[13].sectors == 2048)
    #expect(!e[13].flags.carriesData)
    // A: remap, the source sector in detail.
    #expect(e[14] == BlockEvent(time: 10_000, sector: 34_818, sectors: 8, device: sda, pid: 999, cpu: 0,
                                action: .remap, flags: [.read], detail: 32_770))
    // Passthrough: BYTES (cdb) [comm].
    #expect(e[15].action == .issue && e[15].flags.contains(.passthrough) && e[15].sectors == 0)
    #expect(e[15].comm == CommName("sg_inq"))
    #expect(e[16].comm.isEmpty)  // [(null)]: no PROCESS note
    #expect(e[17].device == DeviceNumber(major: 259, minor: 3) && e[17].action == .backmerge)
    #expect(!e[17].flags.contains(.requestLevel))
    #expect(decoded.markers == [TraceMarker(time: 13_000, text: "cfq4321 start")])
  }

  @Test(arguments: 0...200)
  func splitAnywhere(at cut: Int) throws {
    let bytes = Array(Self.sample.utf8)
    let whole = try decodeText(Self.decoder(), bytes)
    #expect(try decodeText(Self.decoder(), bytes, cuts: [cut]) == whole)
    #expect(try decodeText(Self.decoder(), bytes, cuts: [cut, cut + 37, cut + 300, cut + 301]) == whole)
  }

  @Test func randomChunksOfARealTrace() throws {
    let bytes = try FixturePaths.bytes("thrash-memcg48m", "blkparse.txt")
    let whole = try decodeText(Self.decoder(), bytes)
    var generator = TextFuzzRandom(seed: 7)
    for maxPiece in [1, 3, 80, 4096, 100_000] {
      let cuts = textRandomCuts(count: bytes.count, maxPiece: maxPiece, using: &generator)
      #expect(try decodeText(Self.decoder(), bytes, cuts: cuts) == whole)
    }
    #expect(try decodeText(Self.decoder(), bytes, chunkSize: 1) == whole)
  }

  @Test func garbageIsCountedAndStrictModeThrowsWithItsLine() throws {
    let text = """
      254,0    1        1     0.000000000 15922  Q   R 169878728 + 8 [pread_direct]
      254,0    1        2     0.000000656 15922  G   R 169878728 + 8 [pread_direct]
      hello world
      254,0    1        3     0.000001014 15922  Q   R 169878728 + [pread_direct]
      254,0    1        4     0.000001014 15922  Z   R 169878728 + 8 [pread_direct]
      254,0    1        5     0.0000010x4 15922  Q   R 169878728 + 8 [pread_direct]
      254,0    1        6     0.000001014 15922  Q   R 169878728 + 8 [pread_direct] junk
      254,0    1        7     0.000002000 15922  C   R 169878728 + 8 [pread_direct]
      99999,0  1        8     0.000002000 15922  Q   R 169878728 + 8 [a]
      254,0    1        9     0.000003000 15922  Q   R 169878736 + 8 [pread_direct]

      """
    let lenient = try decodeText(Self.decoder(DecoderOptions(sourceName: "x.txt")), text)
    #expect(lenient.events.count == 3)
    #expect(lenient.diagnostics.malformed == 7)
    #expect(lenient.diagnostics.samples.map(\.line) == [3, 4, 5, 6, 7, 8, 9])
    let third = try #require(lenient.diagnostics.samples.first)
    #expect(third.byteOffset == Array(text.utf8).split(separator: 0x0A).prefix(2).reduce(0) { $0 + $1.count + 1 })
    #expect(third.source == "x.txt")
    #expect(third.description.hasPrefix("x.txt:3: malformed line"))

    for chunk in [nil, 1, 7] {
      let error = firstStrictError(
        Self.decoder(DecoderOptions(sourceName: "x.txt", strict: true)), Array(text.utf8), chunkSize: chunk)
      #expect(error?.line == 3)
      #expect(error?.byteOffset == third.byteOffset)
      #expect(error?.source == "x.txt")
    }
  }

  @Test func summaryLinesAreIgnoredNotMalformed() throws {
    let decoded = try decodeText(Self.decoder(), try FixturePaths.bytes("tiny-direct", "blkparse.txt"))
    #expect(decoded.events.count == 56)
    #expect(decoded.diagnostics.malformed == 0)
    #expect(decoded.diagnostics.ignoredLines == 12)  // the summary, one blank line included
  }

  @Test func lastLineWithoutNewlineAndCRLF() throws {
    let text =
      "254,0    1        1     0.000000000 15922  Q   R 8 + 8 [a]\r\n"
      + "254,0    1        2     0.000000001 15922  G   R 8 + 8 [b]"
    let decoded = try decodeText(Self.decoder(), text)
    #expect(decoded.events.map(\.comm) == [CommName("a"), CommName("b")])
    var decoder = Self.decoder()
    var events: ContiguousArray<BlockEvent> = []
    let bytes = Array(text.utf8)
    let used = try bytes.withUnsafeBytes { try decoder.decode($0, atEnd: false, into: &events) }
    #expect(used == bytes.firstIndex(of: 0x0A)! + 1)
    #expect(events.count == 1)
  }

  /// The line splitter's word-at-a-time scan against a byte loop (ByteScan.findNewline).
  @Test func newlineScanMatchesANaiveScan() {
    var generator = TextFuzzRandom(seed: 5)
    for _ in 0..<500 {
      let bytes: [UInt8] = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
        [0x0A, 0x0B, 0x09, 0x8A, 0x00, 0xFF, 0x41].randomElement(using: &generator)!
      }
      bytes.withUnsafeBytes { buffer in
        for from in 0...bytes.count {
          let naive = bytes[from...].firstIndex(of: 0x0A) ?? bytes.count
          #expect(ByteScan.findNewline(buffer, from: from, to: bytes.count) == naive)
        }
      }
    }
  }

  @Test func randomBytesNeverCrash() throws {
    let real = try FixturePaths.bytes("seq-mmap-mqdl", "blkparse.txt")
    let produced = try checkNeverCrashes(
      BlkparseTextDecoder.init(options:), seed: 1, realText: Array(real.prefix(60_000)))
    #expect(produced > 0)
  }
}
