/// The byte ranges whose page-cache residency `record` samples (issue 14, item 2): one group
/// per transformer block, in layer order, and one for the tensors outside the blocks
/// (embeddings, output, norms). Each group is its tensors' ranges in their files, adjacent
/// tensors merged, so a sample costs one `cachestat(2)` call per range (a llama-2 block's nine
/// tensors are stored back to back: one call per layer).
public struct ModelResidencyRanges: Sendable, Hashable {
  /// A byte range of one file of the model.
  public struct Range: Sendable, Hashable {
    /// Index of the file among the model's files (`ModelLayout.parts`).
    public var part: Int
    /// First byte in that file.
    public var offset: UInt64
    public var length: UInt64
  }

  /// One group of ranges: a layer, or the tensors outside the blocks.
  public struct Group: Sendable, Hashable {
    /// The block index, nil for the tensors outside the blocks.
    public var layer: Int?
    public var ranges: [Range]
    /// Sum of the ranges' lengths.
    public var bytes: UInt64
    /// `blk.7`, or `other`.
    public var name: String { layer.map { "blk.\($0)" } ?? "other" }
  }

  /// Layers in numeric order, then the tensors outside the blocks (when there are any).
  public var groups: [Group]
  /// Total number of ranges: the calls per sample.
  public var rangeCount: Int { groups.reduce(0) { $0 + $1.ranges.count } }

  public init(_ layout: ModelLayout) {
    var byLayer: [Int: [Range]] = [:]
    var outside: [Range] = []
    for tensor in layout.tensors {
      let part = tensor.part
      let base = layout.parts[part].start
      let range = Range(part: part, offset: tensor.start - base, length: tensor.size)
      if let layer = tensor.layer { Self.append(range, to: &byLayer[layer, default: []]) } else { Self.append(range, to: &outside) }
    }
    groups = byLayer.keys.sorted().map { layer in
      let ranges = byLayer[layer]!
      return Group(layer: layer, ranges: ranges, bytes: ranges.reduce(0) { $0 + $1.length })
    }
    if !outside.isEmpty { groups.append(Group(layer: nil, ranges: outside, bytes: outside.reduce(0) { $0 + $1.length })) }
  }

  /// Appends `range`, merged into the last one when it continues it (tensors come in file order).
  static func append(_ range: Range, to ranges: inout [Range]) {
    if let last = ranges.last, last.part == range.part, last.offset + last.length == range.offset {
      ranges[ranges.count - 1].length += range.length
    } else {
      ranges.append(range)
    }
  }
}
