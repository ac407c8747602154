import Testing

@testable import ParamTraceCore

/// The probe's plan (sizes × patterns × depths) and its result as JSON and as the ceiling's bandwidth.
@Suite struct ProbeReportTests {
  @Test func thePlanMeasuresEverySizeInBothPatternsAtBothDepths() {
    let plan = ProbePlan(extraSizes: [1_265_664, 1 << 20, 5_000], secondsPerTest: 0.5)
    // 4 KiB, 8 KiB (5,000 rounded up), 128 KiB, 1 MiB (once), 1236 KiB, 4 MiB.
    #expect(Set(plan.tests.map(\.requestBytes)) == [4_096, 8_192, 131_072, 1_048_576, 1_265_664, 4_194_304])
    #expect(plan.tests.count == 6 * 2 * 2)
    #expect(plan.tests.first == ProbeTest(pattern: .sequential, requestBytes: 4_096, queueDepth: 1))
    #expect(plan.tests.last == ProbeTest(pattern: .random, requestBytes: 4_194_304, queueDepth: 32))
    #expect(plan.nanosecondsPerTest == 500_000_000)
  }

  @Test func anExperimentsMedianAndP90RequestSizesAreAdded() throws {
    let analysis = try JSONReader.parse(Array(#"{"request_size_median_bytes": 1265664, "request_size_p90_bytes": 4194304}"#.utf8))
    #expect(ProbePlan.requestSizes(fromAnalysis: analysis) == [1_265_664, 4_194_304])
  }

  static func report() -> ProbeReport {
    var fast = LatencyDistribution()
    for latency in [1_000_000, 2_000_000] as [UInt64] { fast.add(latency) }
    var slow = LatencyDistribution()
    slow.add(4_000_000)
    return ProbeReport(
      path: "model.gguf", device: "a file on vda (254:0)", sizeBytes: 1 << 30, method: "pread(2) with O_DIRECT", nanosecondsPerTest: 1_000_000_000,
      measurements: [
        ProbeMeasurement(
          test: ProbeTest(pattern: .sequential, requestBytes: 1 << 20, queueDepth: 32), operations: 1_500, bytes: 1_500 << 20,
          elapsedNanoseconds: 1_000_000_000, latencies: &fast),
        ProbeMeasurement(
          test: ProbeTest(pattern: .random, requestBytes: 4_096, queueDepth: 1), operations: 2_000, bytes: 2_000 * 4_096,
          elapsedNanoseconds: 500_000_000, latencies: &slow),
      ],
      skipped: [(ProbeTest(pattern: .random, requestBytes: 4 << 30, queueDepth: 1), "larger than the file")])
  }

  @Test func theBestTestIsTheCeilingsBandwidth() throws {
    let report = Self.report()
    #expect(report.best?.test == ProbeTest(pattern: .sequential, requestBytes: 1 << 20, queueDepth: 32))
    let bandwidth = try #require(report.bandwidth)
    #expect(bandwidth.bytesPerSecond == Double(1_500 << 20))
    #expect(bandwidth.source == .probe)
    #expect(bandwidth.detail.contains("sequential 1 MiB reads, queue depth 32"))
    #expect(report.measurements[1].operationsPerSecond == 4_000)
  }

  @Test func theJSONReadsBackAsTheSameMeasurements() throws {
    let report = Self.report()
    let parsed = try #require(ProbeReport(json: try JSONReader.parse(Array(report.json.rendered().utf8))))
    #expect(parsed.measurements.map(\.test) == report.measurements.map(\.test))
    #expect(parsed.measurements.map(\.bytesPerSecond) == report.measurements.map(\.bytesPerSecond))
    #expect(parsed.bandwidth == report.bandwidth)
    #expect(parsed.skipped.count == 1)
    #expect(ProbeReport(json: try JSONReader.parse(Array(#"{"format": "paramtrace-extents"}"#.utf8))) == nil)
  }

  @Test func theTableHasARowPerTestAndNamesTheBest() {
    let table = Self.report().table
    #expect(table.contains("  sequential      1 MiB     32     1500.0"))
    #expect(table.contains("skipped: random 4 GiB reads, queue depth 1: larger than the file"))
    #expect(table.contains("Best: sequential 1 MiB reads, queue depth 32: 1500.0 MiB/s"))
  }

  @Test func ratesAreReadAsUsersWriteThem() {
    #expect(DeviceBandwidth.parseRate("1.5GiB/s") == 1.5 * 1_073_741_824)
    #expect(DeviceBandwidth.parseRate("800MB/s") == 800_000_000)
    #expect(DeviceBandwidth.parseRate("800MiB") == 838_860_800.0)
    #expect(DeviceBandwidth.parseRate("fast") == nil)
    #expect(DeviceBandwidth.parseRate("0/s") == nil)
  }
}
