import Testing

@testable import ParamTraceCore

@Suite struct TraceFormatTests {
  static func detect(_ bytes: [UInt8], prefix: Int = TraceFormat.detectionPrefixLength) -> TraceFormat? {
    Array(bytes.prefix(prefix)).withUnsafeBytes { TraceFormat.detect($0) }
  }

  static func detect(_ text: String) -> TraceFormat? { detect(Array(text.utf8)) }

  /// Every fixture file is recognized, from the usual prefix and from a short one.
  @Test(arguments: FixturePaths.all)
  func detectsEveryFixtureFile(name: String) throws {
    let expected: [(String, TraceFormat)] = [
      ("blktrace.1", .blktrace), ("blkparse.txt", .blkparse), ("blk.txt", .ftraceBlk),
      ("blkclassic.txt", .ftraceBlk), ("tp.txt", .tracepoint),
    ] + (name == "tiny-direct" ? [] : [("kernel-bin", .kernelBinary)])
    for (suffix, format) in expected {
      let bytes = try FixturePaths.bytes(name, suffix)
      #expect(Self.detect(bytes) == format, "\(name).\(suffix)")
      #expect(Self.detect(bytes, prefix: 4096) == format, "\(name).\(suffix), 4 KiB")
    }
  }

  /// AnyTraceDecoder decodes each fixture file in the detected format, with the event count
  /// of the JSON (blkparse and binary formats hold every event of the ring buffer).
  @Test(arguments: FixturePaths.all)
  func anyTraceDecoderDispatchesToTheDetectedFormat(name: String) throws {
    let total = try fixtureBinaryActionCounts(name).values.reduce(0, +)
    var suffixes = ["blkparse.txt", "blk.txt", "blkclassic.txt"]
    if name != "tiny-direct" { suffixes.append("kernel-bin") }
    for suffix in suffixes {
      let bytes = try FixturePaths.bytes(name, suffix)
      let format = try #require(Self.detect(bytes))
      let decoder = AnyTraceDecoder(format: format, options: DecoderOptions(sourceName: suffix))
      #expect(decoder.format == format)
      let decoded = try decodeBinary(decoder, bytes, cuts: [1000, 5000])
      #expect(decoded.events.count == total, "\(name).\(suffix)")
      #expect(decoded.diagnostics.malformed == 0, "\(name).\(suffix)")
    }
    let tracepoint = try decodeBinary(
      AnyTraceDecoder(format: .tracepoint, options: DecoderOptions()), try FixturePaths.bytes(name, "tp.txt"))
    #expect(!tracepoint.events.isEmpty)
  }

  @Test func detectsHandWrittenShapes() {
    #expect(Self.detect("Attaching 1 probe...\n553642612834, RS, 65536, 33538560, 128\n") == .cheopsCSV)
    #expect(Self.detect("553642612834, RS, 65536, 33538560, 128\n544640647689, FF, 0, 0, 0\n") == .cheopsCSV)
    #expect(Self.detect("  8,0    1        1     0.000000000  1234  Q  RS 33461760 + 128 [dd]\n") == .blkparse)
    #expect(Self.detect("259,0    0        0     0.000013000     0  m   N cfq4321 start\n") == .blkparse)
    #expect(Self.detect("254,0    1   416.930905951 10266  Q  RS 33461760 + 128 [dd]\n") == .ftraceBlk)
    #expect(
      Self.detect("            dd-10266   [001] d..1.   416.930906: 254,0    Q  RS 33461760 + 128 [dd]\n") == .ftraceBlk)
    #expect(
      Self.detect(
        "              dd-15685   [000] .....   446.422729: block_bio_queue: 254,0 RS 33487360 + 128 [dd]\n")
        == .tracepoint)
    #expect(Self.detect("# tracer: nop\n#\n") == .tracepoint)
    #expect(Self.detect("# tracer: blk\n#\n# DEV   CPU TIMESTAMP     PID ACT FLG\n") == .ftraceBlk)
    // trace_pipe output of tracepoints starts with events, no header; comments and blanks are skipped.
    #expect(Self.detect("\n# comment\n   cc1plus-19586 [001] ..s.. 1.5: block_rq_complete: 254,0 RS () 8 + 8 be,0,4 [0]\n") == .tracepoint)
  }

  @Test func detectsBinaryInEitherByteOrder() {
    #expect(Self.detect([0x07, 0x74, 0x61, 0x65] + [UInt8](repeating: 0, count: 44)) == .blktrace)
    #expect(Self.detect([0x65, 0x61, 0x74, 0x07] + [UInt8](repeating: 0, count: 44)) == .blktrace)
    #expect(Self.detect([0x65, 0x61, 0x74, 0x08]) == .blktrace)  // version 8: the decoder says why it can't
    let kernel = Array("# tracer: blk\n#\n".utf8) + [UInt8](repeating: 1, count: 16) + [0x07, 0x74, 0x61, 0x65]
    #expect(Self.detect(kernel) == .kernelBinary)
  }

  @Test func unknownInputsAreNil() {
    #expect(Self.detect([]) == nil)
    #expect(Self.detect("hello world\nthis is not a trace\n") == nil)
    #expect(Self.detect("{\"json\": true}") == nil)
    var random = SplitMix64(seed: 5)
    for _ in 0..<500 {
      let bytes = (0..<Int(random.below(300))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      _ = Self.detect(bytes)  // must not crash
    }
  }

  @Test func rawValuesAreTheFormatNames() {
    #expect(TraceFormat.allCases.map(\.rawValue) == ["blktrace", "kernel-bin", "blkparse", "blk", "tracepoint", "csv", "ftrace-raw"])
  }
}
