/// Plots across experiments: tokens/s and re-read factor against the memory budget (or the
/// locked memory), where the thrashing cliff shows.
public enum SweepPlots {
  /// Two plots per kind of memory pressure present (budget, lock); none without any.
  ///
  /// - Parameter measuredCliff: the largest budget that thrashed and the smallest that did
  ///   not, as `sweep --find-cliff` found them; without it the band marks the largest jump
  ///   between neighbouring budgets.
  public static func plots(_ table: SummaryTable, measuredCliff: (thrashing: UInt64, calm: UInt64)? = nil, id: String = "sweep") -> [Plot] {
    var plots: [Plot] = []
    for kind in [ExperimentSummary.MemoryKind.budget, .lock] {
      let rows = table.rows.filter { $0.memoryKind == kind && $0.memoryBytes != nil }
      guard !rows.isEmpty else { continue }
      plots += pair(table, kind: kind, rows: rows, measuredCliff: kind == .budget ? measuredCliff : nil, id: "\(id)-\(kind.rawValue)")
    }
    return plots
  }

  /// A group's median of `key`, with its memory bytes.
  struct Median {
    var bytes: Double
    var value: Double
    var label: String
  }

  static func medians(_ table: SummaryTable, kind: ExperimentSummary.MemoryKind, key: String) -> [Median] {
    table.groups.compactMap { group in
      guard group.memoryKind == kind, let bytes = group.memoryBytes, let value = group.statistics[key]?.median.number else { return nil }
      return Median(bytes: Double(bytes), value: value, label: group.label)
    }.sorted { $0.bytes < $1.bytes }
  }

  /// The median of `values` (mean of the two middle ones for an even count); nil when empty.
  static func median(of values: [Double]) -> Double? {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return nil }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }

  /// The largest jump between neighbouring configurations (by memory), when it is at least 1.5×.
  static func cliff(_ medians: [Median]) -> (lower: Median, upper: Median, ratio: Double)? {
    var best: (Median, Median, Double)?
    for (a, b) in zip(medians, medians.dropFirst()) where a.value > 0 && b.value > 0 && a.bytes < b.bytes {
      let ratio = max(a.value / b.value, b.value / a.value)
      if ratio >= 1.5, ratio > (best?.2 ?? 0) { best = (a, b, ratio) }
    }
    return best
  }

  static func pair(
    _ table: SummaryTable, kind: ExperimentSummary.MemoryKind, rows: [ExperimentSummary], measuredCliff: (thrashing: UInt64, calm: UInt64)?,
    id: String
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

    let reread = medians(table, kind: kind, key: "reread_factor")
    let decodeReread = medians(table, kind: kind, key: "decode_reread_factor")
    let tokens = medians(table, kind: kind, key: "tokens_per_s")
    let cliffSource = !decodeReread.isEmpty ? ("decode re-read factor", decodeReread) : !reread.isEmpty ? ("re-read factor", reread) : ("tokens/s", tokens)
    let cliffFound = cliff(cliffSource.1)
    var shared: [PlotMark] = []
    var cliffNote = ""
    if let measuredCliff {
      shared.append(
        PlotMark("cliff", color: PlotPalette.cliff, .band(Double(measuredCliff.thrashing), Double(measuredCliff.calm), label: "cliff")))
      cliffNote =
        " Yellow band: the cliff as the sweep narrowed it, between \(HumanUnits.bytes(measuredCliff.thrashing)) (thrashes) and \(HumanUnits.bytes(measuredCliff.calm)) (does not)."
    } else if let cliffFound {
      shared.append(PlotMark("cliff", color: PlotPalette.cliff, .band(cliffFound.lower.bytes, cliffFound.upper.bytes, label: "cliff")))
      cliffNote =
        " Yellow band: the largest change between neighbouring \(kind == .budget ? "budgets" : "locks"), \(cliffSource.0) ×\(formatFixed(cliffFound.ratio, 1)) between \(HumanUnits.bytes(cliffFound.lower.bytes)) and \(HumanUnits.bytes(cliffFound.upper.bytes))."
    }
    if let modelSize {
      shared.append(PlotMark("model size", color: PlotPalette.extent, .verticalRule(Double(modelSize), label: "model " + HumanUnits.bytes(modelSize)), dashed: true))
    }
    let failed = rows.filter { $0.status != .ok }
    let configurations = Set(rows.map(\.label)).count
    let runsNote =
      "Each dot is one run (\(rows.count) runs, \(configurations) configurations\(failed.isEmpty ? "" : ", \(failed.count) failed: × at 0")); the line joins the medians."
      + (logScale ? " Memory on a log scale." : "")

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
      rows.compactMap(\.rereadFactor) + rows.compactMap(\.decodeRereadFactor) + [Self.median(of: unconstrained.compactMap(\.rereadFactor))].compactMap { $0 }
    if rereadValues.isEmpty {
      plots.append(.empty(id: "\(id)-reread", title: "Re-read factor against the \(what)", message: "no analysis: re-read factors are unknown"))
    } else {
      var marks = shared + [runMarks({ $0.rereadFactor }, name: "runs (whole run)", color: PlotPalette.runs)]
      marks.append(PlotMark("whole run (median)", color: PlotPalette.load, .line(median(reread))))
      if !decodeReread.isEmpty {
        marks.append(runMarks({ $0.decodeRereadFactor }, name: "runs (decode)", color: "#f2a58f"))
        marks.append(PlotMark("decode phase (median)", color: PlotPalette.decode, .line(median(decodeReread))))
      }
      marks += unconstrainedRule({ $0.rereadFactor }) { formatFixed($0, 2) + "×" } + failedMarks
      plots.append(
        Plot(
          id: "\(id)-reread", title: "Re-read factor against the \(what)",
          caption: "Bytes read / unique bytes: 1 = every byte read once; N = the model read N times over. " + runsNote + cliffNote, x: xAxis,
          y: PlotAxis(label: "re-read factor", lower: 0, upper: max(rereadValues.max() ?? 1, 1) * 1.12), marks: marks))
    }
    return plots
  }
}
