/// The block (or tensor outside the blocks) being read, as consecutive runs: requests in issue
/// order whose main tensor lies in the same block make one run, from the first one's issue
/// to the last completion among them, cut where the next run starts so that runs never overlap
/// on their track. Only the current run is kept.
struct LayerRunTrack {
  /// One finished run.
  struct Run {
    /// The block index, or -1 for a tensor outside the blocks.
    var layer: Int
    /// A tensor of the run (the first request's main tensor), for its name.
    var tensor: Int
    var start: UInt64
    var end: UInt64
    var bytes: UInt64
    var requests: Int
  }

  private var current: Run?
  /// What makes two requests the same run: the block, or the tensor for those outside.
  private var currentKey = Int.min

  /// Adds one request that read mostly `tensor` (of `layer`, nil outside the blocks); returns
  /// the run it ends, if it starts a new one.
  @inline(__always)
  mutating func add(tensor: Int, layer: Int?, issue: UInt64, complete: UInt64, bytes: UInt64) -> Run? {
    let key = layer ?? (-2 - tensor)
    if current != nil, key == currentKey {
      current!.end = max(current!.end, complete)
      current!.bytes &+= bytes
      current!.requests += 1
      return nil
    }
    let finished = finish(cutAt: issue)
    currentKey = key
    current = Run(layer: layer ?? -1, tensor: tensor, start: issue, end: max(issue, complete), bytes: bytes, requests: 1)
    return finished
  }

  /// Ends the current run, cut at `cut` when it would last longer; returns it.
  mutating func finish(cutAt cut: UInt64?) -> Run? {
    guard var run = current else { return nil }
    if let cut { run.end = max(run.start, min(run.end, cut)) }
    current = nil
    currentKey = Int.min
    return run
  }
}
