import Testing

@testable import ParamTraceCore

/// The byte ranges sampled for residency (issue 14, item 2): one group per layer in layer
/// order, then the tensors outside the blocks; adjacent tensors merged into one call.
@Suite struct ModelResidencyRangesTests {
  @Test func layersInNumericOrderAdjacentTensorsMergedAndTheRestLast() {
    // File order 0, 10, 2 (names sorted as strings), a gap inside layer 2, output at the end.
    let layout = ModelLayout(
      fileSize: 1000, dataStart: 100,
      tensors: [
        .init(name: "token_embd.weight", start: 100, end: 200), .init(name: "blk.0.a", start: 200, end: 300, layer: 0),
        .init(name: "blk.0.b", start: 300, end: 350, layer: 0), .init(name: "blk.10.a", start: 350, end: 500, layer: 10),
        .init(name: "blk.2.a", start: 500, end: 600, layer: 2), .init(name: "blk.2.b", start: 640, end: 700, layer: 2),
        .init(name: "output.weight", start: 700, end: 1000),
      ])
    let ranges = ModelResidencyRanges(layout)
    #expect(ranges.groups.map(\.name) == ["blk.0", "blk.2", "blk.10", "other"])
    #expect(ranges.groups[0].ranges == [.init(part: 0, offset: 200, length: 150)])
    #expect(ranges.groups[1].ranges.count == 2 && ranges.groups[1].bytes == 160)
    #expect(ranges.groups[3].ranges == [.init(part: 0, offset: 100, length: 100), .init(part: 0, offset: 700, length: 300)])
    #expect(ranges.rangeCount == 6)
  }

  /// A split model: offsets are in each file, not in the model's address space.
  @Test func rangesOfASplitModelAreInTheirOwnFile() {
    let layout = ModelLayout(
      parts: [.init(path: "a", start: 0, size: 4096, dataStart: 64), .init(path: "b", start: 4096, size: 4096, dataStart: 64)],
      tensors: [.init(name: "blk.0.a", start: 64, end: 4096, layer: 0, part: 0), .init(name: "blk.0.b", start: 4160, end: 8192, layer: 0, part: 1)])
    #expect(ModelResidencyRanges(layout).groups[0].ranges == [.init(part: 0, offset: 64, length: 4032), .init(part: 1, offset: 64, length: 4032)])
  }

  @Test func theTimelineIsWrittenAsColumns() {
    let layout = ModelLayout(fileSize: 300, dataStart: 0, tensors: [.init(name: "blk.0.a", start: 0, end: 100, layer: 0), .init(name: "out", start: 100, end: 300)])
    var timeline = ResidencyTimeline(groups: ModelResidencyRanges(layout).groups, method: .cachestat, intervalNanoseconds: 500_000_000)
    timeline.append(time: 10, resident: [100, 0], evicted: [0, 0], recentlyEvicted: [0, 0])
    timeline.append(time: 20, resident: [0, 200], evicted: [1, 0], recentlyEvicted: [1, 0])
    #expect(timeline.count == 2 && timeline.resident(sample: 1, group: 1) == 200)
    let json = timeline.json.rendered(indent: 0)
    #expect(json.contains(#""time_ns": [10, 20]"#) && json.contains(#""resident_bytes": [[100, 0], [0, 200]]"#), "\(json)")
    #expect(json.contains(#""evicted_pages": [[0, 0], [1, 0]]"#) && json.contains(#""method": "cachestat""#))
    // mincore has no eviction counts: null, not zeros.
    var mincore = ResidencyTimeline(groups: timeline.groups, method: .mincore, intervalNanoseconds: 1)
    mincore.append(time: 1, resident: [1, 2])
    #expect(mincore.json.rendered(indent: 0).contains(#""evicted_pages": null"#))
    #expect(mincore.peakEvictedPages == nil)
  }

  /// The most of the model evicted at one sample, over the groups: pages read back leave it.
  @Test func thePeakOfEvictedPagesIsTheLargestSampleSum() {
    let layout = ModelLayout(fileSize: 300, dataStart: 0, tensors: [.init(name: "blk.0.a", start: 0, end: 100, layer: 0), .init(name: "out", start: 100, end: 300)])
    var timeline = ResidencyTimeline(groups: ModelResidencyRanges(layout).groups, method: .cachestat, intervalNanoseconds: 1)
    #expect(timeline.peakEvictedPages == nil)
    for (time, evicted) in [(1, [0, 0]), (2, [3, 4]), (3, [5, 0]), (4, [1, 1])] as [(UInt64, [UInt64])] {
      timeline.append(time: time, resident: [0, 0], evicted: evicted, recentlyEvicted: [0, 0])
    }
    #expect(timeline.peakEvictedPages == 7)
  }

  /// The heat map: one cell per sample and layer, its opacity the resident share; none for
  /// an empty layer; nil without residency.json.
  @Test func theHeatMapShadesEachLayerByItsResidentShare() throws {
    let layout = ModelLayout(fileSize: 300, dataStart: 0, tensors: [.init(name: "blk.0.a", start: 0, end: 100, layer: 0), .init(name: "out", start: 100, end: 300)])
    var timeline = ResidencyTimeline(groups: ModelResidencyRanges(layout).groups, method: .cachestat, intervalNanoseconds: 500_000_000)
    timeline.append(time: 1_000_000_000, resident: [100, 50])
    timeline.append(time: 1_500_000_000, resident: [25, 0])
    var plots = ExperimentPlots(id: "e1", summary: ExperimentSummary(experiment: "x", label: "x", status: .ok), manifest: nil, analysis: nil, data: nil)
    #expect(plots.residencyPlot == nil)
    plots.residency = try JSONReader.parse(Array(timeline.json.rendered().utf8))
    let plot = try #require(plots.residencyPlot)
    #expect(plot.id == "e1-residency" && plots.plots.map(\.id).contains("e1-residency"))
    guard case .rects(let cells) = plot.marks[0].shape else { Issue.record("no cells"); return }
    #expect(cells.map(\.opacity) == [1, 0.25, 0.25])
    #expect(cells.map(\.y0) == [-0.5, -1.5, -0.5] && cells[0].x0 == 0 && cells[1].x1 == 0.5)
  }
}
