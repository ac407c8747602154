import Foundation
import Testing

@testable import ParamTraceCore

/// The raw ring-buffer decoder on a real recording made both ways at once
/// (Tests/Fixtures/raw-drain/README.md), and on pages built by hand for the corner cases.
@Suite struct FtraceRawDecoderTests {
  static let directory = FixturePaths.root.appendingPathComponent("raw-drain")

  static func formats() throws -> FtraceRawFormats {
    try FtraceRawFormats(parsing: String(contentsOf: directory.appendingPathComponent("trace.raw.formats"), encoding: .utf8))
  }

  static func rawStream(chunk: Int = 1 << 16) throws -> any EventBatchSource {
    let formats = try formats()
    let sources: [any EventBatchSource] = try (0..<2).map { cpu in
      let bytes = Array(try Data(contentsOf: directory.appendingPathComponent("trace.raw.cpu\(cpu)")))
      var offset = 0
      let decoder = FtraceRawDecoder(options: DecoderOptions(sourceName: "cpu\(cpu)"), formats: formats, cpu: UInt16(cpu))
      return DecodingStream(decoder: decoder, chunkSize: chunk) { buffer in
        let count = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { if count > 0 { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: count) } }
        offset += count
        return count
      }
    }
    return MergedEventStream(sources)
  }

  static func events(_ source: inout any EventBatchSource) throws -> [BlockEvent] {
    var all: [BlockEvent] = []
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { all.append(contentsOf: batch) }
    return all
  }

  @Test func layoutsComeFromTheSavedFormatFiles() throws {
    let formats = try Self.formats()
    #expect(formats.pageSize == 4096 && formats.pageDataOffset == 16 && formats.commitSize == 8)
    let names = Set(formats.layoutsByID.compactMap { $0?.name })
    #expect(names.isSuperset(of: ["block_rq_issue", "block_rq_complete", "block_bio_queue", "sched_process_fork", "print"]))
    let issue = try #require(formats.layoutsByID.compactMap { $0 }.first { $0.name == "block_rq_issue" })
    #expect(issue.fields["sector"]?.offset == 16 && issue.fields["rwbs"]?.offset == 34 && issue.kind == .requestWithComm)
    #expect(throws: TraceParseError.self) { try FtraceRawFormats(parsing: "not a formats file") }
  }

  @Test(arguments: [1 << 12, 1 << 16]) func theSameEventsAsTheTextOfTheSameRun(chunk: Int) throws {
    var raw = try Self.rawStream(chunk: chunk)
    let fromRaw = try Self.events(&raw)
    #expect(raw.diagnostics.malformed == 0 && raw.diagnostics.lostEvents == 0)
    #expect(raw.markers.map(\.text) == ["paramtrace workload start", "paramtrace workload end"])
    var text = memoryStream(
      format: .tracepoint, bytes: Array(try Data(contentsOf: Self.directory.appendingPathComponent("text.tp.txt"))), chunkSize: 1 << 16)
    let fromText = try Self.events(&text)
    // The text instance ran longer on both sides: compare inside the raw one's window.
    let from = fromRaw.first!.time + 100_000
    let to = fromRaw.last!.time - 100_000
    func key(_ event: BlockEvent) -> String {
      "\(event.action) \(event.device) \(event.sector) \(event.sectors) \(event.pid) \(event.flags.rawValue) \(event.error) \(event.detail) \(event.action == .complete || event.action == .requeue ? "" : event.comm.description)"
    }
    let rawKeys = fromRaw.filter { $0.time >= from && $0.time < to }.map(key).sorted()
    let textKeys = fromText.filter { $0.time >= from && $0.time < to }.map(key).sorted()
    #expect(rawKeys.count > 3000)
    #expect(rawKeys == textKeys)
    // Nanosecond times, not rounded microseconds.
    #expect(fromRaw.contains { $0.time % 1000 != 0 })
  }

  @Test func theFiguresOfTheWorkloadAreTheTruth() throws {
    var options = AnalysisOptions()
    options.filter.extents = try ExtentsDocument.decode(
      Array(try Data(contentsOf: Self.directory.appendingPathComponent("model.extents.json"))), source: "model.extents.json")
    options.filter.taskTreeRoots = [16320]
    var source = try Self.rawStream()
    var run = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { run.consume(batch, markers: source.markers) }
    let analysis = run.finish(diagnostics: source.diagnostics, markers: source.markers)
    #expect(analysis.figures.operations == 810)
    #expect(analysis.figures.bytes == 38_158_336)
    let tasks = try #require(analysis.tasks)
    #expect(tasks.tasks.first { $0.pid == 16322 }?.bytes == 13_107_200)
    #expect(tasks.tasks.first { $0.pid == 16323 }?.bytes == 25_051_136)
  }

  /// Pages made by hand: a time extend, a discarded (padding) event whose delta counts, a
  /// long event (type_len 0), the end-of-page padding, a truncated page and lost events.
  @Test func cornerCasesOfThePageFormat() throws {
    let formats = try Self.formats()
    let issueID = UInt16(formats.layoutsByID.firstIndex { $0?.name == "block_rq_issue" }!)
    var page = [UInt8](repeating: 0, count: 4096)
    func put32(_ value: UInt32, _ at: Int) { withUnsafeBytes(of: value.littleEndian) { page.replaceSubrange(at..<at + 4, with: $0) } }
    func put64(_ value: UInt64, _ at: Int) { withUnsafeBytes(of: value.littleEndian) { page.replaceSubrange(at..<at + 8, with: $0) } }
    var at = 16
    func issue(sector: UInt64, header: UInt32, long: Bool) {
      if long {
        put32(header, at)  // type_len 0
        put32(64 + 4, at + 4)
        at += 8
      } else {
        put32(header, at)
        at += 4
      }
      put32(UInt32(issueID), at)
      put32(4242, at + 4)  // common_pid
      put32(254 << 20, at + 8)
      put64(sector, at + 16)
      put32(8, at + 24)
      page[at + 34] = UInt8(ascii: "R")
      at += 64
    }
    put64(1_000_000, 0)
    issue(sector: 100, header: 16 | (5 << 5), long: false)  // +5 ns
    put32(30 | (1 << 5), at)  // time extend: 1 + (2 << 27)
    put32(2, at + 4)
    at += 8
    put32(29 | (7 << 5), at)  // a discarded event of 12 bytes, 7 ns later
    put32(12, at + 4)
    at += 16
    issue(sector: 200, header: 0 | (3 << 5), long: true)
    put64(UInt64(at - 16) | (1 << 31) | (1 << 30), 8)  // 5 events lost before this page, count stored
    put64(5, at)
    var decoder = FtraceRawDecoder(options: DecoderOptions(), formats: formats, cpu: 1)
    var events = ContiguousArray<BlockEvent>()
    let bytes = page + [UInt8](repeating: 0, count: 100)  // and a truncated page
    let used = try bytes.withUnsafeBytes { try decoder.decode($0, atEnd: true, into: &events) }
    #expect(used == bytes.count)
    #expect(events.map(\.sector) == [100, 200])
    #expect(events[0].time == 1_000_005)
    #expect(events[1].time == 1_000_005 + 1 + (2 << 27) + 7 + 3)
    #expect(events.allSatisfy { $0.action == .issue && $0.pid == 4242 && $0.cpu == 1 && $0.flags.contains(.read) && $0.flags.contains(.requestLevel) })
    #expect(decoder.diagnostics.lostEvents == 5)
    #expect(decoder.diagnostics.malformed == 1, "the truncated page")
  }
}

extension FtraceRawDecoderTests {
  /// Synthetic events through the encoder and back: every block event the tracepoints carry,
  /// exactly, times to the nanosecond (gaps of over 134 ms included, which need time extends).
  @Test func encodedEventsDecodeExactly() throws {
    var originals: [BlockEvent] = []
    var encoder = try FtraceRawEncoder(cpu: 0)
    var pages: [UInt8] = []
    var time: UInt64 = 1_000_000_000
    for var event in SyntheticBlockTrace(SyntheticBlockTrace.Configuration(eventCount: 20_000, seed: 7)) {
      time += event.sector % 5 == 0 ? 200_000_000 : 1_234  // now and then a long pause
      event.time = time
      event.cpu = 0
      encoder.append(event, to: &pages)
      if [.queue, .backmerge, .frontmerge, .getRequest, .insert, .issue, .requeue, .complete, .split].contains(event.action) {
        originals.append(event)
      }
    }
    encoder.flush(to: &pages)
    var decoder = FtraceRawDecoder(options: DecoderOptions(strict: true), formats: encoder.formats, cpu: 0)
    var decoded = ContiguousArray<BlockEvent>()
    _ = try pages.withUnsafeBytes { try decoder.decode($0, atEnd: true, into: &decoded) }
    #expect(decoded.count == originals.count)
    for (a, b) in zip(originals, decoded) {
      #expect(a.time == b.time && a.action == b.action && a.sector == b.sector && a.pid == b.pid && a.device == b.device)
      if a.action != .split { #expect(a.sectors == b.sectors) } else { #expect(a.detail == b.detail) }
      #expect(a.flags.subtracting(.requestLevel) == b.flags.subtracting(.requestLevel))
      if a.action == .complete { #expect(a.error == b.error) }
      if [.queue, .insert, .issue, .getRequest].contains(a.action) { #expect(a.comm == b.comm) }
    }
  }
}
