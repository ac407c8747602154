extension SweepPlots {
  /// Colours of the series within a panel (one per combination of the axes after the panel's).
  static let seriesColors = [PlotPalette.load, PlotPalette.decode, PlotPalette.logical, PlotPalette.layer, "#ff8ab7", "#97bbf5", "#9c6b4e", "#6cc5b0"]

  /// One metric the panels draw against memory.
  struct PanelMetric: Sendable {
    var key: String
    var title: String
    var axisLabel: String
    var value: @Sendable (ExperimentSummary) -> Double?
  }

  static let panelMetrics = [
    PanelMetric(key: "tokens", title: "Tokens/s", axisLabel: "tokens/s") { $0.tokensPerSecond },
    PanelMetric(key: "reread", title: "Re-read factor", axisLabel: "re-read factor") { $0.rereadFactor },
  ]

  /// Small multiples for a sweep with axes besides memory: for each metric, one panel per
  /// value of the first axis after memory (`table.axisNames[0]`), all panels on the same
  /// x and y ranges so they compare at a glance; within a panel one coloured series per
  /// combination of the remaining axes (dots: runs; line: medians per memory configuration),
  /// and the cliff's band when the panel holds one series that has a cliff.
  static func panels(_ table: SummaryTable, kind: ExperimentSummary.MemoryKind, rows: [ExperimentSummary], id: String) -> [Plot] {
    guard let panelAxis = table.axisNames.first else { return [] }
    let seriesAxes = Array(table.axisNames.dropFirst())
    let what = kind == .budget ? "memory budget" : "memory locked"
    func value(_ row: ExperimentSummary, _ name: String) -> String { row.axes.first { $0.name == name }?.value ?? "–" }
    var panelValues: [String] = []
    for row in rows where !panelValues.contains(value(row, panelAxis)) { panelValues.append(value(row, panelAxis)) }
    let unconstrained = table.rows.filter { $0.memoryKind == .none && $0.status == .ok }
    let modelSize = table.rows.compactMap(\.modelSizeBytes).first
    let xAxis = memoryAxis(rows, modelSize: modelSize, label: what)

    var plots: [Plot] = []
    for metric in panelMetrics {
      let values = (rows + unconstrained).filter { $0.status == .ok }.compactMap(metric.value)
      guard let highest = values.max() else {
        plots.append(.empty(id: "\(id)-\(metric.key)", title: "\(metric.title) against the \(what)", message: "no values in any run"))
        continue
      }
      let yAxis = PlotAxis(label: metric.axisLabel, lower: 0, upper: max(highest, metric.key == "reread" ? 1 : 0) * 1.12)
      for (panelIndex, panelValue) in panelValues.enumerated() {
        let members = rows.filter { value($0, panelAxis) == panelValue }
        var series: [[SweepAxisValue]] = []
        for row in members {
          let key = seriesAxes.map { SweepAxisValue(name: $0, value: value(row, $0)) }
          if !series.contains(key) { series.append(key) }
        }
        var marks: [PlotMark] = []
        var cliffNote = ""
        if series.count == 1, let axes = members.first?.axes,
          let entry = table.cliffs.first(where: { $0.axes == axes }), let cliff = kind == .budget ? entry.cliff : entry.lockCliff,
          let low = cliff.thrashing.bytes, let high = cliff.calm.bytes
        {
          marks.append(PlotMark("cliff", color: PlotPalette.cliff, .band(Double(min(low, high)), Double(max(low, high)), label: "cliff")))
          cliffNote = " Yellow band: the cliff, " + cliffWords(cliff) + "."
        }
        if let modelSize {
          marks.append(PlotMark("model size", color: PlotPalette.extent, .verticalRule(Double(modelSize), label: "model " + HumanUnits.bytes(modelSize)), dashed: true))
        }
        for (index, key) in series.enumerated() {
          func inSeries(_ row: ExperimentSummary) -> Bool { key.allSatisfy { value(row, $0.name) == $0.value } && row.status == .ok }
          let name = key.isEmpty ? "runs, median" : SweepAxisValue.describe(key)
          let color = seriesColors[index % seriesColors.count]
          let points = members.filter(inSeries).compactMap { row in metric.value(row).map { PlotPoint(Double(row.memoryBytes!), $0) } }
          marks.append(PlotMark(name, color: color, .points(points, radius: 3)))
          marks.append(PlotMark(name, color: color, .line(medianLine(points)), inLegend: false))
          // The same series without a budget: its median as a dashed rule in its colour.
          let free = unconstrained.filter { value($0, panelAxis) == panelValue && inSeries($0) }.compactMap(metric.value)
          if let middle = median(of: free) {
            marks.append(PlotMark(name + ", no budget", color: color, .horizontalRule(middle, label: nil), dashed: true, inLegend: false))
          }
        }
        let failed = members.filter { $0.status != .ok }
        if !failed.isEmpty {
          marks.append(PlotMark("failed runs", color: PlotPalette.failed, .crosses(failed.map { PlotPoint(Double($0.memoryBytes!), 0) })))
        }
        var plot = Plot(
          id: "\(id)-\(metric.key)-\(panelIndex + 1)", title: "\(metric.title): \(panelAxis)=\(panelValue)",
          caption:
            "Panel \(panelIndex + 1) of \(panelValues.count), against the \(what); all panels share their axes. Dots: runs (\(members.count), \(failed.count) failed); lines: medians; dashed: the median without a budget"
            + (seriesAxes.isEmpty ? "" : "; colour: \(seriesAxes.joined(separator: ", "))") + "." + unreachedNote(members) + cliffNote,
          x: xAxis, y: yAxis, marks: marks)
        plot.plotWidth = 380
        plot.plotHeight = 170
        plots.append(plot)
      }
    }
    return plots
  }

  /// The memory axis shared by the panels: log scale when the budgets span 4× or more.
  static func memoryAxis(_ rows: [ExperimentSummary], modelSize: UInt64?, label: String) -> PlotAxis {
    var xs = rows.compactMap(\.memoryBytes).map { Double($0) }
    if let modelSize { xs.append(Double(modelSize)) }
    let low = xs.min() ?? 1
    let high = xs.max() ?? 1
    return high / max(low, 1) >= 4
      ? PlotAxis(label: label, lower: low / 1.3, upper: high * 1.3, scale: .log2, format: .bytes)
      : PlotAxis(label: label, lower: 0, upper: high * 1.1, format: .bytes)
  }

  /// The median y at each x, in x order.
  static func medianLine(_ points: [PlotPoint]) -> [PlotPoint] {
    var byX: [Double: [Double]] = [:]
    for point in points { byX[point.x, default: []].append(point.y) }
    return byX.keys.sorted().compactMap { x in median(of: byX[x]!).map { PlotPoint(x, $0) } }
  }
}
