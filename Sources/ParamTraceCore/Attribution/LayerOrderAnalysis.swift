/// Whether reads went through the blocks in layer order (0, 1, 2, …: how inference uses
/// them) or in file order (how they are stored, e.g. 0, 1, 10, 11, …), and how many forward
/// passes over the blocks the reads made, judged from the layer timeline (docs/metrics.md lesson 8).
///
/// Read-around: each page fault reads the file around itself, so a reader that sweeps the
/// layers 0→31 also reads a little of the block stored next to the one it faults in (the
/// timeline shows `(1, 105.8 MiB), (19, 1.4 MiB), (2, 38.1 MiB), (20, 0.8 MiB), (2, 85.7 MiB)`
/// on TheBloke's file, which stores 19, 2, 20 side by side). Counting every such neighbour as
/// a step makes a layer-order sweep look like file order and hides the passes. So a short run
/// of a block stored right next to the block read around it (fewer bytes than that
/// neighbour's run, and under a quarter of its own block or within the disk's read-around
/// window), unless it continues the layer sequence, is read-around: its bytes are
/// reported apart, and the order and passes are judged from the remaining runs, where the
/// bulk of each block's bytes is read.
///
/// A pass ends where the reads jump back by at least half the blocks, in layer order and in
/// file order at once, from the furthest block the pass reached in each (the last block to the
/// first, in either order; a pass that skips resident blocks at the ends still wraps). A jump that goes back in one order only is a step
/// of the other order (19 → 2 in a file-order sweep, 9 → 10 in a layer-order one).
public struct LayerOrderAnalysis: Sendable, Hashable {
  /// Steps from a layer to the next one (N → N+1), read-around left out.
  public var layerOrderSteps = 0
  /// Steps from a block to the block stored after it in the file, read-around left out.
  public var fileOrderSteps = 0
  /// Jumps back to the start of a new pass (a new token, or a new sweep over the file).
  public var wraps = 0
  /// All steps between runs of different layers, read-around left out.
  public var steps = 0
  /// The same counts over every run, read-around included (what a naive reading gives).
  public var rawSteps = 0
  public var rawLayerOrderSteps = 0
  public var rawFileOrderSteps = 0
  /// Bytes and runs read into a block stored next to the block being read (read-around).
  public var readAroundBytes: UInt64 = 0
  public var readAroundRuns = 0
  /// Bytes of every layer run (read-around included), for the share.
  public var layerBytes: UInt64 = 0
  /// The forward passes found, in order.
  public var passes: [ForwardPass] = []

  /// One sweep over the blocks.
  public struct ForwardPass: Sendable, Hashable {
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64
    /// The timeline runs that belong to the pass (read-around and outside tensors included).
    public var runIndices: Range<Int> = 0..<0
    /// Bytes read in the pass: its blocks, read-around and the tensors outside the blocks.
    public var bytes: UInt64 = 0
    /// Distinct blocks whose bulk was read in it.
    public var blocksRead = 0
    public var layerOrderSteps = 0
    public var fileOrderSteps = 0
    public var steps = 0
    /// `layer order`, `file order`, … for this pass alone.
    public var verdict: String {
      LayerOrderAnalysis.verdict(steps: steps, layerSteps: layerOrderSteps, fileSteps: fileOrderSteps)
    }
  }

  /// Judges `runs` (the layer timeline, in order). `layerSizes` (bytes per block) enables the
  /// read-around rule; without it every run counts. `readAroundWindowBytes` (the disk's
  /// read-around window, when known) also counts runs up to that size as short, for blocks
  /// so small that a window is more than a quarter of one.
  /// `tensorFileRanks` places the tensors outside the blocks among them in file order (the
  /// output matrix stored between two blocks has read-around into both), as
  /// `ModelLayout.fileUnitRanks` gives them; empty: only blocks are neighbours.
  public init(
    runs: [LayerRun], layersInFileOrder: [Int], layerSizes: [Int: UInt64] = [:], readAroundWindowBytes: UInt64 = 0,
    unitRanks: (layers: [Int: Int], tensors: [Int: Int])? = nil
  ) {
    var fileRank: [Int: Int] = [:]
    for (rank, layer) in layersInFileOrder.enumerated() { fileRank[layer] = rank }
    // Ranks of blocks and outside tensors together, for read-around neighbours.
    let units = unitRanks ?? (fileRank, [:])
    func unitRank(_ run: LayerRun) -> Int? {
      if let layer = run.layer { return units.layers[layer] }
      return run.tensor.flatMap { units.tensors[$0] }
    }
    var layerRank: [Int: Int] = [:]
    for (rank, layer) in layersInFileOrder.sorted().enumerated() { layerRank[layer] = rank }
    let half = max(1, (layersInFileOrder.count + 1) / 2)

    // Layer runs only; the tensors outside the blocks take no part in the order.
    let layered = runs.indices.filter { runs[$0].layer != nil }
    var previousRaw: Int?
    for index in layered {
      let layer = runs[index].layer!
      layerBytes &+= runs[index].bytes
      defer { previousRaw = layer }
      guard let before = previousRaw, before != layer else { continue }
      rawSteps += 1
      if layerRank[layer].map({ $0 == (layerRank[before] ?? -2) + 1 }) ?? false { rawLayerOrderSteps += 1 }
      if fileRank[layer].map({ $0 == (fileRank[before] ?? -2) + 1 }) ?? false { rawFileOrderSteps += 1 }
    }

    var visits: [(layer: Int, first: Int)] = []
    func isReadAround(_ position: Int) -> Bool {
      let run = runs[layered[position]]
      // A short run of the block read last is more of that visit. A short run between the
      // blocks before and after it in layer order is a partly cached block read in its turn,
      // not read-around: where the file stores blocks in layer order (3, 4, 5 in TheBloke's
      // file) its neighbours in the file are also its neighbours in layer order.
      if let layer = run.layer, let rank = layerRank[layer] {
        if let last = visits.last, last.layer == layer { return false }
        if let last = visits.last, layerRank[last.layer] == rank - 1, position + 1 < layered.count,
          let next = runs[layered[position + 1]].layer, layerRank[next] == rank + 1
        {
          return false
        }
      }
      guard let layer = run.layer, let size = layerSizes[layer], size > 0, run.bytes * 4 < size || run.bytes <= readAroundWindowBytes,
        let rank = unitRank(run)
      else {
        return false
      }
      // The neighbour (a block or a tensor outside them, the runs just before and after) must
      // have read more: of two equal runs neither is the other's read-around.
      let index = layered[position]
      for neighbour in [index - 1, index + 1] where neighbour >= 0 && neighbour < runs.count {
        let other = runs[neighbour]
        if other.layer != layer, let otherRank = unitRank(other), abs(otherRank - rank) == 1, other.bytes > run.bytes {
          return true
        }
      }
      return false
    }

    // Visits: the remaining runs, consecutive runs of one layer merged.
    for position in layered.indices {
      if isReadAround(position) {
        readAroundBytes &+= runs[layered[position]].bytes
        readAroundRuns += 1
        continue
      }
      let layer = runs[layered[position]].layer!
      if visits.last?.layer == layer { continue }
      visits.append((layer, layered[position]))
    }

    // Steps and passes over the visits.
    var passStarts: [Int] = []  // run indices where passes begin
    var passSteps: [(layer: Int, file: Int, all: Int, blocks: Set<Int>)] = []
    // The furthest the current pass got, in each order: a stray visit (read-around that the
    // rule above kept) cannot hide the jump back to the first blocks.
    var furthestLayer = 0
    var furthestFile = 0
    for (number, visit) in visits.enumerated() {
      let layer = visit.layer
      let rankInLayers = layerRank[layer] ?? 0
      let rankInFile = fileRank[layer] ?? 0
      if number == 0 || (furthestLayer - rankInLayers >= half && furthestFile - rankInFile >= half) {
        if number > 0 { wraps += 1 }
        passStarts.append(visit.first)
        passSteps.append((0, 0, 0, [layer]))
        furthestLayer = rankInLayers
        furthestFile = rankInFile
        continue
      }
      furthestLayer = max(furthestLayer, rankInLayers)
      furthestFile = max(furthestFile, rankInFile)
      let before = visits[number - 1].layer
      let layerJump = rankInLayers - (layerRank[before] ?? 0)
      let fileJump = rankInFile - (fileRank[before] ?? 0)
      steps += 1
      passSteps[passSteps.count - 1].all += 1
      passSteps[passSteps.count - 1].blocks.insert(layer)
      if layerJump == 1 {
        layerOrderSteps += 1
        passSteps[passSteps.count - 1].layer += 1
      }
      if fileJump == 1 {
        fileOrderSteps += 1
        passSteps[passSteps.count - 1].file += 1
      }
    }
    // Every run between two pass starts belongs to the earlier pass (the output, read after
    // the last block, with it); runs before the first visit go to the first pass.
    for (number, start) in passStarts.enumerated() {
      let from = number == 0 ? 0 : start
      let to = number + 1 < passStarts.count ? passStarts[number + 1] : runs.count
      var pass = ForwardPass(startNanoseconds: runs[from].startNanoseconds, endNanoseconds: runs[from].endNanoseconds)
      pass.runIndices = from..<to
      for run in runs[from..<to] {
        pass.bytes &+= run.bytes
        pass.startNanoseconds = min(pass.startNanoseconds, run.startNanoseconds)
        pass.endNanoseconds = max(pass.endNanoseconds, run.endNanoseconds)
      }
      pass.blocksRead = passSteps[number].blocks.count
      pass.layerOrderSteps = passSteps[number].layer
      pass.fileOrderSteps = passSteps[number].file
      pass.steps = passSteps[number].all
      passes.append(pass)
    }
  }

  /// `layer order`, `file order`, `layer order = file order` or `mixed`, in words.
  public var verdict: String { Self.verdict(steps: steps, layerSteps: layerOrderSteps, fileSteps: fileOrderSteps) }

  /// Share of the layer runs' bytes that were read-around.
  public var readAroundShare: Double? { layerBytes == 0 ? nil : Double(readAroundBytes) / Double(layerBytes) }

  static func verdict(steps: Int, layerSteps: Int, fileSteps: Int) -> String {
    guard steps > 0 else { return "no layer-to-layer steps" }
    let layerShare = Double(layerSteps) / Double(steps)
    let fileShare = Double(fileSteps) / Double(steps)
    if layerSteps == fileSteps, layerShare >= 0.5 { return "layer order = file order (every step seen is a step of both)" }
    if layerShare >= 0.5, layerShare > fileShare { return "layer order" }
    if fileShare >= 0.5, fileShare > layerShare { return "file order" }
    return "mixed"
  }
}
