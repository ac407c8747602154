/// A run of consecutive reads of one layer (or one tensor outside the layers).
public struct LayerRun: Sendable, Hashable {
  /// The block index, nil for tensors outside the blocks (embeddings, output).
  public var layer: Int?
  /// For runs outside the blocks: the tensor's index in the layout.
  public var tensor: Int?
  public var startNanoseconds: UInt64
  public var endNanoseconds: UInt64
  public var bytes: UInt64
}

/// Collapses the attributed reads, in operation order, into runs of one layer.
struct LayerTimeline {
  static let maximumRuns = 200_000
  private(set) var runs: [LayerRun] = []
  private(set) var truncated = false

  @inline(__always)
  mutating func add(layer: Int?, tensor: Int, bytes: UInt64, time: UInt64) {
    let tensorKey: Int? = layer == nil ? tensor : nil
    if let last = runs.last, last.layer == layer, last.tensor == tensorKey {
      runs[runs.count - 1].bytes += bytes
      runs[runs.count - 1].endNanoseconds = max(last.endNanoseconds, time)
      return
    }
    guard runs.count < Self.maximumRuns else {
      truncated = true
      return
    }
    runs.append(LayerRun(layer: layer, tensor: tensorKey, startNanoseconds: time, endNanoseconds: time, bytes: bytes))
  }
}

/// Whether reads went through the blocks in layer order (0, 1, 2, …: how inference uses
/// them) or in file order (how they are stored, e.g. 0, 1, 10, 11, …), judged from the
/// steps between consecutive layer runs.
public struct LayerOrderAnalysis: Sendable, Hashable {
  /// Steps from a layer to the next one (N → N+1).
  public var layerOrderSteps = 0
  /// Steps from a block to the block stored after it in the file.
  public var fileOrderSteps = 0
  /// Steps from the last layer back to the first, in layer or in file order (a new token,
  /// or a new pass over the file).
  public var wraps = 0
  /// All steps between runs of different layers.
  public var steps = 0

  public init(runs: [LayerRun], layersInFileOrder: [Int]) {
    var fileRank: [Int: Int] = [:]
    for (rank, layer) in layersInFileOrder.enumerated() { fileRank[layer] = rank }
    let first = layersInFileOrder.min()
    let last = layersInFileOrder.max()
    var previous: Int?
    for run in runs {
      guard let layer = run.layer else { continue }
      defer { previous = layer }
      guard let before = previous, before != layer else { continue }
      steps += 1
      if layer == before + 1 { layerOrderSteps += 1 }
      if let a = fileRank[before], let b = fileRank[layer], b == a + 1 { fileOrderSteps += 1 }
      if (before == last && layer == first) || (before == layersInFileOrder.last && layer == layersInFileOrder.first) {
        wraps += 1
      }
    }
  }

  /// `layer order`, `file order`, `layer order = file order` or `mixed`, in words.
  public var verdict: String {
    guard steps > 0 else { return "no layer-to-layer steps" }
    let layerShare = Double(layerOrderSteps) / Double(steps)
    let fileShare = Double(fileOrderSteps) / Double(steps)
    if layerOrderSteps == fileOrderSteps, layerShare >= 0.5 { return "layer order = file order (the file stores blocks in layer order)" }
    if layerShare >= 0.5, layerShare > fileShare { return "layer order" }
    if fileShare >= 0.5, fileShare > layerShare { return "file order" }
    return "mixed"
  }
}
