/// Splits an attribution's file bytes among the files of a model (GGUF splits, safetensors
/// shards) laid end to end in `ModelLayout`: a piece belongs to the file whose bytes it
/// covers, cut at the file boundaries. Gives each file's bytes, unique bytes and operations.
public struct ModelFileAttribution {
  public let layout: ModelLayout
  private var bytes: [UInt64]
  private var operations: [Int]
  private var union = IntervalUnion()
  /// The last file the current operation was counted for (pieces of one operation arrive in
  /// disk order; a file counts an operation once).
  private var countedParts: [Int] = []

  public init(layout: ModelLayout) {
    self.layout = layout
    bytes = Array(repeating: 0, count: layout.parts.count)
    operations = Array(repeating: 0, count: layout.parts.count)
  }

  /// Adds one piece `[start, end)` of an operation, in the model's address space.
  @inline(__always)
  public mutating func add(pieceStart: UInt64, pieceEnd: UInt64) {
    guard pieceEnd > pieceStart, !layout.parts.isEmpty else { return }
    union.insert(pieceStart, pieceEnd)
    var index = layout.part(containing: pieceStart)
    while index < layout.parts.count, layout.parts[index].start < pieceEnd {
      let part = layout.parts[index]
      let stop = index == layout.parts.count - 1 ? pieceEnd : min(pieceEnd, part.end)
      let from = max(pieceStart, part.start)
      if stop > from {
        bytes[index] += stop - from
        if !countedParts.contains(index) {
          countedParts.append(index)
          operations[index] += 1
        }
      }
      index += 1
    }
  }

  /// Marks the end of one operation's pieces.
  @inline(__always)
  public mutating func endOperation() { countedParts.removeAll(keepingCapacity: true) }

  /// One row per file, in order.
  public mutating func result() -> [ModelFileFigures] {
    var unique = Array(repeating: UInt64(0), count: layout.parts.count)
    for piece in union.pieces {
      var index = layout.part(containing: piece.start)
      while index < layout.parts.count, layout.parts[index].start < piece.end {
        let part = layout.parts[index]
        let stop = index == layout.parts.count - 1 ? piece.end : min(piece.end, part.end)
        let from = max(piece.start, part.start)
        if stop > from { unique[index] += stop - from as UInt64 }
        index += 1
      }
    }
    var tensors = Array(repeating: 0, count: layout.parts.count)
    for tensor in layout.tensors { tensors[tensor.part] += 1 }
    return layout.parts.indices.map { index in
      ModelFileFigures(
        path: layout.parts[index].path, start: layout.parts[index].start, size: layout.parts[index].size, bytes: bytes[index],
        uniqueBytes: unique[index], operations: operations[index], tensors: tensors[index])
    }
  }
}

/// What was read of one file of a model.
public struct ModelFileFigures: Sendable, Hashable {
  public var path: String?
  /// Where the file starts in the model's address space.
  public var start: UInt64
  public var size: UInt64
  /// Bytes read from the file (a request spanning two files is split between them).
  public var bytes: UInt64
  public var uniqueBytes: UInt64
  /// Operations that read at least one byte of the file.
  public var operations: Int
  /// Tensors stored in the file.
  public var tensors: Int

  /// Bytes read over unique bytes.
  public var rereadFactor: Double? { uniqueBytes == 0 ? nil : Double(bytes) / Double(uniqueBytes) }
  /// Unique bytes over the file's size.
  public var coverage: Double? { size == 0 ? nil : Double(uniqueBytes) / Double(size) }
  /// Bytes read over the file's size.
  public var passes: Double? { size == 0 ? nil : Double(bytes) / Double(size) }
}
