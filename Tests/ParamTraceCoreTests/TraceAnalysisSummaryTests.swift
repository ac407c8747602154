import Testing

@testable import ParamTraceCore

/// The readable summary says each thing once.
@Suite struct TraceAnalysisSummaryTests {
  /// 16 reads of 7 MiB (one block each) of the string-ordered pretend model, 10 µs apart, from 1 ms.
  static func analysis(decodeFrom: UInt64, source: String? = nil) throws -> TraceAnalysis {
    let layout = TensorAttributionTests.stringOrderedLayout()
    let disk = DeviceNumber(major: 254, minor: 0)
    let base: UInt64 = 1_000_000
    let extents = try FileExtentMap(
      extents: [FileExtent(logicalOffset: 0, sector: base, length: layout.fileSize)], fileSize: layout.fileSize, device: disk)
    var events: [BlockEvent] = []
    for slot in 0..<16 {
      let sector = base + (2 << 20) / 512 + UInt64(slot) * (15 << 19) / 512
      let time = 1_000_000 + UInt64(slot) * 10_000
      events.append(BlockEvent(time: time, sector: sector, sectors: 14_336, device: disk, pid: 7, action: .issue, flags: [.read, .requestLevel]))
      events.append(BlockEvent(time: time + 5, sector: sector, sectors: 14_336, device: disk, pid: 0, action: .complete, flags: [.read, .requestLevel]))
    }
    var options = AnalysisOptions()
    options.filter.extents = extents
    options.model = layout
    options.decodeFromNanoseconds = decodeFrom
    options.decodeFromSource = source
    var run = TraceAnalysisRun(options: options)
    run.consume(ContiguousArray(events))
    return run.finish(diagnostics: TraceDiagnostics())
  }

  @Test func thePhaseLineGivesTheBoundaryOnceAndSaysWhereItCameFrom() throws {
    let given = try Self.analysis(decodeFrom: 1_500_000_000).summary(inputDescription: "t")
    #expect(given.contains("Phases: decode from 1.500000 s (given with --decode-from)\n"))
    #expect(given.components(separatedBy: "1.500000").count == 2)
    let recorded = try Self.analysis(decodeFrom: 1_500_000_000, source: "llama.cpp's load time, 7960.00 ms after the workload started")
    #expect(recorded.summary(inputDescription: "t").contains("Phases: decode from 1.500000 s (llama.cpp's load time, 7960.00 ms after the workload started)"))
    #expect(recorded.json.rendered().contains("\"source\": \"llama.cpp's load time, 7960.00 ms after the workload started\""))
  }

  @Test func aDecodePhaseThatReadNothingSaysSoInsteadOfARowOfZeros() throws {
    let empty = try Self.analysis(decodeFrom: 2_000_000_000).summary(inputDescription: "t")
    #expect(empty.contains("  decode phase: read nothing from the model\n"))
    #expect(!empty.contains("per layer passes"))
    // With decode reads, the per-layer line is there.
    let split = try Self.analysis(decodeFrom: 1_080_000).summary(inputDescription: "t")
    #expect(split.contains("decode phase: ") && split.contains("per layer passes"))
    #expect(!split.contains("read nothing"))
  }
}
