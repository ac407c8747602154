/// Attributes each operation's file bytes to the tensors they belong to (an operation can
/// span several; header and padding bytes are their own buckets), and follows which layer
/// is read over time.
public struct TensorAttribution {
  public let layout: ModelLayout
  private var tensorBytes: [UInt64]
  private var tensorOperations: [Int]
  /// Bytes per expert slice and the experts of every timeline run, for MoE models.
  private var experts: ExpertTally?
  private var headerBytes: UInt64 = 0
  private var paddingBytes: UInt64 = 0
  private var union = IntervalUnion()
  private var timeline = LayerTimeline()
  /// Tensors the current operation has touched, so each counts the operation once.
  private var touchedByOperation: [Int] = []

  /// The disk's read-around window, for the read-order analysis (0: unknown).
  public var readAroundWindowBytes: UInt64
  /// `ARCH.expert_used_count` of the model, for the expert figures (nil: unknown).
  public var expertsUsedPerToken: Int?

  public init(layout: ModelLayout, readAroundWindowBytes: UInt64 = 0, expertsUsedPerToken: Int? = nil) {
    self.layout = layout
    self.readAroundWindowBytes = readAroundWindowBytes
    self.expertsUsedPerToken = expertsUsedPerToken
    tensorBytes = Array(repeating: 0, count: layout.tensors.count)
    tensorOperations = Array(repeating: 0, count: layout.tensors.count)
    experts = ExpertLayout(layout).map(ExpertTally.init)
  }

  /// Adds one operation's file bytes, given as pieces `[start, end)` of file offsets;
  /// `readahead`: the request carried the readahead flag (`RA`).
  @inline(__always)
  public mutating func add(pieceStart: UInt64, pieceEnd: UInt64, time: UInt64, readahead: Bool = false) {
    guard pieceEnd > pieceStart else { return }
    union.insert(pieceStart, pieceEnd)
    // Every file of a split model has its own header.
    let header = layout.headerBytes(pieceStart, pieceEnd)
    headerBytes += header
    var covered = header
    var index = layout.firstTensor(endingAfter: pieceStart)
    while index < layout.tensors.count {
      let tensor = layout.tensors[index]
      if tensor.start >= pieceEnd { break }
      let start = max(pieceStart, tensor.start)
      let end = min(pieceEnd, tensor.end)
      tensorBytes[index] += end - start
      covered += end - start
      if !touchedByOperation.contains(index) {
        touchedByOperation.append(index)
        tensorOperations[index] += 1
      }
      let run = timeline.add(layer: tensor.layer, tensor: index, bytes: end - start, time: time)
      if experts != nil {
        experts!.add(tensor: index, tensorStart: tensor.start, tensorEnd: tensor.end, start: start, end: end, run: run, readahead: readahead)
      }
      index += 1
    }
    paddingBytes += (pieceEnd - pieceStart) - covered
  }

  /// Marks the end of one operation's pieces.
  @inline(__always)
  public mutating func endOperation() { touchedByOperation.removeAll(keepingCapacity: true) }

  /// The per-tensor, per-layer and timeline figures.
  public mutating func result() -> TensorFigures {
    // Unique bytes per tensor: sweep the union's pieces against the tensors.
    var unique = Array(repeating: UInt64(0), count: layout.tensors.count)
    var headerUnique: UInt64 = 0
    var uniqueSlices = experts?.emptySliceBytes ?? []
    for piece in union.pieces {
      headerUnique += layout.headerBytes(piece.start, piece.end)
      var index = layout.firstTensor(endingAfter: piece.start)
      while index < layout.tensors.count, layout.tensors[index].start < piece.end {
        let tensor = layout.tensors[index]
        let start = max(piece.start, tensor.start)
        let end = min(piece.end, tensor.end)
        unique[index] += end - start
        experts?.addUnique(tensor: index, tensorStart: tensor.start, tensorEnd: tensor.end, start: start, end: end, into: &uniqueSlices)
        index += 1
      }
    }
    let tensors = layout.tensors.indices.map { index in
      TensorFigures.TensorRow(
        name: layout.tensors[index].name, layer: layout.tensors[index].layer, offset: layout.tensors[index].start,
        size: layout.tensors[index].size, bytes: tensorBytes[index], operations: tensorOperations[index],
        uniqueBytes: unique[index], expertBytes: experts?.sliceBytes(ofTensor: index) ?? [])
    }
    var layers: [Int: TensorFigures.LayerRow] = [:]
    for row in tensors {
      guard let layer = row.layer else { continue }
      var entry = layers[layer] ?? TensorFigures.LayerRow(layer: layer)
      entry.size += row.size
      entry.bytes += row.bytes
      entry.uniqueBytes += row.uniqueBytes
      entry.operations += row.operations
      layers[layer] = entry
    }
    let order = LayerOrderAnalysis(
      runs: timeline.runs, layersInFileOrder: layout.layersInFileOrder,
      layerSizes: Dictionary(layers.values.map { ($0.layer, $0.size) }, uniquingKeysWith: +),
      readAroundWindowBytes: readAroundWindowBytes, unitRanks: layout.fileUnitRanks)
    return TensorFigures(
      tensors: tensors, layers: layers.values.sorted { $0.layer < $1.layer }, headerBytes: headerBytes,
      headerUniqueBytes: headerUnique, paddingBytes: paddingBytes, timeline: timeline.runs, timelineTruncated: timeline.truncated,
      order: order, fileOrderDiffersFromLayerOrder: layout.fileOrderDiffersFromLayerOrder,
      experts: experts?.result(
        layout: layout, runs: timeline.runs, passes: order.passes, uniqueSliceBytes: uniqueSlices, runsTruncated: timeline.truncated,
        expertsUsedPerToken: expertsUsedPerToken))
  }
}

/// Per-tensor and per-layer results of an attribution.
public struct TensorFigures: Sendable {
  public struct TensorRow: Sendable, Hashable {
    public var name: String
    public var layer: Int?
    public var offset: UInt64
    public var size: UInt64
    public var bytes: UInt64
    /// Operations that read at least one byte of the tensor.
    public var operations: Int
    public var uniqueBytes: UInt64
    /// Bytes per expert slice for stacked-expert tensors (empty otherwise).
    public var expertBytes: [UInt64]
    /// Bytes read over unique bytes.
    public var rereadFactor: Double? { uniqueBytes == 0 ? nil : Double(bytes) / Double(uniqueBytes) }
  }

  public struct LayerRow: Sendable, Hashable {
    public var layer: Int
    public var size: UInt64 = 0
    public var bytes: UInt64 = 0
    public var uniqueBytes: UInt64 = 0
    public var operations = 0
    public init(layer: Int) { self.layer = layer }
    /// Bytes read over the layer's size: how many times it was read.
    public var passes: Double? { size == 0 ? nil : Double(bytes) / Double(size) }
  }

  public var tensors: [TensorRow]
  public var layers: [LayerRow]
  public var headerBytes: UInt64
  public var headerUniqueBytes: UInt64
  /// Bytes between tensors (alignment padding) and after the last one.
  public var paddingBytes: UInt64
  /// Which layer was read when, as runs of consecutive reads.
  public var timeline: [LayerRun]
  /// True when the timeline was too long and later runs were dropped.
  public var timelineTruncated: Bool
  public var order: LayerOrderAnalysis
  public var fileOrderDiffersFromLayerOrder: Bool
  /// Experts per layer and per forward pass, for models with stacked experts (nil otherwise).
  public var experts: ExpertFigures? = nil
}
