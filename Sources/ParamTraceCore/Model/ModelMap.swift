/// The layout of a model file (GGUF or safetensors): header, metadata, and every tensor's
/// byte range, for attributing file I/O to tensors, layers and experts.
///
/// Tensors are in file order (by offset). Bytes outside every tensor are either header
/// (`[0, dataStart)`) or padding between or after tensors.
public struct ModelMap: Sendable, Hashable {
  /// The container format.
  public enum Format: String, Sendable, Hashable {
    case gguf, safetensors
  }

  /// Byte order of the header's integers (safetensors is always little-endian).
  public enum ByteOrder: String, Sendable, Hashable {
    case little, big
  }

  public var format: Format
  /// GGUF version (2 or 3); nil for safetensors.
  public var version: Int?
  public var byteOrder: ByteOrder
  /// The file's size in bytes.
  public var fileSize: UInt64
  /// File offset where the data section starts (GGUF: aligned end of the tensor infos;
  /// safetensors: 8 + header length). Everything before it is header.
  public var dataStart: UInt64
  /// GGUF `general.alignment` (32 if absent); nil for safetensors, which does not align.
  public var alignment: UInt64?
  /// Metadata in file order (safetensors: the `__metadata__` strings).
  public var metadata: [ModelMetadataEntry]
  /// The architecture keys (GGUF only; empty for safetensors).
  public var architecture: ModelArchitecture
  /// Tensors in file order (by offset, then size).
  public private(set) var tensors: [ModelTensor]
  /// Distinct layers in the order their first tensor appears in the file.
  public private(set) var layersInFileOrder: [Int]
  /// True when the file does not store layers in ascending order, one after the other: then a
  /// reader going layer by layer jumps around the file (spec §7: TheBloke's llama-2-7b stores
  /// blocks 0, 1, 10–19, 2, 20–23, 3–9, then output, then 24–31).
  public private(set) var layerOrderDiffersFromFileOrder: Bool

  /// Builds a map; sorts `tensors` by offset (the caller has checked that they do not overlap).
  public init(
    format: Format, version: Int?, byteOrder: ByteOrder = .little, fileSize: UInt64, dataStart: UInt64,
    alignment: UInt64?, metadata: [ModelMetadataEntry], architecture: ModelArchitecture, tensors: [ModelTensor]
  ) {
    self.format = format
    self.version = version
    self.byteOrder = byteOrder
    self.fileSize = fileSize
    self.dataStart = dataStart
    self.alignment = alignment
    self.metadata = metadata
    self.architecture = architecture
    let sorted = tensors.enumerated().sorted {
      ($0.element.fileOffset, $0.element.byteSize, $0.offset) < ($1.element.fileOffset, $1.element.byteSize, $1.offset)
    }
    self.tensors = sorted.map(\.element)
    var seen = Set<Int>()
    var order: [Int] = []
    var inOrder = true
    var previous: Int?
    for tensor in self.tensors {
      guard let layer = tensor.layer else { continue }
      if let previous, layer < previous { inOrder = false }
      previous = layer
      if seen.insert(layer).inserted { order.append(layer) }
    }
    layersInFileOrder = order
    layerOrderDiffersFromFileOrder = !inOrder
  }

  /// The value of a metadata key.
  public func metadata(_ key: String) -> ModelMetadataValue? {
    metadata.first { $0.key == key }?.value
  }

  /// Offset of `tensors[index]` relative to the data section (GGUF's stored tensor offset;
  /// safetensors' BEGIN).
  public func dataOffset(ofTensor index: Int) -> UInt64 { tensors[index].fileOffset - dataStart }

  /// Total bytes of all tensors.
  public var tensorBytes: UInt64 { tensors.reduce(0) { $0 + $1.byteSize } }

  /// Bytes that belong to no tensor: header plus padding.
  public var nonTensorBytes: UInt64 { fileSize - tensorBytes }

  /// Index (in `tensors`) of the tensor holding the byte at `offset`; nil for header,
  /// padding and bytes past the end. Binary search: O(log n).
  public func tensorIndex(containing offset: UInt64) -> Int? {
    // Last tensor that starts at or before `offset`; tensors do not overlap, so no earlier
    // tensor can reach past its start.
    var low = 0
    var high = tensors.count
    while low < high {
      let mid = (low + high) >> 1
      if tensors[mid].fileOffset <= offset { low = mid + 1 } else { high = mid }
    }
    guard low > 0 else { return nil }
    let candidate = low - 1
    return offset < tensors[candidate].fileEnd ? candidate : nil
  }

  /// Indices of the tensors that share at least one byte with `range` (file offsets, end
  /// excluded), in file order. May also contain zero-size tensors lying inside the range.
  public func tensorIndices(overlapping range: Range<UInt64>) -> Range<Int> {
    guard !range.isEmpty else { return 0..<0 }
    // Ends never decrease in file order, since tensors do not overlap.
    var low = 0
    var high = tensors.count
    while low < high {
      let mid = (low + high) >> 1
      if tensors[mid].fileEnd <= range.lowerBound { low = mid + 1 } else { high = mid }
    }
    var end = low
    high = tensors.count
    while end < high {
      let mid = (end + high) >> 1
      if tensors[mid].fileOffset < range.upperBound { end = mid + 1 } else { high = mid }
    }
    return low..<end
  }

  /// What a byte range of the file holds.
  public enum Region: Hashable, Sendable {
    /// Bytes before `dataStart`.
    case header
    /// Bytes of `tensors[index]`.
    case tensor(Int)
    /// Bytes in the data section that belong to no tensor (alignment padding).
    case padding
    /// Bytes at or past the end of the file.
    case pastEnd
  }

  /// Calls `body` for each piece of `range` in file order, with what it holds; the pieces
  /// cover `range` exactly. Allocates nothing.
  public func forEachPiece(of range: Range<UInt64>, _ body: (Region, Range<UInt64>) -> Void) {
    var position = range.lowerBound
    let end = range.upperBound
    if position < min(end, dataStart) {
      let stop = min(end, dataStart, fileSize)
      if position < stop {
        body(.header, position..<stop)
        position = stop
      }
    }
    if position < min(end, fileSize) {
      for index in tensorIndices(overlapping: position..<min(end, fileSize)) {
        let tensor = tensors[index]
        guard tensor.byteSize > 0 else { continue }
        if position < tensor.fileOffset {
          body(.padding, position..<tensor.fileOffset)
          position = tensor.fileOffset
        }
        let stop = min(end, tensor.fileEnd)
        body(.tensor(index), position..<stop)
        position = stop
      }
      if position < min(end, fileSize) {
        body(.padding, position..<min(end, fileSize))
        position = min(end, fileSize)
      }
    }
    if position < end { body(.pastEnd, position..<end) }
  }
}
