import Foundation
import Testing

@testable import ParamTraceCore

/// The report's table from the committed sweep under Tests/Fixtures/experiments (see its
/// README): golden Markdown, CSV and JSON, and the rules behind them.
@Suite struct ReportTableTests {
  @Test func markdownGolden() throws {
    try expectReportGolden(SummaryTable(rows: try ReportFixtures.rows()).markdown, "report-sweep-small.md")
  }

  @Test func csvGolden() throws {
    try expectReportGolden(SummaryTable(rows: try ReportFixtures.rows()).csv, "report-sweep-small.csv")
  }

  @Test func jsonGolden() throws {
    try expectReportGolden(SummaryTable(rows: try ReportFixtures.rows()).json.rendered() + "\n", "report-sweep-small.json")
  }

  @Test func rowsCarryTheNotebookColumnsAndTheCorrectedOnes() throws {
    let rows = try ReportFixtures.rows()
    #expect(rows.map(\.experiment) == ["unconstrained-r1", "budget-64MiB-r1", "budget-20MiB-r1", "budget-12MiB-r1", "budget-20MiB-r2"])
    let thrash = rows[2]
    #expect(thrash.label == "budget-20MiB" && thrash.repetition == 1 && thrash.status == .ok)
    #expect(thrash.memoryKind == .budget && thrash.requestedBytes == 20 << 20 && thrash.achievedBytes == 20 << 20)
    #expect(thrash.ownerTasks == 2)
    #expect(thrash.sectorFilterFile == "small.gguf" && thrash.sectorFilterExtents == 2)
    #expect(thrash.operations == 1142)
    #expect(thrash.tokensPerSecond == 5.63)
    #expect(thrash.inferenceIsWallTime == false)
    #expect((thrash.rereadFactor ?? 0) > 17 && (thrash.decodeRereadFactor ?? 0) > 13)
    #expect(thrash.uniqueBytes == rows[0].uniqueBytes)
    #expect(thrash.pageCacheDeltaBytes != nil && thrash.latencyP99Nanoseconds != nil && thrash.lostEvents == 0)
    // The unconstrained run reads the model once.
    #expect(rows[0].rereadFactor == 1 && rows[0].memoryKind == .none)
    // The failed run: status, error and its memory configuration from sweep.json.
    let failed = rows[3]
    #expect(failed.status == .failed && failed.error?.contains("below the minimum") == true)
    #expect(failed.memoryKind == .budget && failed.requestedBytes == 12 << 20 && failed.achievedBytes == nil && failed.operations == nil)
  }

  @Test func repetitionsBecomeMedianAndSpreadOfTheRunsThatFinished() throws {
    let table = SummaryTable(rows: try ReportFixtures.rows())
    #expect(table.hasRepetitions)
    #expect(table.groups.map(\.label) == ["unconstrained", "budget-64MiB", "budget-20MiB", "budget-12MiB"])
    let thrash = table.groups[2]
    #expect(thrash.runs == 2 && thrash.okRuns == 2)
    let operations = try #require(thrash.statistics["operations"])
    // 1,142 and 962: the mean of the two middle values, an integer column stays integer.
    #expect(operations.median == .integer(1052) && operations.minimum == .integer(962) && operations.maximum == .integer(1142))
    let tokens = try #require(thrash.statistics["tokens_per_s"])
    #expect(tokens.median == .real((5.63 + 7.92) / 2))
    let failed = table.groups[3]
    #expect(failed.runs == 1 && failed.okRuns == 0 && failed.statistics.isEmpty)
  }

  @Test func medianOfOddAndEvenCountsAndRounding() {
    #expect(ReportSpread([.integer(3), .integer(1), .integer(2)], kind: .integer)?.median == .integer(2))
    #expect(ReportSpread([.integer(1), .integer(2)], kind: .integer)?.median == .integer(2))  // 1.5 rounds away from zero
    #expect(ReportSpread([.integer(-1), .integer(-2)], kind: .integer)?.median == .integer(-2))
    #expect(ReportSpread([.real(1), .real(2)], kind: .real)?.median == .real(1.5))
    #expect(ReportSpread([], kind: .real) == nil)
    let one = ReportSpread([.real(4.5)], kind: .real)
    #expect(one?.count == 1 && one?.minimum == .real(4.5) && one?.maximum == .real(4.5))
  }

  @Test func namesEndingInRNGroupTogether() {
    #expect(ExperimentSummary.splitRepetition("lock20-r3") == ("lock20", 3))
    #expect(ExperimentSummary.splitRepetition("budget-3GiB-r12") == ("budget-3GiB", 12))
    #expect(ExperimentSummary.splitRepetition("run") == ("run", nil))
    #expect(ExperimentSummary.splitRepetition("final-2") == ("final-2", nil))
    #expect(ExperimentSummary.splitRepetition("-r1") == ("-r1", nil))
    #expect(ExperimentSummary.splitRepetition("x-rr") == ("x-rr", nil))
  }

  /// DuckDB infers one type per column: every CSV column holds only integers, only reals
  /// (always with a decimal point) or only text, and the header names units.
  @Test func csvColumnsHaveOneTypeEach() throws {
    let csv = SummaryTable(rows: try ReportFixtures.rows()).csv
    let lines = csv.split(separator: "\n").map(String.init)
    let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    #expect(header.contains("bytes_read") && header.contains("inference_s") && header.contains("latency_p99_ns") && header.contains("tokens_per_s"))
    for name in header { #expect(name == name.lowercased() && !name.contains(" "), "\(name)") }
    let rows = lines.dropFirst().map { ReportFixtures.csvFields($0) }
    #expect(rows.count == 5 + 4 * 3)  // 5 runs, then median/min/max of 4 configurations
    for (index, name) in header.enumerated() {
      let values = rows.map { $0[index] }.filter { !$0.isEmpty }
      let integers = values.filter { Int64($0) != nil }.count
      let reals = values.filter { Int64($0) == nil && Double($0) != nil && $0.contains(".") }.count
      #expect(integers == values.count || reals == values.count || integers + reals == 0, "column \(name) mixes types: \(values)")
      if let field = ReportField.named(name) {
        switch field.kind {
        case .integer: #expect(integers == values.count, "\(name)")
        case .real: #expect(reals == values.count, "\(name)")
        case .text: break
        }
      }
    }
  }

  @Test func markdownHeadersCarryBinaryUnitsAndAbsentValuesADash() throws {
    let markdown = SummaryTable(rows: try ReportFixtures.rows()).markdown
    #expect(markdown.contains("Bytes read (MiB)") && markdown.contains("Unique bytes (MiB)") && markdown.contains("Avg bandwidth (GiB/s)"))
    #expect(markdown.contains("| budget-12MiB-r1  | budget 12.00 / –"))
    #expect(markdown.contains("6.78 (5.63–7.92)"))
    #expect(markdown.contains("budget-12MiB-r1: failed (memory limit 12.0 MiB is below the minimum"))
  }

  @Test func binaryUnitsPerColumn() {
    #expect(BinaryUnit(forLargest: 1023).name == "B")
    #expect(BinaryUnit(forLargest: 1024).name == "KiB")
    #expect(BinaryUnit(forLargest: 3.9e9).name == "GiB")
    #expect(BinaryUnit(for: [Double]()).name == "B")
    #expect(BinaryUnit(forLargest: 1_073_741_824).format(1_610_612_736) == "1.50")
    #expect(BinaryUnit(forLargest: 1_048_576).format(-1_048_576, signed: true) == "-1.00")
    #expect(BinaryUnit(forLargest: 1_048_576).format(1_048_576, signed: true) == "+1.00")
  }

  @Test func aRunWithoutTimingLinesUsesWallTimeAndSaysSo() throws {
    let manifest = try #require(
      ParsedJSON.parse(
        Array(
          """
          {"budget": {"kind": "lock", "requested_bytes": 1024, "achieved_bytes": 512},
           "workload": {"exit_status": 0, "signal": null, "wall_seconds": 2.5, "tasks": [1, 2]},
           "timings": {"total_ms": null, "eval_tokens_per_second": null},
           "trace": {"lost_events": 7}, "interrupted": false, "warnings": ["w"]}
          """.utf8)))
    let row = ExperimentSummary(experiment: "lock-r2", manifest: manifest, analysis: nil)
    #expect(row.label == "lock" && row.repetition == 2 && row.status == .ok)
    #expect(row.memoryKind == .lock && row.achievedBytes == 512)
    #expect(row.inferenceSeconds == 2.5 && row.inferenceIsWallTime)
    #expect(row.lostEvents == 7 && row.warnings == ["w"])
    let table = SummaryTable(rows: [row])
    #expect(table.markdown.contains("2.500 †") && table.markdown.contains("wall time"))
    #expect(table.markdown.contains("the tracer lost 7 events"))
    #expect(!table.hasRepetitions && !table.csv.contains("\nmedian,"))
  }

  @Test func requestSizePercentilesAreColumnsInKiB() throws {
    let analysis = try #require(
      ParsedJSON.parse(
        Array(
          #"{"request_size_median_bytes": 516096, "request_size_p90_bytes": 1536, "request_sizes": [{"min_bytes": 262144, "count": 3}]}"#.utf8)))
    let manifest = try #require(ParsedJSON.parse(Array(#"{"workload": {"exit_status": 0}}"#.utf8)))
    let row = ExperimentSummary(experiment: "x", manifest: manifest, analysis: analysis)
    #expect(row.requestSizeMedianBytes == 516_096 && row.requestSizeP90Bytes == 1536)
    let table = SummaryTable(rows: [row])
    #expect(table.markdown.contains("Median request (KiB)") && table.markdown.contains(" 504 |") && table.markdown.contains(" 1.5 |"))
    #expect(table.csv.contains("request_size_median_bytes") && table.csv.contains(",516096,1536,"))
    #expect(HumanUnits.kibibytes(1000) == "0.98" && HumanUnits.kibibytes(1_269_760) == "1240")
    // The size plot's bars only bound them: its caption gives the exact ones.
    let plot = ExperimentPlots(id: "e1", summary: row, manifest: manifest, analysis: analysis, data: nil, traceProblem: "none").sizePlot
    #expect(plot.caption.hasSuffix("Exact sizes: median 504 KiB, p90 1.5 KiB."))
  }

  /// Issue 11: the report called 5.80 s "llama.cpp's total time (load, prompt and decode)",
  /// but llama.cpp's `total time` leaves out its `load time` (7.96 s): a column of its own.
  @Test func loadTimeIsItsOwnColumnAndTheNoteSaysWhatInferenceTimeIs() throws {
    let table = try ReportCliffTests.table(["nobudget"])
    let row = table.rows[0]
    #expect(row.inferenceSeconds == 5.8 && row.loadSeconds == 7.96 && row.wallSeconds == 14.16)
    let markdown = table.markdown
    #expect(markdown.contains("| Inference time (s) | Load time (s) |"))
    let line = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| nobudget") })
    #expect(line.contains(" 5.800 | ") && line.contains(" 7.960 | "))
    #expect(markdown.contains("Inference time is llama.cpp's `total time`: from the end of its warm-up to its exit (prompt, decode and sampling); it does not include the load."))
    #expect(!markdown.contains("(load, prompt and decode)"))
    #expect(table.csv.contains(",5.8,llama_total,7.96,14.16,"))
  }

  @Test func statusComesFromTheWorkload() throws {
    func row(_ text: String) throws -> ExperimentSummary {
      ExperimentSummary(experiment: "x", manifest: try JSONReader.parse(Array(text.utf8)), analysis: nil)
    }
    #expect(try row(#"{"workload": {"exit_status": 3, "signal": null}}"#).status == .failed)
    #expect(try row(#"{"workload": {"exit_status": 3, "signal": null}}"#).error == "the workload exited with status 3")
    #expect(try row(#"{"workload": {"exit_status": null, "signal": 9}}"#).status == .failed)
    #expect(try row(#"{"workload": {"exit_status": 0}, "interrupted": true}"#).status == .interrupted)
    #expect(try row(#"{"workload": null}"#).status == .failed)
    #expect(ExperimentSummary(experiment: "gone", manifest: nil, analysis: nil).status == .failed)
  }

  @Test func parsedJSONReadsNumbersAndPaths() throws {
    let json = try #require(ParsedJSON.parse(Array(#"{"a": {"b": [1, 2.5, 18446744073709551615, -3, "x", true, null]}}"#.utf8)))
    let items = try #require(json[path: "a", "b"]?.array)
    #expect(items[0].uint64 == 1 && items[0].int == 1 && items[0].double == 1)
    #expect(items[1].double == 2.5 && items[1].uint64 == nil)
    #expect(items[2].uint64 == UInt64.max && items[2].int64 == nil)
    #expect(items[3].int64 == -3 && items[3].uint64 == nil)
    #expect(items[4].string == "x" && items[5].bool == true && items[6].isNull)
    #expect(json[path: "a", "missing", "deeper"] == nil)
    #expect(ParsedJSON.parse(Array("{not json".utf8)) == nil)
  }
}

/// The committed experiment directories, read as `report` reads them.
enum ReportFixtures {
  static let sweep = FixturePaths.root.appendingPathComponent("experiments/sweep-small")

  static func document(_ url: URL) -> ParsedJSON? {
    guard let data = try? Data(contentsOf: url) else { return nil }
    return ParsedJSON.parse(Array(data))
  }

  /// The rows in sweep.json's order, each with its documents.
  static func loaded() throws -> [(summary: ExperimentSummary, manifest: ParsedJSON?, analysis: ParsedJSON?, directory: URL)] {
    let plan = try #require(document(sweep.appendingPathComponent("sweep.json")))
    var out: [(ExperimentSummary, ParsedJSON?, ParsedJSON?, URL)] = []
    for run in plan["runs"]?.array ?? [] {
      let name = try #require(run["directory"]?.string)
      let directory = sweep.appendingPathComponent(name)
      let manifest = document(directory.appendingPathComponent("manifest.json"))
      let analysis = document(directory.appendingPathComponent("analysis.json"))
      var summary = ExperimentSummary(
        experiment: name, label: run["label"]?.string, repetition: run["repetition"]?.int, manifest: manifest, analysis: analysis,
        sweepStatus: run["status"]?.string.flatMap(ExperimentSummary.Status.init(rawValue:)), error: run["error"]?.string)
      if manifest == nil {
        summary.memoryKind = run["kind"]?.string == "budget" ? .budget : run["kind"]?.string == "lock" ? .lock : .none
        summary.requestedBytes = run["bytes"]?.uint64
      }
      out.append((summary, manifest, analysis, directory))
    }
    return out
  }

  static func rows() throws -> [ExperimentSummary] { try loaded().map(\.summary) }

  /// Splits one CSV line (quoted fields may hold commas).
  static func csvFields(_ line: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var previousQuote = false
    for character in line {
      if quoted {
        if character == "\"" {
          quoted = false
          previousQuote = true
        } else {
          current.append(character)
        }
      } else if character == "\"" {
        if previousQuote { current.append("\"") }
        quoted = true
      } else if character == "," {
        fields.append(current)
        current = ""
        previousQuote = false
      } else {
        current.append(character)
        previousQuote = false
      }
    }
    fields.append(current)
    return fields
  }
}

/// Compares `text` with `Tests/ParamTraceCoreTests/Golden/NAME`; a missing golden or
/// RECORD_GOLDEN=1 writes it and fails, so re-records show in the diff.
func expectReportGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
  let url = directory.appendingPathComponent(name)
  if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" || !FileManager.default.fileExists(atPath: url.path) {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
    Issue.record("recorded golden \(name); check it and run again", sourceLocation: sourceLocation)
    return
  }
  let expected = try String(contentsOf: url, encoding: .utf8)
  #expect(text == expected, "differs from Golden/\(name); RECORD_GOLDEN=1 re-records it", sourceLocation: sourceLocation)
}
