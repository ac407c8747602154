import Foundation
import Testing

@testable import ParamTraceCore

@Suite struct PerfettoTraceWriterTests {
  /// Runs the analysis pipeline over `source` and writes every accepted request, as
  /// `paramtrace export` does (without the files).
  static func export(
    _ source: inout any EventBatchSource, options: AnalysisOptions, settings: PerfettoTraceWriter.Settings = .init(),
    instants: [ExportInstant] = []
  ) throws -> (bytes: [UInt8], analysis: TraceAnalysis, writer: PerfettoTraceWriter) {
    var writer = PerfettoTraceWriter(settings: settings, model: options.model, extents: options.filter.extents) { "disk \($0)" }
    var bytes: [UInt8] = []
    var run = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    var begun = false
    while try source.nextBatch(into: &batch) {
      if !begun, let first = batch.first {
        writer.begin(origin: first.time)
        begun = true
      }
      run.consume(batch) { writer.add($0) }
      if writer.out.wantsDrain { bytes += writer.out.take() }
    }
    if !begun { writer.begin(origin: 0) }
    let analysis = run.finish(diagnostics: source.diagnostics) { writer.add($0) }
    writer.finish(instants: instants)
    bytes += writer.out.take()
    return (bytes, analysis, writer)
  }

  static func thrashingTrace() throws -> (source: any EventBatchSource, options: AnalysisOptions) {
    let files = try ["blktrace.0", "blktrace.1"].map {
      memoryStream(format: .blktrace, bytes: try FixturePaths.bytes("thrash-memcg48m", $0), chunkSize: 1 << 16)
    }
    var options = AnalysisOptions()
    options.filter.extents = try ExtentsDocument.decode(try FixturePaths.bytes("thrash-memcg48m", "extents.json"), source: "x")
    return (MergedEventStream(files), options)
  }

  /// The real capture (4 mmap passes under a 48 MiB cgroup), its blocks named by the
  /// string-ordered pretend model over its file.
  @Test func realThrashingTraceFollowsTheFormatRules() throws {
    var (source, options) = try Self.thrashingTrace()
    options.model = TensorAttributionTests.stringOrderedLayout()
    let boundary = ExportInstant(time: 0, name: "a \"quoted\" marker\\", detail: "escapes")
    let (bytes, analysis, writer) = try Self.export(&source, options: options, instants: [boundary])
    let rules = ChromeTraceRules(bytes)
    #expect(rules.problems.isEmpty, "\(rules.problems.prefix(5))")
    #expect(rules.census.begins == analysis.figures.operations)
    #expect(rules.census.ends == analysis.figures.operations)
    #expect(writer.requestsWritten == analysis.figures.operations && writer.requestsLeftOut == 0)
    #expect(rules.census.processNames[PerfettoTraceWriter.modelPid] == "model model.bin")
    #expect(rules.census.processNames[PerfettoTraceWriter.firstDevicePid] == "disk 254:0")
    #expect(rules.census.instants == ["a \"quoted\" marker\\"])
    // Named by tensor: every block's two tensors show up; the header's requests are outside the model.
    for layer in 0..<16 { #expect(rules.census.names["blk.\(layer).ffn_up.weight", default: 0] > 0, "blk.\(layer)") }
    #expect(rules.census.names["outside the model", default: 0] > 0)
    // Four passes in file order: the block track goes through all 16 blocks at least four times.
    #expect(rules.census.slices >= 4 * 16, "\(rules.census.slices) block runs")
    #expect(rules.census.counters["layer"] == rules.census.slices)
    try expectCountersHoldEveryByte(rules)
  }

  /// A synthetic trace (six reader threads, requeues, splits, noise from other processes) over
  /// a mixture-of-experts layout: requests carry their layer and expert.
  @Test func syntheticTraceWithExpertsFollowsTheFormatRules() throws {
    var configuration = SyntheticBlockTrace.Configuration(eventCount: 200_000, seed: 11)
    configuration.cpuCount = 2
    let generator = SyntheticBlockTrace(configuration)
    var options = AnalysisOptions()
    options.filter.extents = try FileExtentMap(
      extents: generator.extents.map { FileExtent(logicalOffset: $0.fileOffset, sector: $0.sector, length: $0.sectors * 512) },
      fileSize: configuration.fileBytes)
    options.model = Self.expertLayout(fileBytes: configuration.fileBytes)
    var source: any EventBatchSource = PreparedEventSource(Array(generator), batchSize: 4096)
    let (bytes, analysis, _) = try Self.export(&source, options: options)
    let rules = ChromeTraceRules(bytes)
    #expect(rules.problems.isEmpty, "\(rules.problems.prefix(5))")
    #expect(analysis.figures.operations > 10_000)
    #expect(rules.census.begins == analysis.figures.operations)
    let withExperts = rules.events.filter { $0["ph"]?.string == "b" && $0[path: "args", "expert"] != nil }
    #expect(!withExperts.isEmpty)
    for event in withExperts.prefix(200) {
      let expert = try #require(event[path: "args", "expert"]?.int)
      #expect((0..<8).contains(expert))
      #expect(event["name"]?.string?.contains("_exps") == true)
    }
    try expectCountersHoldEveryByte(rules)
  }

  @Test func limitKeepsTheFirstRequestsAndMarksTheCut() throws {
    var (source, options) = try Self.thrashingTrace()
    var settings = PerfettoTraceWriter.Settings()
    settings.requestLimit = 100
    let (bytes, analysis, writer) = try Self.export(&source, options: options, settings: settings)
    let rules = ChromeTraceRules(bytes)
    #expect(rules.problems.isEmpty, "\(rules.problems.prefix(5))")
    #expect(rules.census.begins == 100)
    #expect(writer.requestsLeftOut == analysis.figures.operations - 100)
    #expect(rules.census.instants == ["export limit: later requests left out"])
    let other = try #require(try JSONReader.parse(bytes)["otherData"])
    #expect(other["requests_left_out"]?.int == analysis.figures.operations - 100)
    // Without a model a request is named by its direction.
    #expect(rules.census.names["read"] == 200)
  }

  @Test func emptyTraceStillOpens() throws {
    var source: any EventBatchSource = PreparedEventSource([], batchSize: 16)
    let (bytes, _, _) = try Self.export(&source, options: AnalysisOptions())
    let rules = ChromeTraceRules(bytes)
    #expect(rules.problems.isEmpty)
    #expect(rules.events.isEmpty)
  }

  @Test func bufferWritesNumbersAndEscapesAsJSON() throws {
    var buffer = ExportBuffer()
    buffer.literal("[")
    buffer.decimal(0)
    buffer.literal(",")
    buffer.decimal(UInt64.max)
    buffer.literal(",")
    buffer.signed(-42)
    buffer.literal(",")
    buffer.microseconds(nanoseconds: 12_345_678)
    buffer.literal(",")
    buffer.microseconds(nanoseconds: 7)
    buffer.literal(",")
    buffer.fixed(1.0005, digits: 3)
    buffer.literal(",")
    buffer.jsonString("tab\tquote\"slash\\\u{1}é")
    buffer.literal(",")
    buffer.jsonString(CommName("a\"b"))
    buffer.literal("]")
    #expect(String(decoding: buffer.bytes, as: UTF8.self) == #"[0,18446744073709551615,-42,12345.678,0.007,1.001,"tab\tquote\"slash\\\u0001é","a\"b"]"#)
    let parsed = try JSONSerialization.jsonObject(with: Data(buffer.bytes)) as? [Any]
    #expect(parsed?[6] as? String == "tab\tquote\"slash\\\u{1}é")
  }

  /// The counters' windows add up to what the requests hold: ∑ MiB/s × 10 ms = their bytes
  /// (each value rounded to 0.001 MiB/s: 5.3 bytes per 10 ms window at most), and
  /// ∑ requests in flight × 10 ms = their latencies (rounded to 0.001: 5 µs per window).
  func expectCountersHoldEveryByte(_ rules: ChromeTraceRules) throws {
    let begins = rules.events.filter { $0["ph"]?.string == "b" }
    let bytes = begins.reduce(0) { $0 + ($1[path: "args", "bytes"]?.uint64 ?? 0) }
    let latency = begins.reduce(0.0) { $0 + ($1[path: "args", "latency_us"]?.double ?? 0) }
    let completed = try integral(rules, counter: "completed MiB/s", series: "MiB/s")
    #expect(abs(completed.total * 1_048_576 - Double(bytes)) <= Double(completed.windows) * 5.3 + 1, "counted \(completed.total * 1_048_576) of \(bytes) bytes")
    let inFlight = try integral(rules, counter: "requests in flight", series: "mean")
    #expect(abs(inFlight.total * 1e6 - latency) <= Double(inFlight.windows) * 5 + 1, "counted \(inFlight.total * 1e6) of \(latency) µs in flight")
  }

  /// ∑ value × seconds until the next value, per process, and how many 10 ms windows that spans.
  func integral(_ rules: ChromeTraceRules, counter: String, series: String) throws -> (total: Double, windows: Int) {
    let events = rules.events.filter { $0["ph"]?.string == "C" && $0["name"]?.string == counter }
    #expect(!events.isEmpty, "no \(counter) counter")
    var total = 0.0
    var windows = 0
    for (event, next) in zip(events, events.dropFirst()) where event["pid"]?.int == next["pid"]?.int {
      let value = try #require(event[path: "args", series]?.double)
      let seconds = (try #require(next["ts"]?.double) - (try #require(event["ts"]?.double))) / 1e6
      total += value * seconds
      windows += Int((seconds / 0.01).rounded())
    }
    return (total, windows)
  }

  /// Eight blocks over the file, each with attention and a stack of 8 experts (80 % of it).
  static func expertLayout(fileBytes: UInt64) -> ModelLayout {
    let header: UInt64 = 4 << 20
    let block = (fileBytes - header) / 8
    var tensors: [ModelLayout.Tensor] = []
    for layer in 0..<8 {
      let start = header + UInt64(layer) * block
      let attention = block / 5
      tensors.append(.init(name: "blk.\(layer).attn_q.weight", start: start, end: start + attention, layer: layer))
      tensors.append(.init(name: "blk.\(layer).ffn_up_exps.weight", start: start + attention, end: start + block, layer: layer, expertCount: 8))
    }
    return ModelLayout(path: "experts.gguf", fileSize: fileBytes, dataStart: header, tensors: tensors)
  }
}

@Suite struct ChromeTraceRulesTests {
  /// The checker itself finds each kind of breach in a hand-broken file.
  @Test func rulesCatchBrokenFiles() {
    let broken = """
      {"traceEvents":[
      {"name":"a","cat":"read","ph":"b","id":1,"ts":5,"pid":2,"tid":1,"args":{}},
      {"name":"b","cat":"read","ph":"b","id":2,"ts":5,"pid":2,"tid":1,"args":{}},
      {"name":"b","cat":"read","ph":"e","id":2,"ts":4,"pid":2,"tid":1,"args":{}},
      {"name":"c","cat":"read","ph":"b","id":2,"ts":6,"pid":2,"tid":1,"args":{}},
      {"name":"c","cat":"read","ph":"e","id":2,"ts":7,"pid":2,"tid":1,"args":{}},
      {"name":"r","cat":"bandwidth","ph":"C","ts":9,"pid":2,"tid":0,"args":{"MiB/s":"fast"}},
      {"name":"r","cat":"bandwidth","ph":"C","ts":8,"pid":2,"tid":0,"args":{"MiB/s":1}},
      {"name":"x","cat":"read","ph":"e","id":9,"ts":1,"pid":2,"tid":1,"args":{}},
      {"name":"y","ph":"i","ts":1,"pid":0,"tid":0,"args":{}}
      ]}
      """
    let rules = ChromeTraceRules(Array(broken.utf8))
    let problems = rules.problems.joined(separator: "\n")
    #expect(problems.contains("ends at 4.0 before it begins at 5.0"), "\(problems)")
    #expect(problems.contains("id 2 used twice in category read"), "\(problems)")
    #expect(problems.contains("series MiB/s is not a number"), "\(problems)")
    #expect(problems.contains("before 9.0 on track counter 2:r"), "\(problems)")
    #expect(problems.contains("end of read#9 without an open begin"), "\(problems)")
    #expect(problems.contains("lacks name, cat"), "\(problems)")
    #expect(problems.contains("read#1 (a) begins and never ends"), "\(problems)")
    #expect(ChromeTraceRules(Array("{\"traceEvents\":[".utf8)).problems.first?.hasPrefix("not standard JSON") == true)
  }
}
