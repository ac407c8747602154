import Testing

@testable import ParamTraceCore

@Suite struct TensorAttributionTests {
  /// A pretend model over the fixtures' 128 MiB file: a 2 MiB header, then 16 blocks of
  /// 7 MiB stored in string order (0, 1, 10, …, 15, 2, …, 9) with 0.5 MiB of padding each.
  static func stringOrderedLayout() -> ModelLayout {
    let mib: UInt64 = 1 << 20
    let order = (0..<16).map(String.init).sorted().map { Int($0)! }
    var tensors: [ModelLayout.Tensor] = []
    for (slot, layer) in order.enumerated() {
      let start = 2 * mib + UInt64(slot) * 15 * mib / 2
      tensors.append(.init(name: "blk.\(layer).ffn_up.weight", start: start, end: start + 4 * mib, layer: layer))
      tensors.append(.init(name: "blk.\(layer).ffn_down.weight", start: start + 4 * mib, end: start + 7 * mib, layer: layer))
    }
    return ModelLayout(path: "model.bin", fileSize: 128 * mib, dataStart: 2 * mib, tensors: tensors)
  }

  @Test func everyByteLandsInOneBucket() throws {
    let form = FixtureFiguresTests.forms.first { $0.fixture == "thrash-memcg48m" && $0.files == ["tp.txt"] }!
    var options = AnalysisOptions()
    options.filter.extents = try ExtentsDocument.decode(try FixturePaths.bytes("thrash-memcg48m", "extents.json"), source: "x")
    options.model = Self.stringOrderedLayout()
    let analysis = try analyze(form, options: options)
    let tensors = try #require(analysis.tensors)
    let attributed = tensors.tensors.reduce(0) { $0 + $1.bytes } + tensors.headerBytes + tensors.paddingBytes
    #expect(attributed == analysis.figures.bytes)
    // Four full passes under the cgroup: every tensor read whole, several times.
    #expect(tensors.tensors.allSatisfy { $0.uniqueBytes == $0.size && $0.bytes >= 3 * $0.size }, "\(tensors.tensors.map { Double($0.bytes) / Double($0.size) })")
    #expect(tensors.layers.count == 16)
    #expect(tensors.layers.allSatisfy { ($0.passes ?? 0) > 3 })
    // The reader went through the file front to back: file order, not layer order.
    #expect(tensors.fileOrderDiffersFromLayerOrder)
    #expect(tensors.order.verdict == "file order")
    #expect(tensors.order.fileOrderSteps > tensors.order.layerOrderSteps)
    #expect(tensors.order.wraps >= 3)
  }

  @Test func operationSpanningTensorsCountsForEach() {
    let layout = ModelLayout(
      fileSize: 10_000, dataStart: 1_000,
      tensors: [.init(name: "a", start: 1_000, end: 3_000, layer: 0), .init(name: "b", start: 3_200, end: 6_000, layer: 1)])
    var attribution = TensorAttribution(layout: layout)
    attribution.add(pieceStart: 500, pieceEnd: 4_000, time: 1)
    attribution.endOperation()
    attribution.add(pieceStart: 2_000, pieceEnd: 2_500, time: 2)
    attribution.endOperation()
    let figures = attribution.result()
    #expect(figures.headerBytes == 500)
    #expect(figures.paddingBytes == 200)
    #expect(figures.tensors.map(\.bytes) == [2_500, 800])
    #expect(figures.tensors.map(\.operations) == [2, 1])
    #expect(figures.tensors.map(\.uniqueBytes) == [2_000, 800])
    #expect(figures.layers.map(\.layer) == [0, 1])
    #expect(figures.timeline.map(\.layer) == [0, 1, 0])
  }

  @Test func stackedExpertsGetBytesPerSlice() {
    let layout = ModelLayout(
      fileSize: 5_000, dataStart: 0,
      tensors: [.init(name: "blk.0.ffn_up_exps.weight", start: 1_000, end: 5_000, layer: 0, expertCount: 4)])
    var attribution = TensorAttribution(layout: layout)
    attribution.add(pieceStart: 1_500, pieceEnd: 3_100, time: 1)
    attribution.endOperation()
    #expect(attribution.result().tensors[0].expertBytes == [500, 1_000, 100, 0])
  }

  @Test func layerOrderReadsAreRecognised() {
    let runs = [0, 1, 2, 3, 0, 1, 2, 3].map { LayerRun(layer: $0, tensor: nil, startNanoseconds: 0, endNanoseconds: 0, bytes: 1) }
    let analysis = LayerOrderAnalysis(runs: runs, layersInFileOrder: [0, 1, 3, 2])
    #expect(analysis.verdict == "layer order")
    #expect(analysis.wraps == 1)
    #expect(LayerOrderAnalysis(runs: runs, layersInFileOrder: [0, 1, 2, 3]).verdict.hasPrefix("layer order = file order"))
  }
}

extension TensorAttributionTests {
  /// TheBloke-ordered llama-2 fixture (blocks stored 0, 1, 10, …): a load pass front to
  /// back, then three tokens that read the blocks in layer order, as llama.cpp's decode does.
  @Test func loadFollowsFileOrderAndDecodeFollowsLayerOrder() throws {
    let bytes = try FixturePaths.modelBytes("llama2-7b-q4km-order.gguf")
    guard case .done(let map) = try ModelFileReader.read(prefix: bytes, fileSize: UInt64(bytes.count)) else {
      Issue.record("header not read")
      return
    }
    // The fixture's tensors are a few hundred bytes; scale every offset by 4096 so tensors
    // have real sizes and start on sector boundaries, as in real files.
    let scale: UInt64 = 4096
    let small = ModelLayout(map, path: "llama2-7b-q4km-order.gguf")
    let layout = ModelLayout(
      path: small.path, fileSize: small.fileSize * scale, dataStart: small.dataStart * scale,
      tensors: small.tensors.map { .init(name: $0.name, start: $0.start * scale, end: $0.end * scale, layer: $0.layer) })
    #expect(layout.fileOrderDiffersFromLayerOrder)
    let base: UInt64 = 1_000_000
    let disk = DeviceNumber(major: 254, minor: 0)
    let extents = try FileExtentMap(
      extents: [FileExtent(logicalOffset: 0, sector: base, length: layout.fileSize)], fileSize: layout.fileSize, device: disk)
    var events: [BlockEvent] = []
    var time: UInt64 = 1_000
    func read(_ start: UInt64, _ end: UInt64) {
      let sector = base + start / 512
      let sectors = UInt32((end + 511) / 512 - start / 512)
      events.append(BlockEvent(time: time, sector: sector, sectors: sectors, device: disk, pid: 7, action: .issue, flags: [.read, .requestLevel]))
      events.append(BlockEvent(time: time + 5, sector: sector, sectors: sectors, device: disk, pid: 0, action: .complete, flags: [.read, .requestLevel]))
      time += 10
    }
    // Load: the whole file in 1 MiB requests, front to back.
    var offset: UInt64 = 0
    while offset < layout.fileSize {
      read(offset, min(offset + (1 << 20), layout.fileSize))
      offset += 1 << 20
    }
    let decodeStart = time
    let graphOrder = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"]
    for _ in 0..<3 {
      for layer in 0..<32 {
        for part in graphOrder {
          let tensor = try #require(layout.tensors.first { $0.name == "blk.\(layer).\(part).weight" })
          read(tensor.start, tensor.end)
        }
      }
      let output = try #require(layout.tensors.first { $0.name == "output.weight" })
      read(output.start, output.end)
    }
    var options = AnalysisOptions()
    options.filter.extents = extents
    options.model = layout
    options.decodeFromNanoseconds = decodeStart
    var run = TraceAnalysisRun(options: options)
    run.consume(ContiguousArray(events))
    let analysis = run.finish(diagnostics: TraceDiagnostics())
    let phases = try #require(analysis.phases)
    #expect(phases.loadTensors?.order.verdict == "file order")
    #expect(phases.decodeTensors?.order.verdict == "layer order")
    #expect(phases.decodeTensors?.order.wraps == 2)
    // Every block read once at load and three times in decode.
    for row in try #require(analysis.tensors).layers { #expect(row.passes == 4) }
    let json = analysis.json.rendered()
    #expect(json.contains("\"verdict\": \"layer order\""))
    #expect(analysis.summary(inputDescription: "synthetic").contains("blocks are stored out of layer order"))
  }
}

/// Read order and passes under read-around (docs/metrics.md lesson 8), on timelines shaped like the
/// real ones: TheBloke's block order, a load sweep in file order, then layer-order passes whose
/// faults also read the tail or head of the block stored next in the file.
@Suite struct ReadAroundOrderTests {
  static let fileOrder = [0, 1] + Array(10...19) + [2] + Array(20...23) + Array(3...9) + Array(24...31)
  static let block: UInt64 = 120 << 20

  func run(_ layer: Int, _ bytes: UInt64, _ time: inout UInt64) -> LayerRun {
    time += 1
    return LayerRun(layer: layer, tensor: nil, startNanoseconds: time, endNanoseconds: time, bytes: bytes)
  }

  @Test func layerOrderPassesAreFoundThroughReadAround() {
    var time: UInt64 = 0
    var runs = Self.fileOrder.map { run($0, Self.block, &time) }  // the load
    let rank = Dictionary(uniqueKeysWithValues: Self.fileOrder.enumerated().map { ($1, $0) })
    for _ in 0..<17 {
      for layer in 0..<32 {
        // Read-around into the block stored before it, the bulk, then into the one after.
        if let before = rank[layer].flatMap({ $0 > 0 ? Self.fileOrder[$0 - 1] : nil }) { runs.append(run(before, 1_400_000, &time)) }
        runs.append(run(layer, Self.block - 2_000_000, &time))
        if let after = rank[layer].flatMap({ $0 + 1 < Self.fileOrder.count ? Self.fileOrder[$0 + 1] : nil }) { runs.append(run(after, 800_000, &time)) }
      }
    }
    let sizes = Dictionary(uniqueKeysWithValues: (0..<32).map { ($0, Self.block) })
    let order = LayerOrderAnalysis(runs: runs, layersInFileOrder: Self.fileOrder, layerSizes: sizes)
    #expect(order.passes.count == 18, "load + 17 sweeps")
    #expect(order.passes.first?.verdict == "file order")
    #expect(order.passes.dropFirst().allSatisfy { $0.verdict == "layer order" }, "\(order.passes.map(\.verdict))")
    #expect(order.verdict == "layer order")
    // 62 neighbour runs per sweep; those of a block that is also the next layer (3…9 and
    // 24…31 are stored in layer order) merge into that block's visit instead.
    #expect(order.readAroundRuns > 17 * 30 && order.readAroundRuns <= 17 * 62)
    #expect(order.readAroundBytes > 0 && order.readAroundShare! < 0.02)
    // Counted naively, the neighbours make it look like file order.
    #expect(order.rawFileOrderSteps > order.rawLayerOrderSteps)
    // Without block sizes (no read-around rule) the old verdict comes back.
    #expect(LayerOrderAnalysis(runs: runs, layersInFileOrder: Self.fileOrder).verdict != "layer order")
  }

  @Test func partlyCachedBlocksStayInTheirTurn() {
    // Blocks 3, 4, 5 are neighbours in layer order and in the file: a small read of 4 (mostly
    // cached) between them is 4's turn, not read-around.
    var time: UInt64 = 0
    var runs: [LayerRun] = []
    for _ in 0..<2 {
      for layer in 0..<32 { runs.append(run(layer, layer == 4 ? 3 << 20 : Self.block, &time)) }
    }
    let sizes = Dictionary(uniqueKeysWithValues: (0..<32).map { ($0, Self.block) })
    let order = LayerOrderAnalysis(runs: runs, layersInFileOrder: Self.fileOrder, layerSizes: sizes)
    #expect(order.readAroundRuns == 0)
    #expect(order.passes.count == 2)
    #expect(order.passes.allSatisfy { $0.blocksRead == 32 })
  }
}
