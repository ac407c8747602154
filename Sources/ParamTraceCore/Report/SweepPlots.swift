/// Plots across experiments: tokens/s and re-read factor against the memory budget (or the
/// locked memory), where the thrashing cliff shows; with a sweep's other axes, as small
/// multiples (`panels`).
public enum SweepPlots {
  /// Two plots per kind of memory pressure present (budget, lock); none without any. The
  /// yellow band is the table's cliff (`SummaryTable.cliff`, `lockCliff`): the rule
  /// `sweep --find-cliff` narrows by, so a report of separate runs and a sweep's own page agree.
  public static func plots(_ table: SummaryTable, id: String = "sweep") -> [Plot] {
    var plots: [Plot] = []
    for kind in [ExperimentSummary.MemoryKind.budget, .lock] {
      let rows = table.rows.filter { $0.memoryKind == kind && $0.memoryBytes != nil }
      guard !rows.isEmpty else { continue }
      if !table.axisNames.isEmpty {
        plots += panels(table, kind: kind, rows: rows, id: "\(id)-\(kind.rawValue)")
        continue
      }
      plots += pair(table, kind: kind, rows: rows, cliff: kind == .budget ? table.cliff : table.lockCliff, id: "\(id)-\(kind.rawValue)")
    }
    return plots
  }

  /// A group's median of `key`, with its memory bytes.
  struct Median {
    var bytes: Double
    var value: Double
    var label: String
  }

  /// Per configuration of `kind`, the median of `value` over its finished runs.
  static func medians(_ table: SummaryTable, kind: ExperimentSummary.MemoryKind, _ value: (ExperimentSummary) -> Double?) -> [Median] {
    table.groups.compactMap { group in
      let values = table.rows.filter { $0.label == group.label && $0.status == .ok }.compactMap(value)
      guard group.memoryKind == kind, let bytes = group.memoryBytes, let middle = median(of: values) else { return nil }
      return Median(bytes: Double(bytes), value: middle, label: group.label)
    }.sorted { $0.bytes < $1.bytes }
  }

  /// The median of `values` (mean of the two middle ones for an even count); nil when empty.
  static func median(of values: [Double]) -> Double? { ThrashingCliff.median(values) }

  /// `between cg4000 (3.91 GiB), which thrashes, and cg4200 (4.10 GiB), which is calm:
  /// tokens/s 0.51 → 5.47, decode re-read per pass 790.0% → 0.0%`, and the rule.
  static func cliffWords(_ cliff: ThrashingCliff) -> String {
    func side(_ configuration: ThrashingCliff.Configuration) -> String {
      configuration.label + (configuration.bytes.map { " (\(HumanUnits.bytes($0)))" } ?? "")
    }
    var changes: [String] = []
    if let a = cliff.thrashing.tokensPerSecond, let b = cliff.calm.tokensPerSecond {
      changes.append("tokens/s \(formatFixed(a, 2)) → \(formatFixed(b, 2))")
    }
    if cliff.thrashing.sharePerPass, cliff.calm.sharePerPass, let a = cliff.thrashing.thrashShare, let b = cliff.calm.thrashShare {
      changes.append("decode re-read per pass \(formatFixed(a * 100, 1))% → \(formatFixed(b * 100, 1))% of the model")
    }
    return "between \(side(cliff.thrashing)), which \(cliff.thrashing.verdict == .slowedDown ? "slows down" : "thrashes"), and \(side(cliff.calm)), which is calm"
      + (changes.isEmpty ? "" : ": " + changes.joined(separator: ", ")) + " (\(cliff.ruleDescription))"
  }

  /// Runs whose budget was never reached measured no pressure: the reader must know which
  /// dots those are.
  static func unreachedNote(_ rows: [ExperimentSummary]) -> String {
    let unreached = rows.filter { $0.budgetPressure?.verdict == .noPressure }.map(\.experiment)
    guard !unreached.isEmpty else { return "" }
    return " Never reached their memory limit (no pressure): " + unreached.joined(separator: ", ") + "."
  }

  static func pair(
    _ table: SummaryTable, kind: ExperimentSummary.MemoryKind, rows: [ExperimentSummary], cliff: ThrashingCliff?, id: String
  ) -> [Plot] {
    let what = kind == .budget ? "memory budget" : "memory locked"
    let unconstrained = table.rows.filter { $0.memoryKind == .none && $0.status == .ok }
    let modelSize = table.rows.compactMap(\.modelSizeBytes).first
    var xs = rows.compactMap(\.memoryBytes).map { Double($0) }
    if let modelSize { xs.append(Double(modelSize)) }
    let low = xs.min() ?? 1
    let high = xs.max() ?? 1
    let logScale = high / max(low, 1) >= 4
    let xAxis =
      logScale
      ? PlotAxis(label: what, lower: low / 1.3, upper: high * 1.3, scale: .log2, format: .bytes)
      : PlotAxis(label: what, lower: 0, upper: high * 1.1, format: .bytes)

    let reread = medians(table, kind: kind) { $0.rereadFactor }
    let decodeReread = medians(table, kind: kind) { $0.plottedDecodeRereadFactor }
    let tokens = medians(table, kind: kind) { $0.tokensPerSecond }
    var shared: [PlotMark] = []
    var cliffNote = ""
    if let cliff, let low = cliff.thrashing.bytes, let high = cliff.calm.bytes {
      shared.append(PlotMark("cliff", color: PlotPalette.cliff, .band(Double(min(low, high)), Double(max(low, high)), label: "cliff")))
      cliffNote = " Yellow band: the cliff, " + Self.cliffWords(cliff) + "."
    }
    if let modelSize {
      shared.append(PlotMark("model size", color: PlotPalette.extent, .verticalRule(Double(modelSize), label: "model " + HumanUnits.bytes(modelSize)), dashed: true))
    }
    let failed = rows.filter { $0.status != .ok }
    let configurations = Set(rows.map(\.label)).count
    let runsNote =
      "Each dot is one run (\(rows.count) runs, \(configurations) configurations\(failed.isEmpty ? "" : ", \(failed.count) failed: × at 0")); the line joins the medians."
      + (logScale ? " Memory on a log scale." : "")
      + Self.unreachedNote(rows)

    func runMarks(_ value: (ExperimentSummary) -> Double?, name: String, color: String) -> PlotMark {
      PlotMark(
        name, color: color,
        .points(rows.filter { $0.status == .ok }.compactMap { row in value(row).map { PlotPoint(Double(row.memoryBytes!), $0) } }, radius: 3.5))
    }
    func median(_ values: [Median]) -> [PlotPoint] { values.map { PlotPoint($0.bytes, $0.value) } }
    func unconstrainedRule(_ value: (ExperimentSummary) -> Double?, format: (Double) -> String) -> [PlotMark] {
      let values = unconstrained.compactMap(value)
      guard let middle = Self.median(of: values) else { return [] }
      return [
        PlotMark(
          "no budget (median of \(values.count))", color: PlotPalette.marker, .horizontalRule(middle, label: "no budget: " + format(middle)),
          dashed: true)
      ]
    }
    let failedMarks = failed.isEmpty ? [] : [PlotMark("failed runs", color: PlotPalette.failed, .crosses(failed.map { PlotPoint(Double($0.memoryBytes!), 0) }))]

    var plots: [Plot] = []
    // The axis covers the runs drawn and the unconstrained median (its runs are not drawn).
    let tokenValues = rows.compactMap(\.tokensPerSecond) + [Self.median(of: unconstrained.compactMap(\.tokensPerSecond))].compactMap { $0 }
    if tokenValues.isEmpty {
      plots.append(
        .empty(id: "\(id)-tokens", title: "Tokens/s against the \(what)", message: "no tokens/s: the workloads printed no llama.cpp timing lines"))
    } else {
      let marks =
        shared + [runMarks({ $0.tokensPerSecond }, name: "runs", color: PlotPalette.runs)]
        + [PlotMark("median", color: PlotPalette.load, .line(median(tokens)))] + unconstrainedRule({ $0.tokensPerSecond }) { formatFixed($0, 2) }
        + failedMarks
      plots.append(
        Plot(
          id: "\(id)-tokens", title: "Tokens/s against the \(what)", caption: "Decode tokens/s (llama.cpp's eval line). " + runsNote + cliffNote,
          x: xAxis, y: PlotAxis(label: "tokens/s", lower: 0, upper: (tokenValues.max() ?? 1) * 1.12), marks: marks))
    }
    let rereadValues =
      rows.compactMap(\.rereadFactor) + rows.compactMap(\.plottedDecodeRereadFactor) + [Self.median(of: unconstrained.compactMap(\.rereadFactor))].compactMap { $0 }
    if rereadValues.isEmpty {
      plots.append(.empty(id: "\(id)-reread", title: "Re-read factor against the \(what)", message: "no analysis: re-read factors are unknown"))
    } else {
      var marks = shared + [runMarks({ $0.rereadFactor }, name: "runs (whole run)", color: PlotPalette.runs)]
      marks.append(PlotMark("whole run (median)", color: PlotPalette.load, .line(median(reread))))
      if !decodeReread.isEmpty {
        marks.append(runMarks({ $0.plottedDecodeRereadFactor }, name: "runs (decode)", color: "#f2a58f"))
        marks.append(PlotMark("decode phase (median)", color: PlotPalette.decode, .line(median(decodeReread))))
      }
      marks += unconstrainedRule({ $0.rereadFactor }) { formatFixed($0, 2) + "×" } + failedMarks
      plots.append(
        Plot(
          id: "\(id)-reread", title: "Re-read factor against the \(what)",
          caption: "Bytes read / unique bytes: 1 = every byte read once; N = the model read N times over"
            + (decodeReread.isEmpty ? ". " : "; a decode phase that read nothing is drawn at 1 (nothing read again). ") + runsNote + cliffNote, x: xAxis,
          y: PlotAxis(label: "re-read factor", lower: 0, upper: max(rereadValues.max() ?? 1, 1) * 1.12), marks: marks))
    }
    return plots
  }
}
