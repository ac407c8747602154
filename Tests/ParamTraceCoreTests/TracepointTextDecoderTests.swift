import Testing

@testable import ParamTraceCore

@Suite struct TracepointTextDecoderTests {
  static func decoder(_ options: DecoderOptions = DecoderOptions()) -> TracepointTextDecoder {
    TracepointTextDecoder(options: options)
  }

  /// Every `block:*` event's text, plus the lines around them.
  static let sample = """
    # tracer: nop
    #
    # entries-in-buffer/entries-written: 35852/40651   #P:2
    #
                  dd-15685   [000] .....   446.422729: block_bio_queue: 254,0 RS 33487360 + 128 [dd]
                  dd-15685   [000] ...1.   446.422730: block_rq_insert: 254,0 RS 65536 () 33487360 + 128 be,0,4 [dd]
                  dd-15685   [000] .....   446.422731: block_rq_issue: 254,0 RS 65536 () 33487360 + 128 be,0,4 [dd]
             cc1plus-15666   [001] ..s..   446.423047: block_rq_complete: 254,0 RS () 33487360 + 128 be,0,4 [0]
                  dd-16387   [001] .....   496.553949: block_bio_remap: 7,0 RS 34818 + 8 <- (259,0) 32770
        kworker/0:1H-58      [000] .....   435.820857: block_rq_issue: 254,0 FF 0 () 0 + 0 none,0,0 [kworker/0:1H]
              <idle>-0       [000] ..s1.   435.820900: block_rq_complete: 254,0 FF () 18446744073709551615 + 0 none,0,0 [0]
                  dd-15685   [000] .....   446.422732: block_rq_merge: 254,0 RA 8192 () 100 + 16 be,0,4 [dd]
        kworker/1:0H-24      [001] .....   446.422733: block_rq_requeue: 254,0 RA () 2109032 + 4080 be,0,4 [0]
              <idle>-0       [001] ..s1.   446.422734: block_rq_error: 254,0 W () 8 + 8 be,0,4 [-5]
                  dd-15685   [000] .....   446.422735: block_bio_backmerge: 254,0 RA 108 + 8 [dd]
                  dd-15685   [000] .....   446.422736: block_bio_frontmerge: 254,0 RA 92 + 8 [dd]
                  dd-15685   [000] .....   446.422737: block_getrq: 254,0 RA 100 + 8 [dd]
                  dd-15685   [000] .....   446.422738: block_split: 254,0 RA 33423360 / 33425392 [dd]
                  dd-15685   [000] .....   446.422739: block_plug: [dd]
                  dd-15685   [000] .....   446.422740: block_unplug: [dd] 3
                  dd-15685   [000] .....   446.422741: block_io_start: 254,0 RS 65536 () 33487360 + 128 be,0,4 [dd]
                  dd-15685   [000] .....   446.422742: block_io_done: 254,0 RS 0 () 33487360 + 0 be,0,4 [dd]
                  dd-15685   [000] .....   446.422743: block_rq_insert: 8,0 WS 4096 () 2048 + 8 [dd]
             python3-99      [001] .....   446.422744: block_rq_issue: 254,0 R 4096 () 8 + 8 be,0,4 [bash]
      my prog-name-77      [001] .....   446.422745: block_bio_complete: 254,0 R 8 + 8 [0]
         kworker/0:2-300   [000] .....   446.422746: block_rq_remap: 254,0 R 100 + 8 <- (253,1) 50 2
    CPU:0 [LOST 7 EVENTS]
                bash-500     [001] .....   447.000000: tracing_mark_write: token 1 begin
                bash-500     [001] .....   447.000001: sched_switch: prev_comm=bash prev_pid=500\r
                bash-500     [001] .....   447.000002: block_dirty_buffer: 254,0 sector=1 size=4096

    """

  @Test(arguments: FixturePaths.all)
  func fixtureActionCountsMatchTheJSON(name: String) throws {
    let decoded = try decodeText(Self.decoder(), try FixturePaths.bytes(name, "tp.txt"))
    #expect(textActionCounts(decoded.events) == (try fixtureActionCounts(name, section: "tp")))
    #expect(decoded.diagnostics.malformed == 0)
    #expect(decoded.diagnostics.lostEvents == 0)  // the entries-in-buffer header is not a loss count
    #expect(decoded.diagnostics.ignoredLines == 12)
    #expect(decoded.events.allSatisfy { $0.flags.contains(.requestLevel) })
  }

  /// The tracepoints were recorded in a second instance during the same run: their I, D and C
  /// events are the blk tracer's, in the same order.
  @Test(arguments: FixturePaths.all)
  func sameRequestsAsTheBlkTracer(name: String) throws {
    let tracepoints = try decodeText(Self.decoder(), try FixturePaths.bytes(name, "tp.txt")).events
    let blk = try decodeText(FtraceBlkTextDecoder(options: DecoderOptions()), try FixturePaths.bytes(name, "blk.txt"))
      .events.filter { [.insert, .issue, .complete].contains($0.action) }
    #expect(tracepoints.map(TextEventKey.init) == blk.map(TextEventKey.init))
    #expect(zip(tracepoints, blk).allSatisfy { $0.error == $1.error && $0.cpu == $1.cpu })
  }

  @Test func everyEventKind() throws {
    let decoded = try decodeText(Self.decoder(), Self.sample)
    #expect(decoded.diagnostics.malformed == 0, "\(decoded.diagnostics.samples)")
    #expect(decoded.diagnostics.lostEvents == 7)
    #expect(decoded.diagnostics.ignoredLines == 8)
    #expect(decoded.markers == [TraceMarker(time: 447_000_000_000, text: "token 1 begin")])
    let e = decoded.events
    try #require(e.count == 20)
    let vda = DeviceNumber(major: 254, minor: 0)

    #expect(e[0] == BlockEvent(time: 446_422_729_000, sector: 33_487_360, sectors: 128, device: vda, pid: 15685, cpu: 0,
                               action: .queue, flags: [.read, .sync], comm: CommName("dd")))
    #expect(e[1] == BlockEvent(time: 446_422_730_000, sector: 33_487_360, sectors: 128, device: vda, pid: 15685, cpu: 0,
                               action: .insert, flags: [.read, .sync, .requestLevel], comm: CommName("dd")))
    #expect(e[2].action == .issue && e[2].flags == [.read, .sync, .requestLevel])
    // Completion: no bytes field, errno in the bracket, comm of the interrupted task.
    #expect(e[3] == BlockEvent(time: 446_423_047_000, sector: 33_487_360, sectors: 128, device: vda, pid: 15666, cpu: 1,
                               action: .complete, flags: [.read, .sync, .requestLevel], comm: CommName("cc1plus")))
    #expect(e[4] == BlockEvent(time: 496_553_949_000, sector: 34_818, sectors: 8, device: DeviceNumber(major: 7, minor: 0),
                               pid: 16387, cpu: 1, action: .remap, flags: [.read, .sync], comm: CommName("dd"),
                               detail: 32_770))
    // Flush: FF, sector 0 on issue and (u64)-1 on completion, no length.
    #expect(e[5].action == .issue && e[5].flags == [.flush, .requestLevel] && e[5].sector == 0 && e[5].sectors == 0)
    #expect(e[5].comm == CommName("kworker/0:1H"))
    #expect(e[6].action == .complete && e[6].flags == [.flush, .requestLevel] && e[6].sectors == 0)
    #expect(e[6].sector == UInt64.max && e[6].comm == CommName("<idle>"))
    #expect(!e[6].flags.carriesData)
    // block_rq_merge: a request-level back merge.
    #expect(e[7].action == .backmerge && e[7].flags == [.read, .readahead, .requestLevel] && e[7].sectors == 16)
    #expect(e[8].action == .requeue && e[8].flags.contains(.requestLevel) && e[8].comm == CommName("kworker/1:0H"))
    #expect(e[9].action == .complete && e[9].error == -5 && e[9].flags == [.write, .requestLevel])
    #expect(e[10].action == .backmerge && !e[10].flags.contains(.requestLevel) && e[10].sector == 108)
    #expect(e[11].action == .frontmerge && e[11].sector == 92)
    #expect(e[12].action == .getRequest && !e[12].flags.contains(.requestLevel))
    #expect(e[13].action == .split && e[13].sector == 33_423_360 && e[13].sectors == 0 && e[13].detail == 33_425_392)
    #expect(e[14].action == .plug && e[14].device == DeviceNumber(raw: 0) && e[14].comm == CommName("dd"))
    #expect(e[15].action == .unplugIO && e[15].detail == 3)
    // Kernels before 6.7 print no ioprio.
    #expect(e[16].action == .insert && e[16].device == DeviceNumber(major: 8, minor: 0) && e[16].sector == 2048)
    #expect(e[16].flags == [.write, .sync, .requestLevel])
    // The bracket holds the name at event time, which can differ from the prefix's.
    #expect(e[17].pid == 99 && e[17].comm == CommName("bash"))
    #expect(e[18].action == .complete && !e[18].flags.contains(.requestLevel) && e[18].comm == CommName("my prog-name"))
    #expect(e[18].pid == 77)
    #expect(e[19].action == .remap && e[19].detail == 50 && e[19].flags.contains(.requestLevel))
  }

  @Test(arguments: 0...200)
  func splitAnywhere(at cut: Int) throws {
    let bytes = Array(Self.sample.utf8)
    let whole = try decodeText(Self.decoder(), bytes)
    #expect(try decodeText(Self.decoder(), bytes, cuts: [cut]) == whole)
    #expect(try decodeText(Self.decoder(), bytes, cuts: [cut, cut + 5, cut + 700, cut + 1800]) == whole)
  }

  @Test func randomChunksOfARealTrace() throws {
    let bytes = try FixturePaths.bytes("thrash-memcg48m", "tp.txt")
    let whole = try decodeText(Self.decoder(), bytes)
    var generator = TextFuzzRandom(seed: 13)
    for maxPiece in [1, 64, 3000] {
      let cuts = textRandomCuts(count: bytes.count, maxPiece: maxPiece, using: &generator)
      #expect(try decodeText(Self.decoder(), bytes, cuts: cuts) == whole)
    }
  }

  @Test func garbageIsCountedAndStrictModeThrowsWithItsLine() throws {
    let text = """
                    dd-15685   [000] .....   446.422729: block_bio_queue: 254,0 RS 33487360 + 128 [dd]
                    dd-15685   [000] .....   446.422730: block_rq_issue: 254,0 RS 65536 33487360 + 128 be,0,4 [dd]
                    dd-15685   [000] .....   446.422731: block_rq_complete: 254,0 RS () 33487360 + 128 be,0,4 [dd]
                    dd-15685   [000] .....   446.422732: block_bio_queue 254,0 RS 33487360 + 128 [dd]
      block_rq_issue: 254,0 RS 65536 () 33487360 + 128 be,0,4 [dd]
                    dd-15685   [000] .....   446.422733: block_bio_queue: 254 RS 33487360 + 128 [dd]
                    dd-15685   [000] .....   446.422734: block_bio_queue: 254,0 RS 33487360 + 128
                    dd-15685   [000] .....   446.422735: block_bio_queue: 254,0 RS 33487360 + 128 [dd]

      """
    let lenient = try decodeText(Self.decoder(DecoderOptions(sourceName: "tp")), text)
    #expect(lenient.events.count == 2)
    #expect(lenient.diagnostics.malformed == 6)
    #expect(lenient.diagnostics.samples.map(\.line) == [2, 3, 4, 5, 6, 7])
    let offsetOfLine2 = Array(text.utf8).firstIndex(of: 0x0A).map { $0 + 1 }
    #expect(lenient.diagnostics.samples.first?.byteOffset == offsetOfLine2)
    for chunk in [nil, 1, 50] {
      let error = firstStrictError(
        Self.decoder(DecoderOptions(sourceName: "tp", strict: true)), Array(text.utf8), chunkSize: chunk)
      #expect(error?.line == 2)
      #expect(error?.byteOffset == offsetOfLine2)
    }
  }

  @Test func randomBytesNeverCrash() throws {
    let real = try FixturePaths.bytes("thrash-memcg48m", "tp.txt")
    let produced = try checkNeverCrashes(
      TracepointTextDecoder.init(options:), seed: 3, realText: Array(real.prefix(60_000)) + Array(Self.sample.utf8))
    #expect(produced > 0)
  }
}
