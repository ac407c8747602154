import Testing

@testable import ParamTraceCore

/// The report's "Model and load mode" table: load mode, files, and the experts' figures read
/// from an analysis's `tensors.experts` (issue 12: what each token pulls, shown per run).
struct ReportModelTableTests {
  static let manifest = """
    {"paramtrace_manifest_version": 1, "budget": {"kind": "none"}, "load_mode": {"effective": "mmap", "requested": "mmap"},
     "workload": {"exit_status": 0, "wall_seconds": 2.5}, "trace": {"lost_events": 0}}
    """
  static let analysis = """
    {"operations": 10, "bytes": 4096000, "files": [{"path": "m-00001-of-00002.gguf"}, {"path": "m-00002-of-00002.gguf"}],
     "tensors": {"experts": {"count": 32, "total_bytes": 2000000, "readahead_bytes": 500000, "hot_share": 0.4125,
       "per_token": {"experts_per_layer": {"mean": 3.75, "min": 3, "max": 4, "stddev": 0.4}, "reuse_share": 0.25,
                     "expert_bytes": 1048576, "dense_bytes": 524288}}}}
    """

  static func row(_ name: String, analysis: String? = Self.analysis) throws -> ExperimentSummary {
    ExperimentSummary(
      experiment: name, manifest: try JSONReader.parse(Array(manifest.utf8)),
      analysis: try analysis.map { try JSONReader.parse(Array($0.utf8)) })
  }

  @Test func expertColumnsComeFromTheAnalysis() throws {
    let row = try Self.row("moe")
    #expect(row.loadMode == "mmap")
    #expect(row.modelFiles == 2)
    let experts = try #require(row.experts)
    #expect(experts.perLayerPerToken == 3.75)
    #expect(experts.reusePercent == 25)
    #expect(experts.hotTenPercent == 41.25)
    #expect(experts.readaheadPercent == 25)
    #expect(experts.expertBytesPerToken == 1_048_576)
    #expect(experts.denseBytesPerToken == 524_288)
  }

  @Test func tableShowsOnlyTheColumnsSomeRowHas() throws {
    let dense = try Self.row("dense", analysis: #"{"operations": 1, "bytes": 4096}"#)
    let denseOnly = SummaryTable(rows: [dense]).textTables.first { $0.title == "Model and load mode" }
    #expect(denseOnly?.headers == ["Experiment", "Load mode"])
    #expect(denseOnly?.rows == [["dense", "mmap"]])

    let table = try #require(SummaryTable(rows: [dense, try Self.row("moe")]).textTables.first { $0.title == "Model and load mode" })
    #expect(table.headers.count == 9)
    #expect(table.rows[0][2] == "1")
    #expect(table.rows[0][3] == SummaryTable.absent)
    #expect(Array(table.rows[1][0...5]) == ["moe", "mmap", "2", "3.75", "25.0", "41.3"])
    #expect(table.headers[6].hasSuffix("(MiB)"))
    #expect(table.rows[1][6] == "1.00" && table.rows[1][7] == "0.50" && table.rows[1][8] == "25.0")
  }

  @Test func csvHasTheColumns() throws {
    let csv = SummaryTable(rows: [try Self.row("moe")]).csv
    let header = csv.split(separator: "\n")[0].split(separator: ",").map(String.init)
    for key in ["load_mode", "model_files", "experts_per_layer_per_token", "expert_reuse_pct", "hot10_expert_share_pct", "expert_readahead_pct"] {
      #expect(header.contains(key), "\(key)")
    }
  }
}
