/// The plots of one experiment: disk sector and file offset over time, layer over time,
/// completion bandwidth over time, gap classes and request sizes.
public struct ExperimentPlots: Sendable {
  /// Prefix of the plots' element ids (unique within a page).
  public var id: String
  /// The experiment's row (filters, bandwidth figures for captions).
  public var summary: ExperimentSummary
  /// Its manifest.json (extents) and analysis.json (gaps, sizes, tensors, phases).
  public var manifest: ParsedJSON?
  public var analysis: ParsedJSON?
  /// The trace pass's result; nil when the trace could not be read.
  public var data: TracePlotData?
  /// Why there is no trace data, in words.
  public var traceProblem: String?

  public init(
    id: String, summary: ExperimentSummary, manifest: ParsedJSON?, analysis: ParsedJSON?, data: TracePlotData?, traceProblem: String? = nil
  ) {
    self.id = id
    self.summary = summary
    self.manifest = manifest
    self.analysis = analysis
    self.data = data
    self.traceProblem = traceProblem
  }

  /// All plots, in page order.
  public var plots: [Plot] { [sectorPlot, offsetPlot, layerPlot, bandwidthPlot, gapPlot, sizePlot] }

  // MARK: - Shared pieces

  /// Trace time of x = 0.
  var origin: UInt64 { data?.setup.timeRange?.lower ?? min(data?.firstTime ?? 0, data?.lastTime ?? 0) }

  func seconds(_ time: UInt64) -> Double { Double(Int64(bitPattern: time &- origin)) / 1e9 }

  var timeAxis: PlotAxis {
    let upper = data.map { data in data.setup.timeRange?.upper ?? data.lastTime } ?? origin
    return PlotAxis(label: "time since the first operation", lower: 0, upper: max(seconds(upper), 1e-3), format: .seconds)
  }

  var phased: Bool { data?.setup.decodeBoundary != nil }

  var phaseNames: [String] { phased ? ["load", "decode"] : ["operations"] }

  var decodeRule: [PlotMark] {
    guard let boundary = data?.setup.decodeBoundary else { return [] }
    return [PlotMark("decode starts", color: PlotPalette.marker, .verticalRule(seconds(boundary), label: "decode"), dashed: true)]
  }

  /// The filters in words, for captions.
  var filterWords: String {
    var parts: [String] = []
    if let tasks = summary.ownerTasks { parts.append("\(tasks) workload task\(tasks == 1 ? "" : "s")") }
    if let file = summary.sectorFilterFile {
      parts.append(
        (summary.sectorFilterExtents.map { "the \($0) extent\($0 == 1 ? "" : "s") of " } ?? "") + ReportText.basename(file))
    }
    return parts.isEmpty ? "no filter" : parts.joined(separator: ", ")
  }

  var phaseWords: String {
    phased ? "colored by phase (decode from the load time llama.cpp printed)" : "phases unknown (no load time in the workload's output)"
  }

  /// A warning when the trace read here does not give the operations analysis.json counted
  /// (a cut or replaced trace).
  var traceNote: String {
    guard let data, let expected = data.setup.expectedOperations, expected != data.operations else { return "" }
    return " Note: the trace holds \(HumanUnits.grouped(data.operations)) of the \(HumanUnits.grouped(expected)) operations analysis.json counted; it is not the whole trace that was analyzed."
  }

  func noDataPlot(_ suffix: String, _ title: String) -> Plot? {
    guard let data else {
      return .empty(id: "\(id)-\(suffix)", title: title, message: traceProblem ?? "the trace could not be read")
    }
    if data.operations == 0 {
      return .empty(id: "\(id)-\(suffix)", title: title, message: "no operation passed the filters (\(filterWords))")
    }
    return nil
  }

  /// Density cells of one grid as rectangles in (seconds, value) coordinates: each run of
  /// horizontally adjacent cells with the same opacity level (8 levels, by log count) is one
  /// rectangle.
  func cellMarks(_ grid: DensityGrid) -> [PlotMark] {
    let maximum = max(grid.maximum, 1)
    let scale = PlotAxis.log2(Double(maximum) + 1)
    func level(_ weight: UInt64) -> Int {
      guard weight > 0 else { return 0 }
      guard scale > 0 else { return 8 }
      return max(1, min(8, Int((PlotAxis.log2(Double(weight) + 1) / scale * 8).rounded(.up))))
    }
    var marks: [PlotMark] = []
    for layer in 0..<min(grid.layers, phaseNames.count) {
      var rects: [PlotRect] = []
      for row in 0..<grid.rows {
        var column = 0
        while column < grid.columns {
          let current = level(grid.weight(column: column, row: row, layer: layer))
          guard current > 0 else {
            column += 1
            continue
          }
          var end = column + 1
          while end < grid.columns, level(grid.weight(column: end, row: row, layer: layer)) == current { end += 1 }
          rects.append(
            PlotRect(
              x0: seconds(grid.x.start(of: column)), x1: seconds(grid.x.start(of: end)), y0: Double(grid.y.start(of: row)),
              y1: Double(grid.y.start(of: row + 1)), opacity: 0.35 + 0.65 * Double(current) / 8))
          column = end
        }
      }
      marks.append(PlotMark(phaseNames[layer], color: layer == 0 ? PlotPalette.load : PlotPalette.decode, .rects(rects)))
    }
    return marks.filter { if case .rects(let rects) = $0.shape { !rects.isEmpty } else { true } }
  }

  func binnedCaption(_ grid: DensityGrid, _ what: String) -> String {
    let cells = grid.nonEmpty.count
    return "\(HumanUnits.grouped(grid.points)) operations (\(filterWords)) binned into \(grid.columns)×\(grid.rows) cells of time × \(what) "
      + "(\(HumanUnits.grouped(cells)) non-empty); darker = more operations (8 levels of opacity, log scale); \(phaseWords)."
  }

  // MARK: - Sector and offset over time

  var sectorPlot: Plot {
    let title = "Disk sector over time"
    if let empty = noDataPlot("sector", title) { return empty }
    let data = data!
    let grid = data.sectorGrid
    var lower = Double(grid.y.origin)
    var upper = Double(grid.y.end)
    if grid.y.growing, let occupied = grid.occupied {
      lower = Double(grid.y.start(of: occupied.rows.lowerBound))
      upper = Double(grid.y.start(of: occupied.rows.upperBound + 1))
    }
    var marks: [PlotMark]
    var caption: String
    if let points = data.points {
      marks = pointMarks(points) {
        PlotRect(x0: seconds($0.time), x1: seconds($0.time), y0: Double($0.sector), y1: Double($0.sector + UInt64($0.sectors)))
      }
      if let range = points.map({ Double($0.sector) }).min(), grid.y.growing {
        lower = min(lower, range)
        upper = max(upper, points.map { Double($0.sector + UInt64($0.sectors)) }.max() ?? upper)
      }
      caption =
        "\(HumanUnits.grouped(points.count)) operations (\(filterWords)), one mark each: its first sector, as tall as it is long; \(phaseWords)."
    } else {
      marks = cellMarks(grid)
      caption = binnedCaption(grid, "sector")
    }
    caption += traceNote
    return Plot(
      id: "\(id)-sector", title: title, caption: caption, x: timeAxis, y: PlotAxis(label: "disk sector (512 B)", lower: lower, upper: upper),
      marks: marks + decodeRule)
  }

  /// One mark per phase (one in all without phases) of the operations' rectangles; `rect`
  /// nil leaves an operation out.
  private func pointMarks(_ points: [TracePlotData.Operation], _ rect: (TracePlotData.Operation) -> PlotRect?) -> [PlotMark] {
    let phases = phased ? [false, true] : [false]
    return phases.map { decode in
      PlotMark(
        phaseNames[decode ? 1 : 0], color: decode ? PlotPalette.decode : PlotPalette.load,
        .rects(points.filter { $0.decode == decode }.compactMap(rect)))
    }
  }

  var offsetPlot: Plot {
    let title = "File offset over time"
    if let empty = noDataPlot("offset", title) { return empty }
    let data = data!
    guard let grid = data.offsetGrid, let fileSize = data.setup.fileSize else {
      return .empty(
        id: "\(id)-offset", title: title, message: "no file extents in the manifest: file offsets are unknown (record with --model MODEL)")
    }
    var marks: [PlotMark]
    var caption: String
    if let points = data.points {
      marks = pointMarks(points) { point in
        point.fileOffset.map {
          PlotRect(x0: seconds(point.time), x1: seconds(point.time), y0: Double($0), y1: Double($0 + point.fileBytes))
        }
      }
      caption = "\(HumanUnits.grouped(points.count)) operations (\(filterWords)), one mark each: its first byte in the file, as tall as its bytes in the file; \(phaseWords)."
    } else {
      marks = cellMarks(grid)
      caption = binnedCaption(grid, "file offset")
    }
    let (extentMarks, extentNote) = extentRules
    let (layerMarks, layerNote) = layerRules
    caption += extentNote + layerNote + traceNote
    return Plot(
      id: "\(id)-offset", title: title, caption: caption, x: timeAxis,
      y: PlotAxis(label: "file offset", lower: 0, upper: Double(fileSize), format: .bytes),
      marks: extentMarks + layerMarks + marks + decodeRule)
  }

  /// Grey dashed lines where one extent ends and the next begins in the file.
  var extentRules: ([PlotMark], String) {
    let starts = (manifest?[path: "model", "extents"]?.array ?? []).compactMap { $0.array?.first?.uint64 }.filter { $0 > 0 }.sorted()
    guard !starts.isEmpty else { return ([], "") }
    let limit = 300
    let drawn = starts.count <= limit ? starts : stride(from: 0, to: starts.count, by: (starts.count + limit - 1) / limit).map { starts[$0] }
    let marks = drawn.enumerated().map { index, start in
      PlotMark("extent boundary", color: PlotPalette.extent, .horizontalRule(Double(start), label: nil), dashed: true, inLegend: index == 0)
    }
    let note =
      drawn.count == starts.count
      ? " Dashed grey: the \(starts.count) extent boundar\(starts.count == 1 ? "y" : "ies")."
      : " Dashed grey: \(drawn.count) of the \(starts.count) extent boundaries (every \((starts.count + limit - 1) / limit)th)."
    return (marks, note)
  }

  /// Purple lines where each layer's first tensor starts in the file (from analysis.json's
  /// tensor table).
  var layerRules: ([PlotMark], String) {
    var starts: [Int: UInt64] = [:]
    for tensor in analysis?[path: "tensors", "tensors"]?.array ?? [] {
      guard let layer = tensor["layer"]?.int, let offset = tensor["offset"]?.uint64 else { continue }
      starts[layer] = min(starts[layer] ?? .max, offset)
    }
    guard !starts.isEmpty else { return ([], "") }
    let marks = starts.sorted { $0.value < $1.value }.enumerated().map { index, entry in
      PlotMark("layer start", color: PlotPalette.layer, .horizontalRule(Double(entry.value), label: "blk.\(entry.key)"), inLegend: index == 0)
    }
    let order = (analysis?[path: "tensors", "file_order_differs_from_layer_order"]?.bool ?? false) ? " (stored out of layer order)" : ""
    return (marks, " Purple: where each of the \(starts.count) layers starts in the file\(order).")
  }

  // MARK: - Layer over time

  var layerPlot: Plot {
    let title = "Layer over time"
    let plotID = "\(id)-layers"
    guard let tensors = analysis?["tensors"], !tensors.isNull else {
      return .empty(id: plotID, title: title, message: "no model layout: record with --model MODEL (GGUF or safetensors) to see layers")
    }
    let runs = tensors["layer_timeline"]?.array ?? []
    guard !runs.isEmpty else { return .empty(id: plotID, title: title, message: "no read was attributed to a layer") }
    let layerCount = (tensors["layers"]?.array ?? []).compactMap { $0["layer"]?.int }.max().map { $0 + 1 } ?? 0
    let boundary = data?.setup.decodeBoundary ?? analysis?[path: "phases", "boundary_ns"]?.uint64
    let start = data?.setup.timeRange?.lower ?? runs.compactMap { $0.array?.first?.uint64 }.min() ?? 0
    let end = data?.setup.timeRange?.upper ?? runs.compactMap { $0.array?.count ?? 0 > 1 ? $0.array![1].uint64 : nil }.max() ?? start
    let seconds = { (time: UInt64) -> Double in Double(Int64(bitPattern: time &- start)) / 1e9 }
    let names = phased || boundary != nil ? ["load", "decode"] : ["reads"]
    var byPhase: [[PlotRect]] = Array(repeating: [], count: names.count)
    let limit = 6000
    var caption: String
    if runs.count <= limit {
      for run in runs {
        guard let fields = run.array, fields.count >= 3, let runStart = fields[0].uint64, let runEnd = fields[1].uint64 else { continue }
        let row = Double(fields[2].int ?? -1)
        let phase = boundary.map { runStart >= $0 ? 1 : 0 } ?? 0
        byPhase[min(phase, names.count - 1)].append(PlotRect(x0: seconds(runStart), x1: seconds(runEnd), y0: row - 0.4, y1: row + 0.4))
      }
      caption = "\(HumanUnits.grouped(runs.count)) runs of consecutive reads of one layer, one bar each (from analysis.json)"
    } else {
      // Many runs: a time × layer grid, one count per run at its start.
      let columns = 280
      var grid = DensityGrid(
        x: .fixed(lower: start, upper: max(end, start + 1), count: columns), y: .fixed(origin: 0, width: 1, count: layerCount + 1),
        layers: names.count)
      for run in runs {
        guard let fields = run.array, fields.count >= 3, let runStart = fields[0].uint64 else { continue }
        let row = UInt64((fields[2].int ?? -1) + 1)
        grid.add(x: runStart, y: row, layer: min(boundary.map { runStart >= $0 ? 1 : 0 } ?? 0, names.count - 1))
      }
      let maximum = Double(max(grid.maximum, 1))
      for cell in grid.nonEmpty {
        byPhase[cell.layer].append(
          PlotRect(
            x0: seconds(grid.x.start(of: cell.column)), x1: seconds(grid.x.start(of: cell.column + 1)), y0: Double(cell.row) - 1.4,
            y1: Double(cell.row) - 0.6, opacity: 0.25 + 0.75 * PlotAxis.log2(Double(cell.weight) + 1) / PlotAxis.log2(maximum + 1)))
      }
      caption = "\(HumanUnits.grouped(runs.count)) runs of consecutive reads of one layer binned into \(columns) time bins per layer (darker = more runs)"
    }
    if tensors["layer_timeline_truncated"]?.bool == true { caption += "; analysis.json's timeline is truncated (layer_timeline_truncated: it stops before the run ends)" }
    caption += ". Row −1: tensors outside the blocks (embeddings, output)."
    var marks: [PlotMark] = []
    for (index, name) in names.enumerated() where !byPhase[index].isEmpty {
      marks.append(PlotMark(name, color: index == 1 ? PlotPalette.decode : PlotPalette.load, .rects(byPhase[index])))
    }
    if let boundary {
      marks.append(PlotMark("decode starts", color: PlotPalette.marker, .verticalRule(seconds(boundary), label: "decode"), dashed: true))
    }
    return Plot(
      id: plotID, title: title, caption: caption,
      x: PlotAxis(label: "time since the first operation", lower: 0, upper: max(seconds(end), 1e-3), format: .seconds),
      y: PlotAxis(label: "layer", lower: -1.5, upper: Double(max(layerCount, 1)) - 0.5), marks: marks)
  }

  // MARK: - Bandwidth

  var bandwidthPlot: Plot {
    let title = "Completion bandwidth over time"
    if let empty = noDataPlot("bandwidth", title) { return empty }
    let data = data!
    guard data.completions > 0 else {
      return .empty(
        id: "\(id)-bandwidth", title: title, message: "the trace has no completion times: bandwidth by completion is unavailable")
    }
    let grid = data.completedBytes
    let width = Double(grid.x.width)
    var points: [PlotPoint] = []
    var peak = 0.0
    let occupied = grid.occupied?.columns ?? 0...0
    for column in occupied {
      let rate = Double(grid.weight(column: column, row: 0)) * 1e9 / width
      peak = max(peak, rate)
      points.append(PlotPoint(seconds(grid.x.start(of: column)), rate))
      points.append(PlotPoint(seconds(grid.x.start(of: column + 1)), rate))
    }
    var marks = [PlotMark("completed bytes per bin", color: PlotPalette.load, .line(points))]
    if let average = summary.averageBytesPerSecond {
      marks.append(
        PlotMark(
          "average (first issue to last completion)", color: PlotPalette.marker, .horizontalRule(average, label: "average " + HumanUnits.rate(average)),
          dashed: true))
    }
    var caption =
      "Bytes of \(HumanUnits.grouped(data.completions)) operations (\(filterWords)) summed by completion time in \(HumanUnits.grouped(occupied.count)) bins of \(Self.duration(grid.x.width))"
      + " (\(HumanUnits.grouped(data.completions / max(occupied.count, 1))) completions per bin on average"
      + (data.setup.expectedOperations != nil
        ? "; a bin is never shorter than \(data.setup.completionsPerBin) completions take on average, because shorter bins show impossible peaks)."
        : ").")
    if let peakWindow = summary.peakBytesPerSecond, let window = summary.peakWindowSeconds {
      caption += " Peak over a \(SummaryTable.seconds(window)) window: \(HumanUnits.rate(peakWindow)); the highest bin: \(HumanUnits.rate(peak))."
    }
    let axisUpper = max(peak, summary.averageBytesPerSecond ?? 0) * 1.08
    return Plot(
      id: "\(id)-bandwidth", title: title, caption: caption, x: timeAxis,
      y: PlotAxis(label: "completed", lower: 0, upper: max(axisUpper, 1), format: .bytesPerSecond), marks: marks + decodeRule)
  }

  static func duration(_ nanoseconds: UInt64) -> String {
    let value = Double(nanoseconds)
    if value >= 1e9 { return trimmed(value / 1e9) + " s" }
    if value >= 1e6 { return trimmed(value / 1e6) + " ms" }
    if value >= 1e3 { return trimmed(value / 1e3) + " µs" }
    return "\(nanoseconds) ns"
  }

  static func trimmed(_ value: Double) -> String {
    var text = formatFixed(value, 3)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }

  // MARK: - Gaps and sizes (from analysis.json)

  var gapPlot: Plot {
    let title = "Gap classes: physical and logical"
    let plotID = "\(id)-gaps"
    guard let gaps = analysis?["gaps"], let total = gaps["total"]?.double, total > 0 else {
      return .empty(id: plotID, title: title, message: analysis == nil ? "no analysis.json" : "fewer than two operations: no gaps")
    }
    let keys = ["sequential", "small", "medium", "large", "backward"]
    let names = ["sequential", "small (<128 KiB)", "medium (<1 MiB)", "large", "backward"]
    func percents(_ classes: ParsedJSON?) -> [Double?]? {
      guard let classes, let total = classes["total"]?.double, total > 0 else { return nil }
      return keys.map { (classes[$0]?.double).map { $0 / total * 100 } }
    }
    let logical = percents(analysis?["logical_gaps"])
    var marks = [PlotMark("physical (disk sectors)", color: PlotPalette.load, .bars(percents(gaps)!, slot: 0, slots: logical == nil ? 1 : 2))]
    if let logical { marks.append(PlotMark("logical (file offsets)", color: PlotPalette.logical, .bars(logical, slot: 1, slots: 2))) }
    let caption =
      "Share of the \(HumanUnits.grouped(Int(total))) gaps between consecutive operations, by class (docs/metrics.md: gap = next start − previous end)"
      + (logical == nil ? "; no extents, so no logical view." : "; logical gaps map both operations to file offsets first.")
    return Plot(
      id: plotID, title: title, caption: caption, x: PlotAxis(label: "gap class", lower: 0, upper: 0, format: .categories(names)),
      y: PlotAxis(label: "share of gaps", lower: 0, upper: 100, format: .percent), marks: marks)
  }

  var sizePlot: Plot {
    let title = "Request sizes"
    let plotID = "\(id)-sizes"
    func histogram(_ figures: ParsedJSON?) -> [UInt64: Double] {
      var out: [UInt64: Double] = [:]
      for bucket in figures?["request_sizes"]?.array ?? [] {
        if let size = bucket["min_bytes"]?.uint64, let count = bucket["count"]?.double { out[size] = count }
      }
      return out
    }
    let total = histogram(analysis)
    guard !total.isEmpty else {
      return .empty(id: plotID, title: title, message: analysis == nil ? "no analysis.json" : "no operations")
    }
    let sizes = total.keys.sorted()
    var series: [(String, String, [UInt64: Double])] = []
    if let phases = analysis?["phases"], !phases.isNull {
      series = [("load", PlotPalette.load, histogram(phases["load"])), ("decode", PlotPalette.decode, histogram(phases["decode"]))]
    } else {
      series = [("all operations", PlotPalette.load, total)]
    }
    let marks = series.enumerated().map { index, entry in
      PlotMark(entry.0, color: entry.1, .bars(sizes.map { entry.2[$0] }, slot: index, slots: series.count))
    }
    let largest = series.flatMap { $0.2.values }.max() ?? 1
    // The exact percentiles, where the analysis has them, since the bars only bound them.
    var quantiles = ""
    if let median = analysis?["request_size_median_bytes"]?.double, let p90 = analysis?["request_size_p90_bytes"]?.double {
      quantiles = " Exact sizes: median \(HumanUnits.kibibytes(median)) KiB, p90 \(HumanUnits.kibibytes(p90)) KiB."
    }
    return Plot(
      id: plotID, title: title,
      caption: "Operations by size in powers of two (a bar at 64 KiB counts sizes from 64 KiB up to 128 KiB)"
        + (series.count > 1 ? ", by phase." : ".") + quantiles,
      x: PlotAxis(label: "request size (at least)", lower: 0, upper: 0, format: .categories(sizes.map { HumanUnits.size($0) })),
      y: PlotAxis(label: "operations", lower: 0, upper: largest * 1.08), marks: marks)
  }
}
