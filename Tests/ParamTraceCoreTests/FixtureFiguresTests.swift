import Foundation
import Testing

@testable import ParamTraceCore

/// The fixtures' reference figures (computed by an independent script, see
/// Tests/Fixtures/README.md) reproduced by the matching counting mode, from every format
/// of each capture.
@Suite struct FixtureFiguresTests {
  /// One input form of a capture and the metrics block of the JSON it must match.
  struct Form: CustomTestStringConvertible, Sendable {
    var fixture: String
    var files: [String]
    var format: TraceFormat
    var metrics: String
    var testDescription: String { "\(fixture) \(files.joined(separator: "+"))" }
  }

  static let forms: [Form] = FixturePaths.all.flatMap { name -> [Form] in
    var forms = [
      Form(fixture: name, files: ["blk.txt"], format: .ftraceBlk, metrics: "blk"),
      Form(fixture: name, files: ["blkclassic.txt"], format: .ftraceBlk, metrics: "blk"),
      Form(fixture: name, files: ["blkparse.txt"], format: .blkparse, metrics: "blk"),
      Form(fixture: name, files: ["tp.txt"], format: .tracepoint, metrics: "tp"),
      Form(fixture: name, files: ["blktrace.0", "blktrace.1"], format: .blktrace, metrics: "bin"),
    ]
    if name != "tiny-direct" { forms.append(Form(fixture: name, files: ["kernel-bin"], format: .kernelBinary, metrics: "bin")) }
    return forms
  }

  /// The JSON variant name, the options that reproduce it.
  static let variants: [(name: String, counting: CountingMode, order: OperationOrder, byPid: Bool)] = [
    ("naive_pid", .naive, .issue, true), ("naive_anypid", .naive, .issue, false), ("D_pid", .dispatch, .issue, true),
    ("D", .dispatch, .issue, false), ("C", .completion, .completion, false),
  ]

  @Test(arguments: forms)
  func referenceFiguresForEveryVariant(form: Form) throws {
    let truth = try FixtureTruth(form.fixture)
    let extents = try ExtentsDocument.decode(try FixturePaths.bytes(form.fixture, "extents.json"), source: form.fixture)
    for variant in Self.variants {
      var options = AnalysisOptions()
      options.counting = variant.counting
      options.order = variant.order
      options.filter.extents = extents
      if variant.byPid { options.filter.pids = [truth.pid] }
      let analysis = try analyze(form, options: options)
      for view in ["", "_logical"] {
        let expected = try #require(truth.variant(form.metrics, variant.name + view), "\(variant.name + view) missing")
        let gaps = view.isEmpty ? analysis.figures.gaps : try #require(analysis.figures.logicalGaps)
        let label = "\(form.testDescription) \(variant.name)\(view)"
        #expect(analysis.figures.operations == expected.ops, "\(label): operations")
        #expect(analysis.figures.bytes == expected.bytes, "\(label): bytes")
        #expect(analysis.figures.uniqueBytes == expected.uniqueBytes, "\(label): unique bytes")
        #expect(gaps.sequential == expected.gaps["sequential"], "\(label): sequential")
        #expect(gaps.small == expected.gaps["small"], "\(label): small")
        #expect(gaps.medium == expected.gaps["medium"], "\(label): medium")
        #expect(gaps.large == expected.gaps["large"], "\(label): large")
        #expect(gaps.backward == expected.gaps["backward"], "\(label): backward")
      }
    }
  }

  @Test(arguments: forms)
  func actionCountsMatchTheCapture(form: Form) throws {
    let truth = try FixtureTruth(form.fixture)
    let analysis = try analyze(form, options: AnalysisOptions())
    let expected = try truth.actionCounts(form.metrics)
    var counted: [String: Int] = [:]
    for action in BlockAction.allCases where analysis.assembly.count(action) > 0 {
      counted[action.letters, default: 0] += analysis.assembly.count(action)
    }
    // The tracepoint forms have only I, D and C lines.
    #expect(counted == expected)
    #expect(analysis.diagnostics.malformed == 0)
  }

  /// Decoders that count the actions assembly does not need instead of emitting them change
  /// no figure and no count: every variant's whole JSON is the same.
  @Test(arguments: forms)
  func countingUnneededActionsChangesNothing(form: Form) throws {
    for variant in Self.variants {
      var options = AnalysisOptions()
      options.counting = variant.counting
      options.order = variant.order
      let full = try analyze(form, options: options)
      let lean = try analyze(form, options: options, countedOnly: options.actionsNotNeeded)
      #expect(lean.json.rendered() == full.json.rendered(), "\(form) \(variant.name)")
      #expect(lean.assembly == full.assembly)
      if [.blktrace, .kernelBinary].contains(form.format), variant.counting != .naive,
        full.assembly.count(.plug) + full.assembly.count(.remap) > 0
      {
        // The binary decoders do skip them (the point of the option): fewer events decoded.
        #expect(lean.diagnostics.countedOnly.total > 0)
      }
    }
  }

  /// Completion counting (the default) gives the same requests from every form.
  @Test(arguments: FixturePaths.all)
  func everyFormCountsTheSameRequests(fixture: String) throws {
    let extents = try ExtentsDocument.decode(try FixturePaths.bytes(fixture, "extents.json"), source: fixture)
    var options = AnalysisOptions()
    options.filter.extents = extents
    let results = try Self.forms.filter { $0.fixture == fixture }.map { form in
      let a = try analyze(form, options: options)
      return "\(a.figures.operations) \(a.figures.bytes) \(a.figures.uniqueBytes) \(a.figures.gaps) \(a.figures.logicalGaps!)"
    }
    #expect(Set(results).count == 1, "\(results)")
  }

  @Test func tinyDirectByHand() throws {
    // Hand-computed in the fixture JSON: 7 preads of 4 KiB, one of them at offset 0 again.
    let form = Self.forms.first { $0.fixture == "tiny-direct" && $0.files == ["blk.txt"] }!
    var options = AnalysisOptions()
    options.filter.extents = try ExtentsDocument.decode(try FixturePaths.bytes("tiny-direct", "extents.json"), source: "tiny")
    let analysis = try analyze(form, options: options)
    #expect(analysis.figures.operations == 7)
    #expect(analysis.figures.bytes == 28_672)
    #expect(analysis.figures.uniqueBytes == 24_576)
    #expect(analysis.figures.gaps.backward == 1)
    #expect(analysis.figures.gaps.large == 2)
    #expect(analysis.figures.extentCrossingOperations == 0)
    #expect(analysis.assembly.linesPerRequest! > 4)
    #expect(analysis.warnings.contains { $0.contains("lines with a sector per request") })
    // The reader's requests, owned by the reader though a kworker issued one and pid 0 completed all.
    options.filter.pids = [15922]
    #expect(try analyze(form, options: options).figures.operations == 7)
  }
}

/// Reads one fixture form through the real streaming path (DecodingStream, merged per CPU).
func analyze(
  _ form: FixtureFiguresTests.Form, options: AnalysisOptions, chunkSize: Int = 1 << 16, countedOnly: BlockActionSet = []
) throws -> TraceAnalysis {
  let sources: [any EventBatchSource] = try form.files.map { suffix in
    try memoryStream(
      format: form.format, bytes: FixturePaths.bytes(form.fixture, suffix), chunkSize: chunkSize, countedOnly: countedOnly)
  }
  var source: any EventBatchSource = sources.count == 1 ? sources[0] : MergedEventStream(sources)
  var run = TraceAnalysisRun(options: options)
  var batch = ContiguousArray<BlockEvent>()
  while try source.nextBatch(into: &batch) { run.consume(batch) }
  return run.finish(diagnostics: source.diagnostics)
}

/// A stream over bytes in memory, decoded as `format`.
func memoryStream(
  format: TraceFormat, bytes: [UInt8], chunkSize: Int, countedOnly: BlockActionSet = []
) -> any EventBatchSource {
  let options = DecoderOptions(sourceName: "memory", countedOnly: countedOnly)
  return switch format {
  case .blktrace: memoryStream(BlktraceBinaryDecoder(options: options), bytes, chunkSize)
  case .kernelBinary: memoryStream(KernelBlkBinaryDecoder(options: options), bytes, chunkSize)
  case .blkparse: memoryStream(BlkparseTextDecoder(options: options), bytes, chunkSize)
  case .ftraceBlk: memoryStream(FtraceBlkTextDecoder(options: options), bytes, chunkSize)
  case .tracepoint: memoryStream(TracepointTextDecoder(options: options), bytes, chunkSize)
  case .cheopsCSV: memoryStream(CheopsCSVDecoder(options: options), bytes, chunkSize)
  case .ftraceRaw: memoryStream(FtraceRawDecoder(options: options, formats: FtraceRawFormats(), cpu: 0), bytes, chunkSize)
  }
}

private func memoryStream<D: TraceDecoder>(_ decoder: D, _ bytes: [UInt8], _ chunkSize: Int) -> DecodingStream<D> {
  var offset = 0
  return DecodingStream(decoder: decoder, chunkSize: chunkSize) { buffer in
    let count = min(buffer.count, bytes.count - offset)
    bytes.withUnsafeBytes { source in
      if count > 0 { buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count) }
    }
    offset += count
    return count
  }
}

/// The ground truth JSON of a fixture.
struct FixtureTruth {
  struct Variant {
    var ops: Int
    var bytes: UInt64
    var uniqueBytes: UInt64
    var gaps: [String: Int]
  }

  let json: [String: Any]
  let pid: Int32

  init(_ name: String) throws {
    json = try JSONSerialization.jsonObject(with: Data(FixturePaths.bytes(name, "json"))) as! [String: Any]
    pid = Int32((json["process"] as! [String: Any])["pid"] as! Int)
  }

  func variant(_ metrics: String, _ name: String) -> Variant? {
    guard let block = ((json["metrics"] as? [String: Any])?[metrics] as? [String: Any])?[name] as? [String: Any] else { return nil }
    return Variant(
      ops: block["ops"] as! Int, bytes: UInt64(block["bytes"] as! Int), uniqueBytes: UInt64(block["unique_bytes"] as! Int),
      gaps: block["gap_counts"] as! [String: Int])
  }

  func actionCounts(_ metrics: String) throws -> [String: Int] {
    let block = (json["metrics"] as! [String: Any])[metrics] as! [String: Any]
    return block["actions_all"] as! [String: Int]
  }
}
