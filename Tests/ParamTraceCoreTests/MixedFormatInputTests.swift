import Foundation
import Testing

@testable import ParamTraceCore

/// Every input line is an event, a known non-event or a counted malformed line: a file that
/// mixes two formats loses nothing silently, and --strict fails on it.
@Suite struct MixedFormatInputTests {
  /// The first `count` lines of a fixture file that are not `#` comments.
  static func eventLines(_ name: String, _ suffix: String, _ count: Int) throws -> [String] {
    let text = String(decoding: try FixturePaths.bytes(name, suffix), as: UTF8.self)
    return Array(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }.prefix(count))
  }

  static func bytes(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

  /// The issue's case: 300 blk_classic lines, then 200 tracepoint lines (the same thrashing
  /// run, recorded by both tracers). Before, the 200 vanished without a count.
  @Test func tracepointLinesAfterBlkClassicAreDecodedAndCounted() throws {
    let classic = try Self.eventLines("thrash-memcg48m", "blkclassic.txt", 300)
    let tracepoints = try Self.eventLines("thrash-memcg48m", "tp.txt", 200)
    let result = try decodeBinary(FtraceBlkTextDecoder(options: DecoderOptions(sourceName: "mixed.txt")), Self.bytes(classic + tracepoints))
    let blkOnly = try decodeBinary(FtraceBlkTextDecoder(options: DecoderOptions()), Self.bytes(classic))
    let tracepointOnly = try decodeBinary(TracepointTextDecoder(options: DecoderOptions()), Self.bytes(tracepoints))
    #expect(result.events.count == blkOnly.events.count + tracepointOnly.events.count)
    #expect(result.diagnostics.secondFormatLines == tracepointOnly.events.count)
    #expect(tracepointOnly.events.count == 200)
    #expect(result.diagnostics.secondFormats == [.tracepoint])
    #expect(result.diagnostics.firstSecondFormatLine?.line == 301)
    #expect(result.diagnostics.malformed == 0)
  }

  @Test func strictStopsAtTheFirstLineOfASecondFormat() throws {
    let lines = try Self.eventLines("thrash-memcg48m", "blkclassic.txt", 300) + Self.eventLines("thrash-memcg48m", "tp.txt", 200)
    let decoder = FtraceBlkTextDecoder(options: DecoderOptions(sourceName: "mixed.txt", strict: true))
    let error = #expect(throws: TraceParseError.self) { try decodeBinary(decoder, Self.bytes(lines)) }
    #expect(error?.reason == .secondFormat(.tracepoint))
    #expect(error?.line == 301)
    #expect(error?.description.contains("mixed.txt:301: a tracepoint line, unlike the lines before it") == true)
  }

  @Test func blkLinesAfterTracepointsAreDecodedAndCounted() throws {
    let tracepoints = try Self.eventLines("seq-mmap-none", "tp.txt", 100)
    let classic = try Self.eventLines("seq-mmap-none", "blkclassic.txt", 50)
    let prefixed = try Self.eventLines("seq-mmap-none", "blk.txt", 50)
    let result = try decodeBinary(TracepointTextDecoder(options: DecoderOptions()), Self.bytes(tracepoints + classic + prefixed))
    let blk = try decodeBinary(FtraceBlkTextDecoder(options: DecoderOptions()), Self.bytes(classic + prefixed))
    #expect(result.diagnostics.secondFormatLines == blk.events.count)
    #expect(result.diagnostics.secondFormats == [.ftraceBlk])
    #expect(result.diagnostics.malformed == 0)
  }

  @Test func blkparseLinesThenBlkClassicLinesMixTwoClocks() throws {
    let blkparse = try Self.eventLines("tiny-direct", "blkparse.txt", 20).filter { $0.first?.isNumber == true }
    let classic = try Self.eventLines("tiny-direct", "blkclassic.txt", 10)
    let result = try decodeBinary(BlkparseTextDecoder(options: DecoderOptions()), Self.bytes(blkparse + classic))
    #expect(result.diagnostics.secondFormatLines == 10)
    #expect(result.diagnostics.secondFormats == [.ftraceBlk])
    // A whole blk_classic file read as blkparse is one format.
    let alone = try decodeBinary(BlkparseTextDecoder(options: DecoderOptions()), Self.bytes(classic))
    #expect(alone.diagnostics.secondFormatLines == 0)
    #expect(alone.events.count == 10)
  }

  @Test func tracepointLinesAfterBlkparsesSummaryAreMalformedWithTheirFormatNamed() throws {
    let text = String(decoding: try FixturePaths.bytes("tiny-direct", "blkparse.txt"), as: UTF8.self)
    let tracepoints = try Self.eventLines("tiny-direct", "tp.txt", 3)
    let before = try decodeBinary(BlkparseTextDecoder(options: DecoderOptions()), Array(text.utf8))
    let result = try decodeBinary(BlkparseTextDecoder(options: DecoderOptions()), Array((text + tracepoints.joined(separator: "\n") + "\n").utf8))
    #expect(result.events == before.events)
    #expect(result.diagnostics.ignoredLines == before.diagnostics.ignoredLines)
    #expect(result.diagnostics.malformed == 3)
    #expect(result.diagnostics.samples.first?.description.contains("the line is a tracepoint line: two formats in one file?") == true)
  }

  @Test func csvKeepsOnlyBpftracesOwnLinesAsNonEvents() throws {
    let lines = [
      "Attaching 1 probe...", "553642612834, RS, 65536, 33538560, 128",
      "          llama-4242    [000] .....   100.000000: block_rq_issue: 254,0 RA 4096 () 2000000 + 8 be,0,4 [llama]",
      "@bytes: 65536", "544640647689, FF, 0, 0, 0",
    ]
    let result = try decodeBinary(CheopsCSVDecoder(options: DecoderOptions(sourceName: "run.csv")), Self.bytes(lines))
    #expect(result.events.count == 2)
    #expect(result.diagnostics.ignoredLines == 2)
    #expect(result.diagnostics.malformed == 1)
    #expect(result.diagnostics.samples.first?.line == 3)
    #expect(result.diagnostics.samples.first?.description.contains("a tracepoint line") == true)
  }

  @Test func analysisSaysTheInputMixesFormats() throws {
    let lines = try Self.eventLines("thrash-memcg48m", "blkclassic.txt", 300) + Self.eventLines("thrash-memcg48m", "tp.txt", 200)
    var source = memoryStream(format: .ftraceBlk, bytes: Self.bytes(lines), chunkSize: 1 << 16)
    var run = TraceAnalysisRun(options: AnalysisOptions())
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { run.consume(batch) }
    let analysis = run.finish(diagnostics: source.diagnostics)
    #expect(analysis.warnings.contains { $0.hasPrefix("The input mixes formats: 200 lines differ") })
    #expect(analysis.summary(inputDescription: "mixed").contains("200 lines of a second format (decoded)"))
  }
}
