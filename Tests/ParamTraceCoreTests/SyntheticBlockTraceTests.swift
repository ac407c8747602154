import Testing

@testable import ParamTraceCore

@Suite struct SyntheticBlockTraceTests {
  @Test func isDeterministicAndExact() {
    let a = syntheticEvents(30_000, seed: 1)
    let b = syntheticEvents(30_000, seed: 1)
    let c = syntheticEvents(30_000, seed: 2)
    #expect(a.count == 30_000)
    #expect(a == b)
    #expect(a != c)
    #expect(syntheticEvents(0).isEmpty)
    #expect(syntheticEvents(1).count == 1)
    // A longer trace starts with the same events.
    #expect(Array(syntheticEvents(40_000, seed: 1).prefix(30_000)) == a)
  }

  @Test func timesIncreaseStrictly() {
    let events = syntheticEvents(100_000)
    #expect(events.first?.time == SyntheticBlockTrace.Configuration().startTime)
    #expect(zip(events, events.dropFirst()).allSatisfy { $0.time < $1.time })
  }

  /// The stream has what real traces have (see Tests/Fixtures/README.md).
  @Test func looksLikeARealTrace() throws {
    var configuration = SyntheticBlockTrace.Configuration(eventCount: 300_000, seed: 3)
    configuration.errorProbability = 0.01
    let trace = SyntheticBlockTrace(configuration)
    let events = Array(trace)
    let counts = countActions(events)
    for letters in ["Q", "M", "G", "P", "U", "UT", "I", "D", "C", "R", "X", "A"] {
      #expect(counts[letters, default: 0] > 0, "no \(letters) events")
    }
    // Dispatches outnumber completions (requeues), queues outnumber both (merges).
    #expect(counts["D", default: 0] > counts["C", default: 0] - counts["C", default: 0] / 50)
    #expect(counts["Q", default: 0] > counts["D", default: 0])
    #expect(Set(events.map(\.cpu)).count == configuration.cpuCount)
    let readers = Set(events.filter { $0.comm == CommName("llama-cli") }.map(\.pid))
    #expect(readers.count == configuration.readerThreads)
    let completions = events.filter { $0.action == .complete }
    #expect(completions.contains { $0.pid == 0 })
    #expect(completions.contains { $0.comm == CommName("cc1plus") })
    #expect(completions.contains { $0.error == -5 })
    // Completions come in another order than issues.
    let issueOrder = events.filter { $0.action == .issue }.map(\.sector)
    #expect(completions.map(\.sector).prefix(2000) != issueOrder.prefix(2000))
    // Some D is issued by a kworker, some requests are requeued and issued again.
    #expect(events.contains { $0.action == .issue && $0.comm.description.hasPrefix("kworker/") })
    if let requeue = events.firstIndex(where: { $0.action == .requeue }) {
      #expect(events[(requeue + 1)...].contains { $0.action == .issue && $0.sector == events[requeue].sector })
    }
    // Noise: writes, preflush/flush, FUA, discards.
    #expect(events.contains { $0.flags.contains(.write) })
    #expect(events.contains { $0.flags.contains(.flush) && $0.action == .issue && $0.sectors == 0 })
    #expect(events.contains { $0.flags.contains(.fua) })
    #expect(events.contains { $0.flags.contains(.discard) })
    // Splits name the split point; unplugs their depth; remaps the partition-relative sector.
    #expect(events.filter { $0.action == .split }.allSatisfy { $0.detail > $0.sector })
    #expect(events.filter { $0.action == .unplugIO }.allSatisfy { $0.detail >= 1 })
    let start = try #require(configuration.partition?.startSector)
    #expect(events.filter { $0.action == .remap }.allSatisfy { $0.detail + start == $0.sector })
    // The file is fragmented: extents are not in disk order.
    let extents = trace.extents
    #expect(extents.count == Int(configuration.fileBytes / configuration.extentBytes))
    #expect(zip(extents, extents.dropFirst()).contains { $0.sector > $1.sector })
  }

  /// Per-CPU blktrace files decode, merged, to exactly the generated events (comm included:
  /// each pid's one PROCESS note names its events in every CPU's file).
  @Test(arguments: [0, 1, 2, 17, 20_000])
  func roundTripsThroughPerCPUBlktraceFiles(count: Int) throws {
    let events = syntheticEvents(count, seed: 9)
    let files = encodePerCPU(events, cpuCount: 4)
    var sources: [any EventBatchSource] = []
    for file in files {
      sources.append(
        DecodingStream(decoder: BlktraceBinaryDecoder(options: DecoderOptions(strict: true)), chunkSize: 4096, read: memoryReader(file)))
    }
    var merged = MergedEventStream(sources, fillingProcessNames: true)
    let decoded = try drain(&merged)
    #expect(Array(decoded.events) == events)
    #expect(decoded.diagnostics == TraceDiagnostics())
  }

  @Test func roundTripsThroughOneBigEndianStream() throws {
    let events = syntheticEvents(20_000, seed: 4)
    var encoder = BlktraceBinaryEncoder(bigEndian: true)
    var stream: [UInt8] = []
    for event in events { encoder.append(event, to: &stream) }
    let decoded = try decodeBinary(BlktraceBinaryDecoder(options: DecoderOptions(strict: true)), stream, cuts: [1000, 77_777])
    #expect(Array(decoded.events) == events)
  }

  /// blkparse text carries less than the binary: times relative to the first event, no comm on
  /// C, R and A lines, no size on X lines, and the errno as blkparse prints it.
  @Test func roundTripsThroughBlkparseText() throws {
    var configuration = SyntheticBlockTrace.Configuration(eventCount: 20_000, seed: 5)
    configuration.errorProbability = 0.01
    let events = Array(SyntheticBlockTrace(configuration))
    var encoder = BlkparseTextEncoder(startTime: configuration.startTime)
    encoder.remapSource = configuration.partition?.device
    var text: [UInt8] = []
    for event in events { encoder.append(event, to: &text) }
    let decoded = try decodeBinary(BlkparseTextDecoder(options: DecoderOptions(strict: true)), text, cuts: [4096, 10_000])
    let expected = events.map { event -> BlockEvent in
      var event = event
      event.time -= configuration.startTime
      switch event.action {
      case .complete, .requeue, .remap: event.comm = CommName()
      case .split: event.sectors = 0
      default: break
      }
      return event
    }
    #expect(decoded.events.count == expected.count)
    let mismatches = zip(decoded.events, expected).enumerated().filter { $0.element.0 != $0.element.1 }
    #expect(mismatches.isEmpty, "\(mismatches.count) differ; first: \(String(describing: mismatches.first))")
  }
}
