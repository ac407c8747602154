import Testing

@testable import ParamTraceCore

/// Bytes per token, disk-busy shares and the I/O-bound ceiling, from hand-made request lives.
@Suite struct DiskWaitFiguresTests {
  /// A 16 KiB file at sectors 1000..<1032.
  static func extents() throws -> FileExtentMap {
    try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 1_000, length: 16_384)], fileSize: 16_384, path: "model.gguf")
  }

  /// Issue and completion events of requests (issue, complete, sector, sectors), in time order.
  static func events(_ requests: [(UInt64, UInt64, UInt64, UInt32)]) -> [BlockEvent] {
    var events: [BlockEvent] = []
    for (issue, complete, sector, sectors) in requests {
      events.append(RequestAssemblerTests.event(issue, .issue, sector, sectors))
      events.append(RequestAssemblerTests.event(complete, .complete, sector, sectors, pid: 0, comm: ""))
    }
    return events.sorted { $0.time < $1.time }
  }

  /// Load: A [100, 200) and B [150, 300) overlap, C [350, 450) crosses the boundary at 400.
  /// Decode: D [600, 700) re-reads A, E [650, 680) inside it re-reads B, F [900, 1100) reads
  /// the file's last 4 KiB and ends after the workload. X [500, 900) is outside the file.
  static let requests: [(UInt64, UInt64, UInt64, UInt32)] = [
    (100, 200, 1_000, 8), (150, 300, 1_008, 8), (350, 450, 1_016, 8), (500, 900, 10, 8),
    (600, 700, 1_000, 8), (650, 680, 1_008, 8), (900, 1_100, 1_024, 8),
  ]

  static func timings() -> LlamaTimings {
    var timings = LlamaTimings()
    timings.promptTokens = 5
    timings.evalTokens = 3
    timings.evalTokensPerSecond = 2
    return timings
  }

  static func analyze(start: UInt64?, end: UInt64?, bandwidth: DeviceBandwidth?, markers: [TraceMarker] = []) throws -> TraceAnalysis {
    var options = AnalysisOptions()
    options.filter.extents = try extents()
    options.decodeFromNanoseconds = 400
    options.timings = timings()
    options.deviceBandwidth = bandwidth
    options.workloadStartNanoseconds = start
    options.workloadEndNanoseconds = end
    var run = TraceAnalysisRun(options: options)
    run.consume(ContiguousArray(events(requests)), markers: markers)
    return run.finish(diagnostics: TraceDiagnostics(), markers: markers)
  }

  @Test func busySharesAreTheUnionOfTheModelsReadsInEachPhasesWindow() throws {
    let user = DeviceBandwidth(bytesPerSecond: 1_000_000, source: .user, detail: "--bandwidth 1MB/s")
    let wait = try #require(try Self.analyze(start: 0, end: 1_000, bandwidth: user).diskWait)
    // Load [0, 400): [100, 300) + [350, 400). Decode [400, 1000): [400, 450) + [600, 700) + [900, 1000).
    #expect(wait.load == PhaseBusyShare(fromNanoseconds: 0, toNanoseconds: 400, busyNanoseconds: 250))
    #expect(wait.decode == PhaseBusyShare(fromNanoseconds: 400, toNanoseconds: 1_000, busyNanoseconds: 250))
    #expect(wait.load?.share == 0.625)
    #expect(wait.decode?.share == 250.0 / 600.0)
    #expect(wait.windowSource == "the workload's start and exit")
  }

  @Test func bytesPerTokenAndRereadsCountDecodePasses() throws {
    let wait = try #require(try Self.analyze(start: 0, end: 1_000, bandwidth: nil).diskWait)
    // Decode read D, E, F (12 KiB); the load read 12 KiB of the 16 KiB model, so 4 KiB of
    // decode's reads are first reads and 8 KiB re-reads. 4 tokens: the prompt pass and 3 eval runs.
    #expect(wait.decodeTokens == 4)
    #expect(wait.decodeBytes == 12_288)
    #expect(wait.rereadBytes == 8_192)
    #expect(wait.bytesPerToken == 3_072)
    #expect(wait.rereadBytesPerToken == 2_048)
    #expect(wait.measuredTokensPerSecond == 2)
  }

  @Test func ceilingIsBandwidthOverBytesPerToken() throws {
    let user = DeviceBandwidth(bytesPerSecond: 1_000_000, source: .user, detail: "--bandwidth 1MB/s")
    let wait = try #require(try Self.analyze(start: 0, end: 1_000, bandwidth: user).diskWait)
    let ceiling = try #require(wait.ceiling)
    #expect(ceiling.tokensPerSecond == 1_000_000.0 / 3_072.0)
    #expect(ceiling.bandwidth.source == .user)
    #expect(!ceiling.bandwidth.isLowerBound)
    #expect(wait.shareOfCeiling == 2 / (1_000_000.0 / 3_072.0))

    let probe = DeviceBandwidth(bytesPerSecond: 3.5 * 1_073_741_824, source: .probe, detail: "probe")
    #expect(IOBoundCeiling(bandwidth: probe, bytesPerToken: 3.75 * 1_073_741_824)?.tokensPerSecond == 3.5 / 3.75)
    // Nothing read per token: the disk does not bound decode.
    #expect(IOBoundCeiling(bandwidth: probe, bytesPerToken: 0) == nil)
    #expect(IOBoundCeiling(bandwidth: DeviceBandwidth(bytesPerSecond: 0, source: .user, detail: ""), bytesPerToken: 1) == nil)
  }

  @Test func withoutABandwidthTheRunsOwnPeakIsALowerBound() throws {
    let analysis = try Self.analyze(start: 0, end: 1_000, bandwidth: nil)
    let ceiling = try #require(analysis.diskWait?.ceiling)
    #expect(ceiling.bandwidth.source == .tracePeak)
    #expect(ceiling.bandwidth.isLowerBound)
    // The run's own peak: six 4 KiB requests of the file in a 1 µs run, where the peak is never
    // printed below the average (24,576 B over 1 µs), so 24.576 GB/s; 3,072 B per token.
    #expect(ceiling.bandwidth.bytesPerSecond == analysis.figures.peakBytesPerSecond)
    #expect(ceiling.bandwidth.bytesPerSecond == 24_576 / 1e-6)
    #expect(ceiling.tokensPerSecond == 24_576 / 1e-6 / 3_072)
    #expect(analysis.diskWait!.summaryLines.contains { $0.contains("I/O-bound ceiling ≥ 8000000.00") }, "\(analysis.diskWait!.summaryLines)")
  }

  @Test func windowsFallBackToMarkersThenToTheTracesFirstAndLastEvent() throws {
    let markers = [TraceMarker(time: 50, text: TraceMarkerText.workloadStart), TraceMarker(time: 1_050, text: TraceMarkerText.workloadEnd)]
    let marked = try #require(try Self.analyze(start: nil, end: nil, bandwidth: nil, markers: markers).diskWait)
    #expect(marked.load == PhaseBusyShare(fromNanoseconds: 50, toNanoseconds: 400, busyNanoseconds: 250))
    #expect(marked.decode == PhaseBusyShare(fromNanoseconds: 400, toNanoseconds: 1_050, busyNanoseconds: 300))
    #expect(marked.windowSource.contains("markers"))
    // The trace's events run from 100 (A's issue) to 1100 (F's completion).
    let bare = try #require(try Self.analyze(start: nil, end: nil, bandwidth: nil).diskWait)
    #expect(bare.load == PhaseBusyShare(fromNanoseconds: 100, toNanoseconds: 400, busyNanoseconds: 250))
    #expect(bare.decode == PhaseBusyShare(fromNanoseconds: 400, toNanoseconds: 1_100, busyNanoseconds: 350))
    #expect(bare.decode?.share == 0.5)
  }

  @Test func theJSONCarriesEveryFigure() throws {
    let user = DeviceBandwidth(bytesPerSecond: 1_000_000, source: .user, detail: "--bandwidth 1MB/s")
    let json = try Self.analyze(start: 0, end: 1_000, bandwidth: user).json
    let wait = try #require(json["disk_wait"])
    #expect(wait[path: "decode", "busy_ns"]?.uint64 == 250)
    #expect(wait[path: "load", "busy_share"]?.double == 0.625)
    #expect(wait["bytes_per_token"]?.double == 3_072)
    #expect(wait["reread_bytes_per_token"]?.double == 2_048)
    #expect(wait[path: "ceiling", "bandwidth_source"]?.string == "user")
    #expect(wait[path: "ceiling", "lower_bound"]?.bool == false)
  }

  @Test func withoutExtentsThereAreNoDiskWaitFigures() {
    var run = TraceAnalysisRun(options: AnalysisOptions())
    run.consume(ContiguousArray(Self.events(Self.requests)))
    #expect(run.finish(diagnostics: TraceDiagnostics()).diskWait == nil)
  }
}
