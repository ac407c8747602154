import Testing

@testable import ParamTraceCore

@Suite struct CheopsCSVDecoderTests {
  static func decoder(_ options: DecoderOptions = DecoderOptions()) -> CheopsCSVDecoder {
    CheopsCSVDecoder(options: options)
  }

  /// Real lines from spec §4 (same script, dev 254:0), after bpftrace's banner.
  static let sample = """
    Attaching 1 probe...
    553642612834, RS, 65536, 33538560, 128
    544640647689, FF, 0, 0, 0\r
    541991752104, DS, 815104, 34091008, 1592

    553642612999,RA,4096,8,8
    """

  @Test func specLines() throws {
    let decoded = try decodeText(Self.decoder(), Self.sample)
    #expect(decoded.diagnostics.malformed == 0)
    #expect(decoded.diagnostics.ignoredLines == 2)  // the banner and the blank line
    let unknown = DeviceNumber(raw: 0)
    #expect(
      decoded.events == [
        BlockEvent(time: 553_642_612_834, sector: 33_538_560, sectors: 128, device: unknown, pid: 0,
                   action: .issue, flags: [.read, .sync, .requestLevel]),
        BlockEvent(time: 544_640_647_689, sector: 0, sectors: 0, device: unknown, pid: 0,
                   action: .issue, flags: [.flush, .requestLevel]),
        BlockEvent(time: 541_991_752_104, sector: 34_091_008, sectors: 1592, device: unknown, pid: 0,
                   action: .issue, flags: [.discard, .sync, .requestLevel]),
        BlockEvent(time: 553_642_612_999, sector: 8, sectors: 8, device: unknown, pid: 0,
                   action: .issue, flags: [.read, .readahead, .requestLevel]),
      ])
  }

  /// The CSV the script would have printed for a fixture's `block_rq_issue` tracepoints.
  @Test(arguments: FixturePaths.all)
  func sameIssuesAsTheTracepoints(name: String) throws {
    let tracepoints = try FixturePaths.bytes(name, "tp.txt")
    let issues = try decodeText(TracepointTextDecoder(options: DecoderOptions()), tracepoints)
      .events.filter { $0.action == .issue }
    var csv = "Attaching 1 probe...\n"
    for event in issues {
      csv += "\(event.time), \(RWBS.format(event.flags)), \(event.bytes), \(event.sector), \(event.sectors)\n"
    }
    let decoded = try decodeText(Self.decoder(), csv)
    #expect(decoded.diagnostics.malformed == 0)
    #expect(decoded.events.count == (try fixtureActionCounts(name, section: "tp"))["D"])
    #expect(decoded.events.map(\.time) == issues.map(\.time))
    #expect(decoded.events.map(TextEventKey.init) == issues.map { var e = $0; e.pid = 0; return TextEventKey(e) })
  }

  @Test(arguments: 0...120)
  func splitAnywhere(at cut: Int) throws {
    let bytes = Array(Self.sample.utf8)
    let whole = try decodeText(Self.decoder(), bytes)
    #expect(try decodeText(Self.decoder(), bytes, cuts: [cut]) == whole)
    #expect(try decodeText(Self.decoder(), bytes, cuts: [cut, cut + 3, cut + 60]) == whole)
  }

  @Test func garbageIsCountedAndStrictModeThrowsWithItsLine() throws {
    let text = """
      Attaching 1 probe...
      553642612834, RS, 65536, 33538560, 128
      553642612835, RS, 65536
      553642612836, XX, 65536, 33538560, 128
      553642612837, RS, 65536, 33538560, 128 extra
      553642612838, RS, 65536, 33538560, 99999999999
      99999999999999999999999, RS, 65536, 33538560, 128
      553642612839 RS 65536 33538560 128
      553642612840, RS, 65536, 33538560, 128

      """
    let lenient = try decodeText(Self.decoder(), text)
    #expect(lenient.events.map(\.time) == [553_642_612_834, 553_642_612_840])
    #expect(lenient.diagnostics.malformed == 6)
    #expect(lenient.diagnostics.samples.map(\.line) == [3, 4, 5, 6, 7, 8])
    for chunk in [nil, 1, 10] {
      let error = firstStrictError(
        Self.decoder(DecoderOptions(sourceName: "bio.csv", strict: true)), Array(text.utf8), chunkSize: chunk)
      #expect(error?.line == 3)
      #expect(error?.byteOffset == "Attaching 1 probe...\n553642612834, RS, 65536, 33538560, 128\n".utf8.count)
      #expect(error?.source == "bio.csv")
    }
  }

  @Test func randomBytesNeverCrash() throws {
    var real = Array(Self.sample.utf8)
    real += Array("1, WS, 4096, 100, 8\n2, FWFSM, 0, 0, 0\n3, N, 0, 0, 0\n".utf8)
    let produced = try checkNeverCrashes(CheopsCSVDecoder.init(options:), seed: 4, realText: real)
    #expect(produced > 0)
  }
}
