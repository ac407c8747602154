import Testing

@testable import ParamTraceCore

/// The report of a sweep with axes besides memory (issue 15, item 1): one column per axis, a
/// cliff per combination of the other axes, and small multiples.
@Suite struct SummaryTableAxesTests {
  static let mib: UInt64 = 1 << 20

  /// A finished run of `mode` under `budget` MiB (nil: unconstrained) with its tokens/s and
  /// decode bytes (8 eval runs, 6 prompt tokens: 9 decode passes of a 100 MiB model).
  static func row(_ mode: String, _ budget: UInt64?, tokens: Double, decodeMiB: UInt64, threads: String? = nil) -> ExperimentSummary {
    var axes = [SweepAxisValue(name: "load_mode", value: mode)]
    if let threads { axes.append(SweepAxisValue(name: "threads", value: threads)) }
    let memory = budget.map { "budget-\($0)MiB" } ?? "unconstrained"
    let label = memory + SweepAxisValue.labelSuffix(axes)
    var row = ExperimentSummary(experiment: label + "-r1", label: label, repetition: 1, status: .ok)
    row.axes = axes
    if let budget {
      row.memoryKind = .budget
      row.requestedBytes = budget * mib
      row.achievedBytes = budget * mib
    }
    row.modelSizeBytes = 100 * mib
    row.tokensPerSecond = tokens
    row.evalRuns = 8
    row.promptTokens = 6
    row.decodeBytes = decodeMiB * mib
    row.loadUniqueBytes = 100 * mib
    row.rereadFactor = 1 + Double(decodeMiB) / 100
    return row
  }

  /// mmap thrashes at 40 MiB and is calm at 80; --no-mmap (none) reads nothing in decode at
  /// either budget. One cliff for mmap, none for none: judged apart.
  static var rows: [ExperimentSummary] {
    [
      row("mmap", nil, tokens: 10, decodeMiB: 0), row("mmap", 80, tokens: 9.5, decodeMiB: 5), row("mmap", 40, tokens: 1, decodeMiB: 900),
      row("none", nil, tokens: 11, decodeMiB: 0), row("none", 80, tokens: 11, decodeMiB: 0), row("none", 40, tokens: 10.8, decodeMiB: 0),
    ]
  }

  @Test func eachCombinationOfTheOtherAxesHasItsOwnCliff() throws {
    let table = SummaryTable(rows: Self.rows)
    #expect(table.axisNames == ["load_mode"])
    #expect(table.cliffs.map { SweepAxisValue.describe($0.axes) } == ["load_mode=mmap", "load_mode=none"])
    let mmap = try #require(table.cliffs[0].cliff)
    #expect(mmap.thrashing.bytes == 40 * Self.mib && mmap.calm.bytes == 80 * Self.mib)
    #expect(table.cliffs[1].cliff == nil)
    // With several combinations there is no single cliff to name.
    #expect(table.cliff == nil)
    #expect(table.rows.map { $0.cliffVerdict } == [nil, .calm, .thrashes, nil, .calm, .calm])
    #expect(table.notes.contains { $0.hasPrefix("Cliff (budgets, load_mode=mmap): thrashes at budget-40MiB,load_mode=mmap (40.00 MiB)") }, "\(table.notes)")
    #expect(table.notes.contains { $0.hasPrefix("Cliff (budgets, load_mode=none): none") })
  }

  @Test func theTablesHaveAColumnPerAxis() throws {
    let table = SummaryTable(rows: Self.rows + [Self.row("none", 40, tokens: 10.6, decodeMiB: 0, threads: "4")])
    #expect(table.axisNames == ["load_mode", "threads"])
    let first = try #require(table.textTables.first)
    #expect(Array(first.headers.prefix(3)) == ["Experiment", "load_mode", "threads"])
    #expect(first.rows[2].prefix(3) == ["budget-40MiB,load_mode=mmap-r1", "mmap", "–"])
    #expect(first.rows[6].prefix(3) == ["budget-40MiB,load_mode=none,threads=4-r1", "none", "4"])
    let csv = table.csv.split(separator: "\n")
    #expect(csv[0].hasPrefix("statistic,runs,experiment,label,axis_load_mode,axis_threads,repetition,"), "\(csv[0])")
    #expect(csv[3].hasPrefix(#"run,1,"budget-40MiB,load_mode=mmap-r1","budget-40MiB,load_mode=mmap",mmap,,1,"#), "\(csv[3])")
    #expect(table.json.rendered().contains(#""axes": ["load_mode", "threads"]"#))
  }

  /// One panel per value of the first axis after memory, for tokens/s and for the re-read
  /// factor, all on the same axes; the series inside a panel are the remaining axes' values.
  @Test func sweepPlotsAreSmallMultiplesOnePanelPerValueOfTheSecondAxis() throws {
    let rows = Self.rows + [Self.row("none", 40, tokens: 10.6, decodeMiB: 0, threads: "4")]
    let plots = SweepPlots.plots(SummaryTable(rows: rows))
    #expect(plots.map(\.id) == ["sweep-budget-tokens-1", "sweep-budget-tokens-2", "sweep-budget-reread-1", "sweep-budget-reread-2"])
    #expect(plots[0].title == "Tokens/s: load_mode=mmap")
    #expect(Set(plots.map(\.y)).count == 2 && plots[0].y == plots[1].y && plots[0].x == plots[3].x)
    // mmap's panel: one series and its cliff band; none's: two series (threads – and 4), no band.
    #expect(plots[0].marks.contains { $0.name == "cliff" })
    #expect(!plots[1].marks.contains { $0.name == "cliff" })
    let series = Set(plots[1].marks.filter { if case .points = $0.shape { true } else { false } }.map(\.name))
    #expect(series == ["threads=–", "threads=4"])
    #expect(plots.allSatisfy { !$0.svg.isEmpty && $0.plotWidth < 560 })
  }
}
