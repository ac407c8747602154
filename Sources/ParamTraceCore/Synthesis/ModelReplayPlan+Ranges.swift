extension ModelReplayPlan {
  /// The file byte ranges `[start, end)` one decode token reads, in plan order: the token's
  /// embedding row, every vector and matrix whole, and of every stacked expert tensor only the
  /// slices of the experts `routing` chose for it. What a trace of that token should show
  /// (before read-around), to compare with the `experts` analysis.
  public func ranges(token: Int, routing: ModelExpertRouting, seed: UInt64) -> [Range<UInt64>] {
    var result: [Range<UInt64>] = []
    for step in steps {
      switch step.touch {
      case .embeddingRow:
        let start = step.fileOffset + tokenID(token, seed: seed) * step.rowBytes
        result.append(start..<(start + step.rowBytes))
      case .whole, .rows:
        result.append(step.fileOffset..<(step.fileOffset + step.byteSize))
      case .experts:
        for expert in routing.experts(token: token, layer: step.layer ?? -1) {
          let start = step.fileOffset + UInt64(expert) * step.sliceBytes
          result.append(start..<(start + step.sliceBytes))
        }
      }
    }
    return result
  }
}
