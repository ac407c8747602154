import Testing

@testable import ParamTraceCore

@Suite struct FtraceBlkTextDecoderTests {
  static func decoder(_ options: DecoderOptions = DecoderOptions()) -> FtraceBlkTextDecoder {
    FtraceBlkTextDecoder(options: options)
  }

  /// The quirks of `trace`/`trace_pipe` with the blk tracer, mixed in one input.
  static let sample = """
    # tracer: blk
    #
                  dd-10266   [001] d..1.   416.930906: 254,0    Q  RS 33461760 + 128 [dd]
      my-prog name-31337   [000] d..1.   416.930907: 254,0    G  RS 33461760 + 128 [my-prog name]
              <idle>-0       [001] d.s2.   416.931020: 254,0    C  RS 33461760 + 128 [0]
                  dd-9870    [000] d..1.   404.071550: 254,0    X  RA 33423360 / 33425392 [dd]
        kworker/1:0H-24      [001] d..1.   404.071583: 254,0    R  RA 33425392 + 16 [0]
                sync-9869    [000] d..1.   403.976804: 254,0    Q FWS [sync]
               <...>-123     [000] d..1.   403.976805: 254,0    P   N [sync]
                sync-9869    [000] d..1.   403.976806: 254,0   UT   N [sync] 2
    CPU:1 [LOST 42 EVENTS]
    ##### CPU 1 buffer started ####
                bash-500     [001] .....   417.000000: tracing_mark_write: token 17 begin
         ksoftirqd/1-22      [001] d.s1.   417.000001: 254,0    C  FN 0 [-5]
              fstrim-700     (    700) [000] d..1.   417.000002: 254,0    D  DS 1000 + 2048 [fstrim]
              fstrim-701     (-------) [000] d..1.   417.000003: 254,0 issue   W 8 + 8 [fstrim]
                  dd-10266   [001]   417.000004: 254,0    U   N [dd] 1
    254,0    1   462.047862472 15922  Q   R 169878728 + 8 [pread_direct]\r
    254,0    0   462.047914885     0  C   R 169878728 + 8 [0]
                bash-500     [001] .....   417.000005: sched_switch: prev_comm=bash prev_pid=500
                  dd-10266   [001] d..1.   417.000006: 254,0    m   N cfq message
                  dd-10266   [001] d..1.   417.000007: 254,0    A   R 34818 + 8 <- (254,1) 32770
                  dd-10266   [001] d..1.   417.000008: 254,0 unplug_timer   N [dd] 4
                  dd-10266   [001] d..1.   417.000009: 254,0 backmerge  RA 100 + 8 [dd]
         a-b-7-1-2-3   [001] d..1.   417.000010: 254,0    M  RA 108 + 8 [a-b-7-1-2]

    """

  @Test(arguments: FixturePaths.all)
  func blkTextActionCountsMatchTheJSON(name: String) throws {
    let decoded = try decodeText(Self.decoder(), try FixturePaths.bytes(name, "blk.txt"))
    #expect(textActionCounts(decoded.events) == (try fixtureActionCounts(name, section: "blk")))
    #expect(decoded.diagnostics.malformed == 0)
    #expect(decoded.diagnostics.lostEvents == 0)
    #expect(decoded.diagnostics.ignoredLines == 2)  // "# tracer: blk", "#"
    #expect(decoded.events.allSatisfy { $0.device == DeviceNumber(major: 254, minor: 0) })
  }

  @Test(arguments: FixturePaths.all)
  func blkClassicActionCountsMatchTheJSON(name: String) throws {
    let decoded = try decodeText(Self.decoder(), try FixturePaths.bytes(name, "blkclassic.txt"))
    #expect(textActionCounts(decoded.events) == (try fixtureActionCounts(name, section: "blk")))
    #expect(decoded.diagnostics.malformed == 0)
    #expect(decoded.diagnostics.ignoredLines == 4)
  }

  /// The default and classic prints of one ring buffer: same events in the same order; the
  /// default form has µs times, and C/R lines take the ftrace task as comm.
  @Test(arguments: FixturePaths.all)
  func defaultAndClassicFormsAgree(name: String) throws {
    let blk = try decodeText(Self.decoder(), try FixturePaths.bytes(name, "blk.txt")).events
    let classic = try decodeText(Self.decoder(), try FixturePaths.bytes(name, "blkclassic.txt")).events
    try #require(blk.count == classic.count)
    #expect(blk.map(TextEventKey.init) == classic.map(TextEventKey.init))
    #expect(zip(blk, classic).allSatisfy { max($0.time, $1.time) - min($0.time, $1.time) <= 1000 })
    #expect(zip(blk, classic).allSatisfy { $0.cpu == $1.cpu && $0.error == $1.error && $0.detail == $1.detail })
    for (a, b) in zip(blk, classic) {
      if a.action == .complete || a.action == .requeue {
        #expect(b.comm.isEmpty && !a.comm.isEmpty)
      } else {
        #expect(a.comm == b.comm)
      }
    }
    // Interrupt-context completions: the task the interrupt hit.
    #expect(blk.contains { $0.action == .complete && $0.comm == CommName("<idle>") && $0.pid == 0 })
  }

  @Test func everyQuirk() throws {
    let decoded = try decodeText(Self.decoder(), Self.sample)
    #expect(decoded.diagnostics.malformed == 0, "\(decoded.diagnostics.samples)")
    #expect(decoded.diagnostics.lostEvents == 42)
    #expect(decoded.diagnostics.ignoredLines == 4)
    #expect(
      decoded.markers == [
        TraceMarker(time: 417_000_000_000, text: "token 17 begin"),
        TraceMarker(time: 417_000_006_000, text: "cfq message"),
      ])
    let e = decoded.events
    try #require(e.count == 18)
    let vda = DeviceNumber(major: 254, minor: 0)

    #expect(e[0] == BlockEvent(time: 416_930_906_000, sector: 33_461_760, sectors: 128, device: vda, pid: 10266, cpu: 1,
                               action: .queue, flags: [.read, .sync], comm: CommName("dd")))
    // Dashes and spaces in the comm: the pid is the number before [CPU].
    #expect(e[1].pid == 31337 && e[1].cpu == 0 && e[1].comm == CommName("my-prog name"))
    // <idle>: C in interrupt context, the bracket is the errno, the comm the prefix's.
    #expect(e[2] == BlockEvent(time: 416_931_020_000, sector: 33_461_760, sectors: 128, device: vda, pid: 0, cpu: 1,
                               action: .complete, flags: [.read, .sync, .requestLevel], comm: CommName("<idle>")))
    #expect(e[3].action == .split && e[3].sector == 33_423_360 && e[3].sectors == 0 && e[3].detail == 33_425_392)
    #expect(e[4].action == .requeue && e[4].comm == CommName("kworker/1:0H") && e[4].flags.contains(.requestLevel))
    #expect(e[5].action == .queue && e[5].flags == [.flush, .write, .sync] && e[5].sectors == 0)
    #expect(e[6].action == .plug && e[6].pid == 123 && e[6].comm == CommName("sync"))
    #expect(e[7].action == .unplugTimer && e[7].detail == 2)
    #expect(e[8].action == .complete && e[8].error == -5 && e[8].flags == [.flush, .otherOperation, .requestLevel])
    #expect(e[8].comm == CommName("ksoftirqd/1") && e[8].pid == 22)
    // record-tgid: "(TGID)" before the CPU, "(-------)" when unknown.
    #expect(e[9].pid == 700 && e[9].cpu == 0 && e[9].flags == [.discard, .sync, .requestLevel] && e[9].sectors == 2048)
    #expect(e[10].action == .issue && e[10].pid == 701 && e[10].flags == [.write, .requestLevel])
    // irq-info=0: no flags column.
    #expect(e[11].action == .unplugIO && e[11].time == 417_000_004_000 && e[11].detail == 1)
    // blk_classic lines, ns times.
    #expect(e[12] == BlockEvent(time: 462_047_862_472, sector: 169_878_728, sectors: 8, device: vda, pid: 15922, cpu: 1,
                                action: .queue, flags: [.read], comm: CommName("pread_direct")))
    #expect(e[13].action == .complete && e[13].comm.isEmpty && e[13].cpu == 0)
    #expect(e[14] == BlockEvent(time: 417_000_007_000, sector: 34_818, sectors: 8, device: vda, pid: 10266, cpu: 1,
                                action: .remap, flags: [.read], comm: CommName("dd"), detail: 32_770))
    #expect(e[15].action == .unplugTimer && e[15].detail == 4)
    #expect(e[16].action == .backmerge && e[16].flags == [.read, .readahead])
    #expect(e[17].pid == 3 && e[17].comm == CommName("a-b-7-1-2"))
  }

  @Test(arguments: 0...200)
  func splitAnywhere(at cut: Int) throws {
    let bytes = Array(Self.sample.utf8)
    let whole = try decodeText(Self.decoder(), bytes)
    #expect(try decodeText(Self.decoder(), bytes, cuts: [cut]) == whole)
    #expect(try decodeText(Self.decoder(), bytes, cuts: [cut, cut + 1, cut + 250, cut + 900]) == whole)
  }

  @Test(arguments: ["blk.txt", "blkclassic.txt"])
  func randomChunksOfARealTrace(suffix: String) throws {
    let bytes = try FixturePaths.bytes("random-pread", suffix)
    let whole = try decodeText(Self.decoder(), bytes)
    var generator = TextFuzzRandom(seed: 11)
    for maxPiece in [2, 90, 5000] {
      let cuts = textRandomCuts(count: bytes.count, maxPiece: maxPiece, using: &generator)
      #expect(try decodeText(Self.decoder(), bytes, cuts: cuts) == whole)
    }
  }

  @Test func garbageIsCountedAndStrictModeThrowsWithItsLine() throws {
    let text = """
      # tracer: blk
                    dd-10266   [001] d..1.   416.930906: 254,0    Q  RS 33461760 + 128 [dd]
      this is not a trace line
                    dd-10266   [001] d..1.   416.930907: 254,0    Q  RS 33461760 + [dd]
                    dd-10266   [001] d..1.   416.930908: 254,0    Q  RS
                    dd-10266   [001] d..1.   416.930909: 254,0    Q  RQ 1 + 8 [dd]
                    dd-10266   [001] d..1.   416.93x909: 254,0    Q  RS 1 + 8 [dd]
                    dd-10266   [001] d..1.   416.930910: +++ what
      CPU:1 [LOST many EVENTS]
      254,0    1   462.047862472 15922  Q   R 169878728 + 8
                    dd-10266   [001] d..1.   416.930911: 254,0    C  RS 1 + 8 [dd]
                    dd-10266   [001] d..1.   416.930912: 254,0    D  RS 1 + 8 [dd]

      """
    let lenient = try decodeText(Self.decoder(), text)
    #expect(lenient.events.count == 2)
    #expect(lenient.diagnostics.malformed == 9)
    #expect(lenient.diagnostics.samples.map(\.line) == [3, 4, 5, 6, 7, 8, 9, 10, 11])
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let offsetOfLine3 = lines.prefix(2).reduce(0) { $0 + $1.utf8.count + 1 }
    #expect(lenient.diagnostics.samples.first?.byteOffset == offsetOfLine3)
    for chunk in [nil, 1, 13] {
      let error = firstStrictError(
        Self.decoder(DecoderOptions(sourceName: "trace", strict: true)), Array(text.utf8), chunkSize: chunk)
      #expect(error?.line == 3)
      #expect(error?.byteOffset == offsetOfLine3)
      #expect(error?.description.hasPrefix("trace:3: malformed line") == true)
    }
  }

  @Test func randomBytesNeverCrash() throws {
    let blk = try FixturePaths.bytes("thrash-memcg48m", "blk.txt")
    let classic = try FixturePaths.bytes("thrash-memcg48m", "blkclassic.txt")
    let real = Array(blk.prefix(40_000)) + Array(classic.prefix(40_000)) + Array(Self.sample.utf8)
    let produced = try checkNeverCrashes(FtraceBlkTextDecoder.init(options:), seed: 2, realText: real)
    #expect(produced > 0)
  }
}
