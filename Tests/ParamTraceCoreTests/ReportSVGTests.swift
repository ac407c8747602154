import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@testable import ParamTraceCore

/// The SVG plots: they parse as XML, hold the expected series, axes and labels, stay small
/// with many operations, and come out the same every time.
@Suite struct ReportSVGTests {
  // MARK: - The plotting layer

  @Test func axesTicksAndTitlesNameTheirUnits() {
    let bytes = PlotAxis(label: "file offset", lower: 0, upper: 130_018_144, format: .bytes)
    #expect(bytes.title == "file offset (MiB)")
    #expect(bytes.ticks.map(\.label) == ["0", "25", "50", "75", "100"])
    let seconds = PlotAxis(label: "time", lower: 0, upper: 0.0423, format: .seconds)
    #expect(seconds.title == "time (s)")
    #expect(seconds.ticks.map(\.label) == ["0.00", "0.01", "0.02", "0.03", "0.04"])
    let sectors = PlotAxis(label: "disk sector", lower: 224_477_184, upper: 224_563_968)
    let labels = sectors.ticks.map(\.label)
    #expect(Set(labels).count == labels.count, "ticks must read differently: \(labels)")
    #expect(labels.allSatisfy { $0.hasSuffix("M") })
    let budgets = PlotAxis(label: "memory budget", lower: 12_582_912, upper: 5_368_709_120, scale: .log2, format: .bytes)
    #expect(budgets.ticks.map(\.label).contains("1 GiB"))
    #expect(budgets.ticks.count <= 8)
    #expect(abs(PlotAxis.log2(1024) - 10) < 1e-9 && abs(PlotAxis.log2(3) - 1.584_962_5) < 1e-5)
    #expect(PlotAxis.niceStep(0.7) == 1 && PlotAxis.niceStep(2.1) == 2.5 && PlotAxis.niceStep(30) == 50)
    let degenerate = PlotAxis(label: "x", lower: 5, upper: 5)
    #expect(degenerate.lower < 5 && degenerate.upper > 5)
  }

  @Test func aPlotHasItsSeriesAxesLegendAndCaption() throws {
    let plot = Plot(
      id: "t", title: "Tokens & <things>", caption: "One \"caption\" that says what was done.",
      x: PlotAxis(label: "time", lower: 0, upper: 10, format: .seconds), y: PlotAxis(label: "value", lower: 0, upper: 100),
      marks: [
        PlotMark("dots", color: PlotPalette.load, .points([PlotPoint(1, 10), PlotPoint(2, 20), PlotPoint(3, 30)], radius: 2)),
        PlotMark("line", color: PlotPalette.decode, .line([PlotPoint(0, 0), PlotPoint(10, 100)])),
        PlotMark("cells", color: PlotPalette.load, .rects([PlotRect(x0: 1, x1: 2, y0: 1, y1: 2, opacity: 0.5)]), inLegend: false),
        PlotMark("limit", color: PlotPalette.marker, .horizontalRule(50, label: "limit"), dashed: true),
        PlotMark("start", color: PlotPalette.marker, .verticalRule(5, label: "decode")),
        PlotMark("failed", color: PlotPalette.failed, .crosses([PlotPoint(4, 0)])),
        PlotMark("cliff", color: PlotPalette.cliff, .band(6, 7, label: "cliff")),
      ])
    let svg = try SVGTree.parse(plot.svg)
    #expect(svg.name == "svg" && svg.attributes["id"] == "t")
    #expect(svg.all("title").first?.text == "Tokens & <things>")
    #expect(svg.all("desc").first?.text == "One \"caption\" that says what was done.")
    #expect(plot.svg.contains("Tokens &amp; &lt;things&gt;"))
    let series = svg.all("g").filter { $0.attributes["class"]?.hasPrefix("series") == true }
    #expect(series.map { $0.attributes["data-series"] ?? "" } == ["dots", "line", "cells", "limit", "start", "failed", "cliff"])
    #expect(series[0].all("circle").count == 3)
    #expect(series[1].all("path").count == 1)
    #expect(series[2].all("rect").first?.attributes["fill-opacity"] == "0.5")
    #expect(svg.element(id: "t-x-axis")?.all("text").contains { $0.text == "time (s)" } == true)
    #expect(svg.element(id: "t-y-axis")?.all("text").contains { $0.text == "value" } == true)
    #expect((svg.element(id: "t-x-axis")?.all("text").filter { $0.attributes["class"] == "tick" }.count ?? 0) >= 5)
    let legend = svg.element(id: "t-legend")?.all("text").map(\.text) ?? []
    #expect(legend == ["dots", "line", "limit", "start", "failed", "cliff"])
    let labels = svg.element(id: "t-labels")?.all("text").map(\.text) ?? []
    #expect(Set(labels) == ["limit", "decode", "cliff"])
    #expect(svg.all("text").contains { $0.attributes["class"] == "caption" && $0.text.contains("says what was done") })
    #expect(plot.svg == plot.svg)
  }

  @Test func anEmptyPlotShowsItsMessage() throws {
    let plot = Plot.empty(id: "e", title: "File offset over time", message: "no operation passed the filters", caption: "why")
    let svg = try SVGTree.parse(plot.svg)
    #expect(svg.element(id: "e-empty")?.text == "no operation passed the filters")
    let series = svg.all("g").filter { $0.attributes["class"]?.hasPrefix("series") == true }
    #expect(series.count == 0)
    #expect(svg.element(id: "e-x-axis") == nil)
  }

  @Test func labelsOfCrowdedLinesAreThinned() throws {
    let rules = (0..<40).map { PlotMark("layer start", color: PlotPalette.layer, .horizontalRule(Double($0), label: "blk.\($0)"), inLegend: $0 == 0) }
    let plot = Plot(
      id: "l", title: "t", caption: "", x: PlotAxis(label: "x", lower: 0, upper: 1), y: PlotAxis(label: "y", lower: 0, upper: 40), marks: rules)
    let svg = try SVGTree.parse(plot.svg)
    let labels = svg.element(id: "l-labels")?.all("text") ?? []
    #expect(labels.count > 5 && labels.count < 40)
    let positions = labels.compactMap { Double($0.attributes["y"] ?? "") }.sorted()
    for (a, b) in zip(positions, positions.dropFirst()) { #expect(b - a >= 10) }
  }

  // MARK: - Binning

  /// A growing grid ends where a grid made with its final axes from the start ends.
  @Test(arguments: [1, 2, 50, 5000])
  func growingGridMatchesAFixedOracle(count: Int) {
    var rng = SplitMix64(seed: UInt64(count))
    var grid = DensityGrid(x: .growing(count: 37), y: .growing(count: 11), layers: 2)
    var points: [(UInt64, UInt64, Int, UInt64)] = []
    for index in 0..<count {
      let x = 1_000_000_000 + rng.next() % (index < count / 2 ? 1000 : 9_000_000_000)
      let y = rng.next() % (index % 3 == 0 ? 100 : 4_000_000_000)
      let weight = 1 + rng.next() % 5
      points.append((x, y, Int(rng.next() % 2), weight))
      grid.add(x: x, y: y, layer: points.last!.2, weight: weight)
    }
    var oracle = DensityGrid(
      x: .fixed(origin: grid.x.origin, width: grid.x.width, count: 37), y: .fixed(origin: grid.y.origin, width: grid.y.width, count: 11),
      layers: 2)
    for point in points {
      #expect(point.0 >= grid.x.origin && point.0 < grid.x.end && point.1 >= grid.y.origin && point.1 < grid.y.end)
      oracle.add(x: point.0, y: point.1, layer: point.2, weight: point.3)
    }
    #expect(grid.cells == oracle.cells)
    #expect(grid.cells.reduce(0, +) == points.reduce(0) { $0 + $1.3 })
    #expect(grid.points == count)
  }

  @Test func fixedAxesClampValuesOutsideIntoTheEdgeBins() {
    var grid = DensityGrid(x: .fixed(lower: 100, upper: 200, count: 10), y: .fixed(lower: 0, upper: 10, count: 5))
    grid.add(x: 50, y: 0)
    grid.add(x: 500, y: 99)
    grid.add(x: 150, y: 5)
    #expect(grid.weight(column: 0, row: 0) == 1 && grid.weight(column: 9, row: 4) == 1 && grid.weight(column: 5, row: 2) == 1)
    #expect(grid.occupied?.columns == 0...9)
  }

  /// A million operations: binned into the grid, the SVG stays small, and the caption says so.
  @Test func manyOperationsAreBinnedAndTheCaptionSaysSo() throws {
    var setup = TracePlotData.Setup()
    setup.timeRange = (1_000_000_000, 61_000_000_000)
    setup.sectorRange = (10_000, 10_000 + 8_000_000)
    setup.fileSize = 4_096_000_000
    setup.decodeBoundary = 11_000_000_000
    setup.expectedOperations = 1_000_000
    var data = TracePlotData(setup: setup)
    let extents = try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 10_000, length: 4_096_000_000)], fileSize: 4_096_000_000)
    var rng = SplitMix64(seed: 7)
    for index in 0..<1_000_000 {
      let time = 1_000_000_000 + UInt64(index) * 60_000
      // Load: one pass in order; decode: passes over the file (thrashing), with noise.
      let position = index < 166_000 ? UInt64(index) * 48 : (UInt64(index) * 48 * 3 + rng.next() % 4096) % 7_999_000
      let operation = BlockOperation(
        device: DeviceNumber(raw: 0), sector: 10_000 + position, sectors: 256, flags: [.read], ownerPid: 1, ownerComm: CommName(),
        queueTime: time, firstIssueTime: time, lastIssueTime: time, completeTime: time + 300_000, dispatches: 1, error: 0)
      data.add(AccessAnalyzer.Accepted(operation: operation, countedBytes: 131_072, mapping: extents.map(sector: operation.sector, endSector: operation.endSector)))
    }
    #expect(data.points == nil && data.operations == 1_000_000 && data.completions == 1_000_000)
    let summary = ExperimentSummary(experiment: "big", label: "big", status: .ok)
    let plots = ExperimentPlots(id: "big", summary: summary, manifest: nil, analysis: nil, data: data).plots
    for plot in plots.prefix(2) {
      #expect(plot.caption.hasPrefix("1,000,000 operations (no filter) binned into 280×140 cells"), "\(plot.caption)")
      let svg = plot.svg
      #expect(svg.utf8.count < 3_000_000, "\(plot.id): \(svg.utf8.count) bytes")
      let tree = try SVGTree.parse(svg)
      let series = tree.all("g").filter { $0.attributes["class"] == "series rects" }
      #expect(series.map { $0.attributes["data-series"] ?? "" } == ["load", "decode"])
      #expect(series.allSatisfy { $0.all("rect").count <= 280 * 140 })
    }
    #expect(plots[3].caption.contains("in 241 bins of 250 ms (4,149 completions per bin on average"), "\(plots[3].caption)")
  }

  // MARK: - The fixture experiments

  /// Every plot of every fixture experiment parses and has what it must.
  @Test func fixtureExperimentsPlotTheirOperations() throws {
    for (index, experiment) in try ReportFixtures.loaded().enumerated() {
      let (data, problem) = try Self.plotData(experiment)
      let plots = ExperimentPlots(
        id: "e\(index)", summary: experiment.summary, manifest: experiment.manifest, analysis: experiment.analysis, data: data,
        traceProblem: problem
      ).plots
      #expect(plots.map { $0.id } == ["sector", "offset", "layers", "bandwidth", "gaps", "sizes"].map { "e\(index)-\($0)" })
      for plot in plots { _ = try SVGTree.parse(plot.svg) }
      switch experiment.summary.experiment {
      case "unconstrained-r1":
        let sector = try SVGTree.parse(plots[0].svg)
        let marks = sector.all("g").filter { $0.attributes["class"] == "series rects" }
        #expect(marks.reduce(0) { $0 + $1.all("rect").count } == 20)
        #expect(plots[0].caption.hasPrefix("20 operations (1 workload task, the 2 extents of small.gguf), one mark each"))
        let offset = try SVGTree.parse(plots[1].svg)
        let extentLines = offset.all("g").filter { $0.attributes["data-series"] == "extent boundary" }
        let layerLines = offset.all("g").filter { $0.attributes["data-series"] == "layer start" }
        #expect(extentLines.count == 1 && layerLines.count == 32)
        #expect(offset.element(id: "e\(index)-offset-y-axis")?.all("text").contains { $0.text == "file offset (MiB)" } == true)
        #expect(offset.all("g").contains { $0.attributes["data-series"] == "decode starts" })
        let gaps = try SVGTree.parse(plots[4].svg)
        let bars = gaps.all("g").filter { $0.attributes["class"] == "series bars" }
        #expect(bars.map { $0.attributes["data-series"] ?? "" } == ["physical (disk sectors)", "logical (file offsets)"])
        #expect(bars.allSatisfy { $0.all("rect").count == 5 })
        #expect(gaps.element(id: "e\(index)-gaps-x-axis")?.all("text").contains { $0.text == "backward" } == true)
      case "budget-20MiB-r1":
        // The trace is thinned (README): the captions say it holds fewer operations.
        #expect(plots[0].caption.contains("the trace holds 50 of the 1,142 operations analysis.json counted"), "\(plots[0].caption)")
        let sector = try SVGTree.parse(plots[0].svg)
        let names = sector.all("g").filter { $0.attributes["class"] == "series rects" }.map { $0.attributes["data-series"] ?? "" }
        #expect(names == ["load", "decode"])
        #expect(plots[2].caption.contains("layer_timeline_truncated"))
        let sizes = try SVGTree.parse(plots[5].svg)
        #expect(sizes.all("g").filter { $0.attributes["class"] == "series bars" }.count == 2)
      case "budget-20MiB-r2":
        // No trace committed: the per-operation plots say so, those from analysis.json remain.
        #expect(try SVGTree.parse(plots[0].svg).element(id: "e\(index)-sector-empty")?.text == "trace.tp.txt is not committed")
        #expect(try SVGTree.parse(plots[4].svg).element(id: "e\(index)-gaps-empty") == nil)
      case "budget-12MiB-r1":
        for plot in plots { #expect(try SVGTree.parse(plot.svg).element(id: "\(plot.id)-empty") != nil) }
      default: break
      }
    }
  }

  @Test func sweepPlotsShowTheCliff() throws {
    let table = SummaryTable(rows: try ReportFixtures.rows())
    let plots = SweepPlots.plots(table)
    #expect(plots.map(\.id) == ["sweep-budget-tokens", "sweep-budget-reread"])
    for plot in plots {
      let svg = try SVGTree.parse(plot.svg)
      let series = svg.all("g").filter { $0.attributes["class"]?.hasPrefix("series") == true }.map { $0.attributes["data-series"] ?? "" }
      #expect(series.contains("cliff") && series.contains("model size") && series.contains("failed runs"), "\(series)")
      #expect(series.contains("no budget (median of 1)"))
      #expect(svg.element(id: "\(plot.id)-x-axis")?.all("text").contains { $0.text == "memory budget (log scale)" } == true)
      #expect(svg.element(id: "\(plot.id)-x-axis")?.all("text").contains { $0.text == "32 MiB" } == true)
      #expect(plot.caption.contains("between budget-20MiB (20.00 MiB), which thrashes, and budget-64MiB (64.00 MiB), which is calm"), "\(plot.caption)")
    }
    let tokens = try SVGTree.parse(plots[0].svg)
    #expect(tokens.all("g").first { $0.attributes["data-series"] == "runs" }?.all("circle").count == 3)
    #expect(tokens.all("g").first { $0.attributes["data-series"] == "failed runs" }?.all("path").count == 1)
    // The band is the table's cliff: without the calm side there is none.
    let thrashingOnly = SweepPlots.plots(SummaryTable(rows: table.rows.filter { $0.label != "budget-64MiB" }))
    #expect(thrashingOnly.count == 2 && thrashingOnly.allSatisfy { !$0.caption.contains("Yellow band") })
    // Nothing to compare: no plots.
    #expect(SweepPlots.plots(SummaryTable(rows: [table.rows[0]])).isEmpty)
  }

  @Test func thePageIsSelfContainedAndDeterministic() throws {
    let loaded = try ReportFixtures.loaded()
    func page() throws -> String {
      var sections: [ReportPage.Section] = []
      for (index, experiment) in loaded.enumerated() {
        let (data, problem) = try Self.plotData(experiment)
        let plots = ExperimentPlots(
          id: "e\(index + 1)", summary: experiment.summary, manifest: experiment.manifest, analysis: experiment.analysis, data: data,
          traceProblem: problem
        ).plots
        sections.append(ReportPage.Section(summary: experiment.summary, command: ["paramtrace", "replay", "<model>"], plots: plots))
      }
      let table = SummaryTable(rows: loaded.map(\.summary))
      return ReportPage(sources: ["sweep-small"], table: table, sweepPlots: SweepPlots.plots(table), sections: sections, toolVersion: "test").html
    }
    let html = try page()
    #expect(html == (try page()))
    #expect(!html.contains("<script"))
    // The only URL is the SVG namespace (not a fetch).
    #expect(html.components(separatedBy: "http://").count == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count)
    #expect(!html.contains("https://") && !html.contains("src=") && !html.contains("@import"))
    // url() only for the SVGs' own clip paths.
    #expect(html.components(separatedBy: "url(").count == html.components(separatedBy: "url(#").count)
    #expect(html.components(separatedBy: "<svg ").count - 1 == 5 * 6 + 2)
    #expect(html.contains("paramtrace replay &lt;model&gt;"))
    // Element ids are unique across the page's SVGs.
    let ids = html.components(separatedBy: " id=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
    #expect(Set(ids).count == ids.count)
  }

  /// Reads a fixture experiment's trace as `report` does (TracePlotData.plan, the analysis
  /// pipeline) from memory.
  static func plotData(
    _ experiment: (summary: ExperimentSummary, manifest: ParsedJSON?, analysis: ParsedJSON?, directory: URL)
  ) throws -> (TracePlotData?, String?) {
    guard let manifest = experiment.manifest else { return (nil, "no manifest.json") }
    let file = experiment.directory.appendingPathComponent("trace.tp.txt")
    guard FileManager.default.fileExists(atPath: file.path) else { return (nil, "trace.tp.txt is not committed") }
    let (options, setup) = TracePlotData.plan(manifest: manifest, analysis: experiment.analysis)
    var data = TracePlotData(setup: setup)
    var source = memoryStream(format: .tracepoint, bytes: Array(try Data(contentsOf: file)), chunkSize: 1 << 12)
    var run = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { run.consume(batch, markers: source.markers) { data.add($0) } }
    _ = run.finish(diagnostics: source.diagnostics) { data.add($0) }
    return (data, nil)
  }
}

/// An XML element tree, parsed with Foundation's XMLParser: the SVG must be well-formed XML.
final class SVGTree {
  let name: String
  let attributes: [String: String]
  var children: [SVGTree] = []
  var text = ""

  init(name: String, attributes: [String: String]) {
    self.name = name
    self.attributes = attributes
  }

  /// This element and every descendant named `name`, in document order.
  func all(_ name: String) -> [SVGTree] {
    (self.name == name ? [self] : []) + children.flatMap { $0.all(name) }
  }

  func element(id: String) -> SVGTree? {
    if attributes["id"] == id { return self }
    for child in children { if let found = child.element(id: id) { return found } }
    return nil
  }

  struct ParseError: Error, CustomStringConvertible {
    var description: String
  }

  static func parse(_ text: String) throws -> SVGTree {
    let parser = XMLParser(data: Data(text.utf8))
    let builder = Builder()
    parser.delegate = builder
    guard parser.parse(), let root = builder.root else {
      throw ParseError(description: "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)")
    }
    return root
  }

  final class Builder: NSObject, XMLParserDelegate {
    var root: SVGTree?
    var stack: [SVGTree] = []

    func parser(
      _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
      attributes: [String: String] = [:]
    ) {
      let element = SVGTree(name: elementName, attributes: attributes)
      if let parent = stack.last { parent.children.append(element) } else { root = element }
      stack.append(element)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
      stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
      stack.last?.text += string
    }
  }
}
