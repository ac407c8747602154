extension ExperimentPlots {
  /// Most time columns the heat map draws; longer runs average neighbouring samples.
  static let residencyColumns = 300

  /// The model's page-cache residency per layer over time, from residency.json (issue 14,
  /// item 2): one row per layer as in the layer-over-time plot above it (row −1: the tensors
  /// outside the blocks), one column per sample, darker = more of the layer cached. Under a
  /// budget the order in which layers fade is the kernel's eviction order. Nil without samples.
  var residencyPlot: Plot? {
    guard let residency, let times = residency["time_ns"]?.array?.compactMap(\.uint64), times.count > 0,
      let rows = residency["resident_bytes"]?.array, rows.count == times.count, let groups = residency["groups"]?.array, !groups.isEmpty
    else { return nil }
    let sizes = groups.map { Double($0["bytes"]?.uint64 ?? 0) }
    let rowOf = groups.map { Double($0["layer"]?.int ?? -1) }
    let layerCount = groups.compactMap { $0["layer"]?.int }.max().map { $0 + 1 } ?? 0
    // The same time origin as the layer-over-time plot, so the two line up.
    let start = data?.setup.timeRange?.lower ?? times[0]
    let seconds = { (time: UInt64) -> Double in Double(Int64(bitPattern: time &- start)) / 1e9 }
    let interval = Double(residency["interval_ns"]?.uint64 ?? 500_000_000) / 1e9
    let perColumn = max(1, (times.count + Self.residencyColumns - 1) / Self.residencyColumns)
    var rects: [PlotRect] = []
    var column = 0
    while column * perColumn < times.count {
      let first = column * perColumn
      let last = min(times.count, first + perColumn)
      let x0 = seconds(times[first])
      let x1 = last < times.count ? seconds(times[last]) : seconds(times[last - 1]) + interval
      for group in groups.indices where sizes[group] > 0 {
        var share = 0.0
        for sample in first..<last { share += Double(rows[sample].array?[group].uint64 ?? 0) / sizes[group] }
        share /= Double(last - first)
        if share > 0.005 { rects.append(PlotRect(x0: x0, x1: x1, y0: rowOf[group] - 0.5, y1: rowOf[group] + 0.5, opacity: min(1, share))) }
      }
      column += 1
    }
    let method = residency["method"]?.string ?? "?"
    let cost = residency["sampling_ns"]?.uint64.map { " Sampling took \(formatFixed(Double($0) / 1e6, 1)) ms in all." } ?? ""
    let caption =
      "\(HumanUnits.grouped(times.count)) samples every \(formatFixed(interval, 2)) s (\(method)) of each layer's bytes in the page cache; "
      + (perColumn > 1 ? "\(perColumn) samples averaged per column; " : "")
      + "darker = a larger share of the layer resident (white: none). Row −1: tensors outside the blocks.\(cost) From residency.json."
    var marks = [PlotMark("resident share", color: PlotPalette.logical, .rects(rects))]
    marks += layerRulesDecode(start: start)
    let end = max(seconds(times[times.count - 1]) + interval, data.map { seconds($0.setup.timeRange?.upper ?? $0.lastTime) } ?? 0)
    return Plot(
      id: "\(id)-residency", title: "Page-cache residency per layer over time", caption: caption,
      x: PlotAxis(label: "time since the first operation", lower: 0, upper: max(end, 1e-3), format: .seconds),
      y: PlotAxis(label: "layer", lower: -1.5, upper: Double(max(layerCount, 1)) - 0.5), marks: marks)
  }

  /// The decode boundary as a dashed rule, on a plot whose time origin is `start`.
  func layerRulesDecode(start: UInt64) -> [PlotMark] {
    guard let boundary = data?.setup.decodeBoundary ?? analysis?[path: "phases", "boundary_ns"]?.uint64 else { return [] }
    let x = Double(Int64(bitPattern: boundary &- start)) / 1e9
    return [PlotMark("decode starts", color: PlotPalette.marker, .verticalRule(x, label: "decode"), dashed: true)]
  }
}
