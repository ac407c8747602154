import Testing

@testable import ParamTraceCore

/// The report's disk-wait table and columns, from an analysis with `disk_wait`.
@Suite struct ReportDiskWaitTests {
  static let manifest = #"{"budget": {"kind": "cgroup", "requested_bytes": 367001600, "achieved_bytes": 367001600}, "timings": {"eval_tokens_per_second": 2.47, "eval_tokens": 7, "prompt_tokens": 8}, "workload": {"exit_status": 0, "wall_seconds": 4.2}}"#
  static let analysis = #"""
    {"operations": 10, "bytes": 4000000000,
     "disk_wait": {"window_source": "the workload's start and exit",
       "load": {"from_ns": 0, "to_ns": 1000, "window_ns": 1000, "busy_ns": 800, "busy_share": 0.8},
       "decode": {"from_ns": 1000, "to_ns": 3000, "window_ns": 2000, "busy_ns": 1500, "busy_share": 0.75},
       "decode_tokens": 8, "bytes_per_token": 471859200, "reread_bytes_per_token": 419430400,
       "ceiling": {"tokens_per_second": 2.9, "bandwidth_bytes_per_second": 1368391680, "bandwidth_source": "trace_peak", "lower_bound": true}}}
    """#

  static func row() throws -> ExperimentSummary {
    ExperimentSummary(
      experiment: "budget-350MiB", manifest: try JSONReader.parse(Array(manifest.utf8)), analysis: try JSONReader.parse(Array(analysis.utf8)))
  }

  @Test func theRowReadsTheDiskWaitFigures() throws {
    let row = try Self.row()
    #expect(row.bytesPerToken == 471_859_200 && row.rereadBytesPerToken == 419_430_400)
    #expect(row.decodeBusyShare == 0.75 && row.loadBusyShare == 0.8)
    #expect(row.ceilingTokensPerSecond == 2.9 && row.ceilingBandwidthSource == "trace_peak")
  }

  @Test func theMarkdownHasTheCeilingBesideTheMeasuredTokensPerSecond() throws {
    let markdown = SummaryTable(rows: [try Self.row()]).markdown
    #expect(markdown.contains("### Disk wait and the I/O-bound ceiling"))
    let header = try #require(markdown.split(separator: "\n").first { $0.contains("I/O ceiling (tokens/s)") })
    #expect(header.contains("| Tokens/s | I/O ceiling (tokens/s) | Ceiling bandwidth (GiB/s) | Bandwidth source |"))
    let line = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| budget-350MiB") && $0.contains("trace_peak") })
    // Measured 2.47 beside the ceiling (≥: from the run's own peak), 1.27 GiB/s, 450 / 400 MiB per token, busy 75 % and 80 %.
    #expect(line.contains("2.47 |"))
    #expect(line.contains("≥ 2.90"))
    #expect(line.contains("1.27"))
    #expect(line.contains("450.00") && line.contains("400.00"))
    #expect(line.contains("75.0") && line.contains("80.0"))
    #expect(markdown.contains("- Disk wait: read (re-read) per token"))
  }

  @Test func theCSVHasTheColumns() throws {
    let csv = SummaryTable(rows: [try Self.row()]).csv
    let lines = csv.split(separator: "\n")
    let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
    let values = lines[1].split(separator: ",", omittingEmptySubsequences: false)
    let column = { (key: String) in values[try #require(header.firstIndex { $0 == key })] }
    #expect(try column("io_ceiling_tokens_per_s") == "2.9")
    #expect(try column("disk_busy_decode_pct") == "75.0")
    #expect(try column("ceiling_bandwidth_source") == "trace_peak")
  }

  @Test func runsWithoutDiskWaitHaveNoSuchTable() throws {
    #expect(!SummaryTable(rows: try ReportFixtures.rows()).markdown.contains("I/O-bound ceiling"))
  }
}
