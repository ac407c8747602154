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

  /// Adds bytes read at `time`; returns the index of the run they went into, or nil when the
  /// timeline is full and they were dropped.
  @inline(__always) @discardableResult
  mutating func add(layer: Int?, tensor: Int, bytes: UInt64, time: UInt64) -> Int? {
    let tensorKey: Int? = layer == nil ? tensor : nil
    if let last = runs.last, last.layer == layer, last.tensor == tensorKey {
      runs[runs.count - 1].bytes += bytes
      runs[runs.count - 1].endNanoseconds = max(last.endNanoseconds, time)
      return runs.count - 1
    }
    guard runs.count < Self.maximumRuns else {
      truncated = true
      return nil
    }
    runs.append(LayerRun(layer: layer, tensor: tensorKey, startNanoseconds: time, endNanoseconds: time, bytes: bytes))
    return runs.count - 1
  }
}

