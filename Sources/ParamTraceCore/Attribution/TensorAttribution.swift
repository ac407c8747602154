/// Attributes each operation's file bytes to the tensors they belong to (an operation can
/// span several; header and padding bytes are their own buckets), and follows which layer
/// is read over time.
public struct TensorAttribution {
  public let layout: ModelLayout
  private var tensorBytes: [UInt64]
  private var tensorOperations: [Int]
  private var expertBytes: [[UInt64]]
  private var headerBytes: UInt64 = 0
  private var paddingBytes: UInt64 = 0
  private var union = IntervalUnion()
  private var timeline = LayerTimeline()
  /// Tensors the current operation has touched, so each counts the operation once.
  private var touchedByOperation: [Int] = []

  /// The disk's read-around window, for the read-order analysis (0: unknown).
  public var readAroundWindowBytes: UInt64

  public init(layout: ModelLayout, readAroundWindowBytes: UInt64 = 0) {
    self.layout = layout
    self.readAroundWindowBytes = readAroundWindowBytes
    tensorBytes = Array(repeating: 0, count: layout.tensors.count)
    tensorOperations = Array(repeating: 0, count: layout.tensors.count)
    expertBytes = layout.tensors.map { Array(repeating: 0, count: max(0, $0.expertCount ?? 0)) }
  }

  /// Adds one operation's file bytes, given as pieces `[start, end)` of file offsets.
  @inline(__always)
  public mutating func add(pieceStart: UInt64, pieceEnd: UInt64, time: UInt64) {
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
      if let experts = tensor.expertCount, experts > 1 { addExpertBytes(index, experts, start, end) }
      timeline.add(layer: tensor.layer, tensor: index, bytes: end - start, time: time)
      index += 1
    }
    paddingBytes += (pieceEnd - pieceStart) - covered
  }

  /// Marks the end of one operation's pieces.
  @inline(__always)
  public mutating func endOperation() { touchedByOperation.removeAll(keepingCapacity: true) }

  private mutating func addExpertBytes(_ index: Int, _ experts: Int, _ start: UInt64, _ end: UInt64) {
    let tensor = layout.tensors[index]
    let slice = max(1, tensor.size / UInt64(experts))
    var at = start
    while at < end {
      let expert = min(experts - 1, Int((at - tensor.start) / slice))
      let sliceEnd = expert == experts - 1 ? tensor.end : tensor.start + UInt64(expert + 1) * slice
      let stop = min(end, sliceEnd)
      expertBytes[index][expert] += stop - at
      at = stop
    }
  }

  /// The per-tensor, per-layer and timeline figures.
  public mutating func result() -> TensorFigures {
    // Unique bytes per tensor: sweep the union's pieces against the tensors.
    var unique = Array(repeating: UInt64(0), count: layout.tensors.count)
    var headerUnique: UInt64 = 0
    for piece in union.pieces {
      headerUnique += layout.headerBytes(piece.start, piece.end)
      var index = layout.firstTensor(endingAfter: piece.start)
      while index < layout.tensors.count, layout.tensors[index].start < piece.end {
        unique[index] += min(piece.end, layout.tensors[index].end) - max(piece.start, layout.tensors[index].start)
        index += 1
      }
    }
    let tensors = layout.tensors.indices.map { index in
      TensorFigures.TensorRow(
        name: layout.tensors[index].name, layer: layout.tensors[index].layer, offset: layout.tensors[index].start,
        size: layout.tensors[index].size, bytes: tensorBytes[index], operations: tensorOperations[index],
        uniqueBytes: unique[index], expertBytes: expertBytes[index])
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
    return TensorFigures(
      tensors: tensors, layers: layers.values.sorted { $0.layer < $1.layer }, headerBytes: headerBytes,
      headerUniqueBytes: headerUnique, paddingBytes: paddingBytes, timeline: timeline.runs, timelineTruncated: timeline.truncated,
      order: LayerOrderAnalysis(
        runs: timeline.runs, layersInFileOrder: layout.layersInFileOrder,
        layerSizes: Dictionary(layers.values.map { ($0.layer, $0.size) }, uniquingKeysWith: +),
        readAroundWindowBytes: readAroundWindowBytes, unitRanks: layout.fileUnitRanks),
      fileOrderDiffersFromLayerOrder: layout.fileOrderDiffersFromLayerOrder)
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
}
