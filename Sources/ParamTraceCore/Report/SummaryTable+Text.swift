/// A table as text cells: what the Markdown and the HTML renderers print.
public struct TextTable: Sendable, Hashable {
  /// The table's heading.
  public var title: String
  /// Column headers, units included.
  public var headers: [String]
  /// Per column: numbers are right-aligned.
  public var numeric: [Bool]
  /// The cells, row by row.
  public var rows: [[String]]

  /// The table as Markdown, columns padded to line up in a terminal.
  public var markdown: String {
    let cells = [headers] + rows
    var widths = headers.map { ReportText.markdownCell($0).count }
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count {
        widths[index] = max(widths[index], ReportText.markdownCell(cell).count, 3)
      }
    }
    func line(_ row: [String]) -> String {
      var parts: [String] = []
      for (index, width) in widths.enumerated() {
        let cell = ReportText.markdownCell(index < row.count ? row[index] : "")
        parts.append(numeric[index] ? HumanUnits.pad(cell, width) : HumanUnits.padRight(cell, width))
      }
      return "| " + parts.joined(separator: " | ") + " |"
    }
    var out = line(cells[0]) + "\n"
    out += "|" + widths.enumerated().map { index, width in
      numeric[index] ? " " + String(repeating: "-", count: width - 1) + ": " : " " + String(repeating: "-", count: width) + " "
    }.joined(separator: "|") + "|\n"
    for row in rows { out += line(row) + "\n" }
    return out
  }
}

extension SummaryTable {
  /// Shown where a value is absent.
  static let absent = "–"
  /// Shown for the decode re-read factor of a decode phase that read nothing (0 / 0 bytes):
  /// measured, not missing.
  static let noneRead = "none read"

  /// The tables of the report: the notebook's columns, the corrected figures, and, with
  /// repetitions, both again as median (min–max) per configuration.
  public var textTables: [TextTable] {
    var tables = [notebookTable, correctedTable]
    if let modelTable { tables.append(modelTable) }
    if hasRepetitions { tables += [notebookGroupTable, correctedGroupTable] }
    return tables
  }

  /// Notes under the tables: where inference time comes from, the peak window, failures.
  public var notes: [String] {
    var notes: [String] = []
    // Each note says what its number is, as the tool measured it.
    if rows.contains(where: { $0.inferenceSeconds != nil && !$0.inferenceIsWallTime }) {
      notes.append(
        "Inference time is llama.cpp's `total time`: from the end of its warm-up to its exit (prompt, decode and sampling); it does not include the load. Load time is llama.cpp's `load time`: the model's load (MAP_POPULATE reads the file) and the warm-up decode."
          + (rows.contains(where: { $0.inferenceIsWallTime }) ? " † marks the workload's wall time (start to exit, load included) where llama.cpp printed no timing line." : ""))
    } else if rows.contains(where: { $0.inferenceIsWallTime }) {
      notes.append("† Inference time is the workload's wall time (start to exit, load included): it printed no llama.cpp timing line.")
    }
    if rows.contains(where: { $0.tokensPerSecond != nil }) {
      notes.append("Tokens/s is llama.cpp's `eval time` line: generated tokens per second of decode, the prompt left out.")
    }
    if rows.contains(where: { $0.pageCacheDeltaBytes != nil }) {
      notes.append("Page-cache Δ is `Cached` of /proc/meminfo after the run less before: the whole machine's page cache, not the model's.")
    }
    let windows = Set(rows.compactMap(\.peakWindowSeconds)).sorted()
    if !windows.isEmpty {
      notes.append(
        "Bandwidth is counted at completions: average = bytes / (last completion − first issue); peak = most bytes completed in one "
          + windows.map { Self.seconds($0) }.joined(separator: ", ") + " window. p99 latency is of issue to completion.")
    }
    notes.append(
      "Total reads are block requests, each counted once. Sequential and backward % are of the gaps between consecutive operations on the disk; logical sequential % in file offsets. Unique bytes = size of the union of the byte ranges read; re-read factor = bytes read / unique bytes.")
    if rows.contains(where: { $0.decodeBytes != nil }) {
      notes.append(
        "Decode re-read = the decode phase's bytes / its unique bytes (\(Self.noneRead): the decode phase read nothing). Decode re-read per pass = the bytes the decode phase read again / model size / decode passes (the prompt pass and one per eval run, after llama.cpp's load time): 100% means every pass read the whole model again.")
    }
    notes += cliffNotes
    if rows.contains(where: { $0.budgetPressure != nil }) {
      notes.append(
        "Limit reached: whether the workload's memory ever hit its cgroup limit (memory.failcnt, + memory.memsw.failcnt, on cgroup v1; memory.events max on v2: how often a charge hit the limit, so the kernel reclaimed), with the count; \"no\" means the budget never constrained the run: it measured no pressure, whatever its size (peak = most memory charged, memory.max_usage_in_bytes or memory.peak, against the limit). Locks have no such counter.")
    }
    for row in rows {
      guard let pressure = row.budgetPressure, pressure.verdict == .noPressure else { continue }
      notes.append("\(row.experiment): \(pressure.sentence).")
    }
    if hasRepetitions {
      notes.append("Over repetitions: median (min–max) of the runs that finished; failed runs are counted in Runs but not in the statistics.")
    }
    for row in rows where row.status != .ok {
      notes.append("\(row.experiment): \(row.status.rawValue)\(row.error.map { " (\($0))" } ?? "").")
    }
    for row in rows where (row.lostEvents ?? 0) > 0 {
      notes.append("\(row.experiment): the tracer lost \(HumanUnits.grouped(row.lostEvents!)) events; its figures are incomplete.")
    }
    return notes
  }

  /// Where the budgets (and the locks) start to thrash, and the rule, when there is more
  /// than one configuration of a kind to compare.
  var cliffNotes: [String] {
    var notes: [String] = []
    for (cliff, kind, plural) in [(cliff, "budget", "budgets"), (lockCliff, "lock", "locks")] {
      let judged = configurations.filter { $0.verdict != .unknown && ($0.memory == .unconstrained ? false : (kind == "lock") == Self.isLock($0.memory)) }
      guard judged.count > 1 || cliff != nil else { continue }
      let bytes = { (value: UInt64) in HumanUnits.bytes(value) }
      if let cliff {
        notes.append(
          "Cliff (\(plural)): thrashes at \(ThrashingCliff.describe(cliff.thrashing, bytes: bytes)); calm at \(ThrashingCliff.describe(cliff.calm, bytes: bytes)). Verdict by the rule of `sweep --find-cliff`: \(cliff.ruleDescription).")
      } else {
        notes.append(
          "Cliff (\(plural)): none: no \(kind) that thrashes has a calm one with more memory (\(ThrashingCliff.rule(kind: kind, threshold: thrashShare))).")
      }
    }
    return notes
  }

  static func isLock(_ memory: ThrashingCliff.Run.Memory) -> Bool {
    if case .lock = memory { return true }
    return false
  }

  /// All tables and notes as Markdown.
  public var markdown: String {
    var out = ""
    for table in textTables {
      out += "### \(table.title)\n\n" + table.markdown + "\n"
    }
    for note in notes { out += "- \(note)\n" }
    return out
  }

  // MARK: - Tables

  private var notebookTable: TextTable {
    let memoryUnit = BinaryUnit(for: rows.flatMap { [$0.requestedBytes, $0.achievedBytes].compactMap { $0.map { Double($0) } } })
    let bytesUnit = BinaryUnit(for: rows.compactMap { $0.bytes.map { Double($0) } })
    let cacheUnit = BinaryUnit(for: rows.compactMap { $0.pageCacheDeltaBytes.map { Double($0) } })
    return TextTable(
      title: "Experiments (the notebook's columns)",
      headers: [
        "Experiment", "Lock/budget (\(memoryUnit.name), asked / achieved)", "Limit reached", "PID filter", "Sector filter", "Inference time (s)",
        "Load time (s)", "Tokens/s", "Total reads", "Bytes read (\(bytesUnit.name))", "Sequential %", "Backward %",
        "Page-cache Δ (\(cacheUnit.name))", "Status",
      ],
      numeric: [false, false, false, false, false, true, true, true, true, true, true, true, true, false],
      rows: rows.map { row in
        [
          row.experiment, Self.memory(row.memoryKind, row.requestedBytes, row.achievedBytes, memoryUnit), Self.limitReached(row.budgetPressure),
          row.ownerTasks.map { "\($0) task\($0 == 1 ? "" : "s")" } ?? Self.absent,
          row.sectorFilterFile.map { file in
            ReportText.basename(file) + (row.sectorFilterExtents.map { ", \($0) extent\($0 == 1 ? "" : "s")" } ?? "")
          } ?? Self.absent,
          row.inferenceSeconds.map { formatFixed($0, inferenceDigits) + (row.inferenceIsWallTime ? " †" : "") } ?? Self.absent,
          row.loadSeconds.map { formatFixed($0, inferenceDigits) } ?? Self.absent, Self.fixed(row.tokensPerSecond, 2), row.operations.map { HumanUnits.grouped($0) } ?? Self.absent,
          row.bytes.map { bytesUnit.format(Double($0)) } ?? Self.absent, Self.fixed(row.sequentialPercent, 1), Self.fixed(row.backwardPercent, 1),
          row.pageCacheDeltaBytes.map { cacheUnit.format(Double($0), signed: true) } ?? Self.absent, row.status.rawValue,
        ]
      })
  }

  private var correctedTable: TextTable {
    let uniqueUnit = BinaryUnit(for: rows.compactMap { $0.uniqueBytes.map { Double($0) } })
    let rateUnit = BinaryUnit(for: rows.flatMap { [$0.averageBytesPerSecond, $0.peakBytesPerSecond].compactMap { $0 } })
    return TextTable(
      title: "Corrected figures",
      headers: [
        "Experiment", "Unique bytes (\(uniqueUnit.name))", "Re-read factor", "Decode re-read", "Decode re-read per pass (% of model)",
        "Verdict", "Logical sequential %", "Avg bandwidth (\(rateUnit.name)/s)", "Peak bandwidth (\(rateUnit.name)/s)", "p99 latency (ms)",
        "Median request (KiB)", "p90 request (KiB)", "Lost events",
      ],
      numeric: [false, true, true, true, true, false, true, true, true, true, true, true, true],
      rows: rows.map { row in
        [
          row.experiment, row.uniqueBytes.map { uniqueUnit.format(Double($0)) } ?? Self.absent, Self.fixed(row.rereadFactor, 2),
          row.decodeBytes == 0 ? Self.noneRead : Self.fixed(row.decodeRereadFactor, 2), Self.fixed(row.decodeSharePerPass.map { $0 * 100 }, 1),
          row.cliffVerdict?.words ?? Self.absent, Self.fixed(row.logicalSequentialPercent, 1),
          row.averageBytesPerSecond.map { rateUnit.format($0) } ?? Self.absent, row.peakBytesPerSecond.map { rateUnit.format($0) } ?? Self.absent,
          row.latencyP99Nanoseconds.map { formatFixed(Double($0) / 1e6, 2) } ?? Self.absent,
          row.requestSizeMedianBytes.map { HumanUnits.kibibytes(Double($0)) } ?? Self.absent,
          row.requestSizeP90Bytes.map { HumanUnits.kibibytes(Double($0)) } ?? Self.absent,
          row.lostEvents.map { HumanUnits.grouped($0) } ?? Self.absent,
        ]
      })
  }

  /// How each run loaded its model and, for mixtures of experts, what its tokens pulled:
  /// only the columns some row has (a dense single-file model run shows its load mode alone).
  private var modelTable: TextTable? {
    let hasFiles = rows.contains { $0.modelFiles != nil }
    let hasExperts = rows.contains { $0.experts != nil }
    guard hasFiles || hasExperts || rows.contains(where: { $0.loadMode != nil }) else { return nil }
    var headers = ["Experiment", "Load mode"]
    var numeric = [false, false]
    if hasFiles {
      headers.append("Model files")
      numeric.append(true)
    }
    let perToken = BinaryUnit(for: rows.flatMap { [$0.experts?.expertBytesPerToken, $0.experts?.denseBytesPerToken].compactMap { $0 } })
    if hasExperts {
      headers += [
        "Experts per layer per token", "Reused from the token before %", "Ten hottest experts' share %",
        "Expert bytes per token (\(perToken.name))", "Dense bytes per token (\(perToken.name))", "Expert bytes by readahead %",
      ]
      numeric += [true, true, true, true, true, true]
    }
    return TextTable(
      title: "Model and load mode", headers: headers, numeric: numeric,
      rows: rows.map { row in
        var cells = [row.experiment, row.loadMode ?? Self.absent]
        if hasFiles { cells.append(row.modelFiles.map { "\($0)" } ?? "1") }
        if hasExperts {
          let experts = row.experts
          cells += [
            Self.fixed(experts?.perLayerPerToken, 2), Self.fixed(experts?.reusePercent, 1), Self.fixed(experts?.hotTenPercent, 1),
            experts?.expertBytesPerToken.map { perToken.format($0) } ?? Self.absent,
            experts?.denseBytesPerToken.map { perToken.format($0) } ?? Self.absent, Self.fixed(experts?.readaheadPercent, 1),
          ]
        }
        return cells
      })
  }

  private var notebookGroupTable: TextTable {
    let memoryUnit = BinaryUnit(for: groups.compactMap { $0.memoryBytes.map { Double($0) } })
    let bytesUnit = unit(of: "bytes_read")
    let cacheUnit = unit(of: "page_cache_delta_bytes")
    return TextTable(
      title: "Over repetitions (the notebook's columns): median (min–max)",
      headers: [
        "Configuration", "Lock/budget (\(memoryUnit.name))", "Runs (ok/all)", "Inference time (s)", "Load time (s)", "Tokens/s", "Total reads",
        "Bytes read (\(bytesUnit.name))", "Sequential %", "Backward %", "Page-cache Δ (\(cacheUnit.name))",
      ],
      numeric: [false, false, true, true, true, true, true, true, true, true, true],
      rows: groups.map { group in
        [
          group.label,
          group.memoryKind == .none ? "none" : "\(group.memoryKind.rawValue) " + (group.memoryBytes.map { memoryUnit.format(Double($0)) } ?? Self.absent),
          "\(group.okRuns)/\(group.runs)", spread(group, "inference_s") { formatFixed($0, inferenceDigits) },
          spread(group, "load_s") { formatFixed($0, inferenceDigits) },
          spread(group, "tokens_per_s") { formatFixed($0, 2) }, spread(group, "operations") { HumanUnits.grouped(Int64($0)) },
          spread(group, "bytes_read") { bytesUnit.format($0) }, spread(group, "sequential_pct") { formatFixed($0, 1) },
          spread(group, "backward_pct") { formatFixed($0, 1) }, spread(group, "page_cache_delta_bytes") { cacheUnit.format($0, signed: true) },
        ]
      })
  }

  private var correctedGroupTable: TextTable {
    let uniqueUnit = unit(of: "unique_bytes")
    let rateUnit = BinaryUnit(
      for: groups.flatMap { group in
        ["avg_bandwidth_bytes_per_s", "peak_bandwidth_bytes_per_s"].compactMap { group.statistics[$0]?.maximum.number }
      })
    return TextTable(
      title: "Over repetitions (corrected figures): median (min–max)",
      headers: [
        "Configuration", "Runs (ok/all)", "Unique bytes (\(uniqueUnit.name))", "Re-read factor", "Decode re-read",
        "Decode re-read per pass (% of model)", "Verdict", "Logical sequential %",
        "Avg bandwidth (\(rateUnit.name)/s)", "Peak bandwidth (\(rateUnit.name)/s)", "p99 latency (ms)", "Median request (KiB)",
        "p90 request (KiB)", "Lost events",
      ],
      numeric: [false, true, true, true, true, true, false, true, true, true, true, true, true, true],
      rows: groups.map { group in
        [
          group.label, "\(group.okRuns)/\(group.runs)", spread(group, "unique_bytes") { uniqueUnit.format($0) },
          spread(group, "reread_factor") { formatFixed($0, 2) },
          group.statistics["decode_bytes"]?.maximum == .integer(0) ? Self.noneRead : spread(group, "decode_reread_factor") { formatFixed($0, 2) },
          spread(group, "decode_reread_per_pass") { formatFixed($0 * 100, 1) }, group.verdict?.words ?? Self.absent,
          spread(group, "logical_sequential_pct") { formatFixed($0, 1) }, spread(group, "avg_bandwidth_bytes_per_s") { rateUnit.format($0) },
          spread(group, "peak_bandwidth_bytes_per_s") { rateUnit.format($0) }, spread(group, "latency_p99_ns") { formatFixed($0 / 1e6, 2) },
          spread(group, "request_size_median_bytes") { HumanUnits.kibibytes($0) }, spread(group, "request_size_p90_bytes") { HumanUnits.kibibytes($0) },
          spread(group, "lost_events") { HumanUnits.grouped(Int64($0)) },
        ]
      })
  }

  // MARK: - Cells

  /// Decimals of inference and load times: three when every run took under 10 s (short test
  /// runs), else two (the notebook's).
  var inferenceDigits: Int { rows.allSatisfy { max($0.inferenceSeconds ?? 0, $0.loadSeconds ?? 0) < 10 } ? 3 : 2 }

  private func unit(of key: String) -> BinaryUnit {
    BinaryUnit(for: groups.compactMap { group in group.statistics[key].map { max(abs($0.minimum.number ?? 0), abs($0.maximum.number ?? 0)) } })
  }

  /// `median (min–max)`, or the value alone when the runs agree or there is one.
  private func spread(_ group: ReportGroup, _ key: String, _ format: (Double) -> String) -> String {
    guard let spread = group.statistics[key], let median = spread.median.number else { return Self.absent }
    let low = format(spread.minimum.number ?? median)
    let high = format(spread.maximum.number ?? median)
    if spread.count == 1 || low == high { return format(median) }
    return "\(format(median)) (\(low)–\(high))"
  }

  static func memory(_ kind: ExperimentSummary.MemoryKind, _ requested: UInt64?, _ achieved: UInt64?, _ unit: BinaryUnit) -> String {
    guard kind != .none else { return "none" }
    let asked = requested.map { unit.format(Double($0)) } ?? absent
    let got = achieved.map { unit.format(Double($0)) } ?? absent
    return "\(kind.rawValue) \(asked) / \(got)"
  }

  static func fixed(_ value: Double?, _ digits: Int) -> String { value.map { formatFixed($0, digits) } ?? absent }

  /// `yes (1,834,221×)`, `no (peak 99.2%)`, `?`, or `–` without a cgroup budget.
  static func limitReached(_ pressure: BudgetPressure?) -> String {
    guard let pressure else { return absent }
    switch pressure.verdict {
    case .limitReached: return "yes" + (pressure.limitHits.map { " (\(HumanUnits.grouped($0))×)" } ?? "")
    case .noPressure: return "no" + (pressure.peakShareOfLimit.map { " (peak \(formatFixed($0 * 100, 1))%)" } ?? "")
    case .unknown: return "?"
    }
  }


  static func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int64(value)) s" : formatFixed(value, 3) + " s"
  }
}
