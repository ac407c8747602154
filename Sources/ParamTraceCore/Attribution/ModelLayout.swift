/// Where a model's tensors lie, reduced to what attributing reads needs: byte ranges in
/// file order with their layer. Built from a parsed GGUF or safetensors header.
///
/// A model in several files (GGUF splits, safetensors shards) is one address space: the files
/// laid end to end in their order (each from the next page after the one before), so
/// that attribution, unique bytes and gaps work on it as on one file; `parts` says where each
/// file starts and where its header ends.
public struct ModelLayout: Sendable, Hashable {
  /// One file of the model in the model's address space.
  public struct Part: Sendable, Hashable {
    public var path: String?
    /// Where the file's first byte lies in the model's address space.
    public var start: UInt64
    /// The file's size in bytes.
    public var size: UInt64
    /// Where its tensor data begins, in the file (bytes before it are its header).
    public var dataStart: UInt64

    public init(path: String?, start: UInt64, size: UInt64, dataStart: UInt64) {
      self.path = path
      self.start = start
      self.size = size
      self.dataStart = dataStart
    }

    /// One past the file's last byte in the model's address space.
    public var end: UInt64 { start + size }
    /// One past the header's last byte in the model's address space.
    public var headerEnd: UInt64 { start + min(dataStart, size) }
  }

  /// One tensor's bytes in the file.
  public struct Tensor: Sendable, Hashable {
    public var name: String
    /// First byte in the file.
    public var start: UInt64
    /// One past the last byte.
    public var end: UInt64
    /// Transformer block index (`blk.N.`), nil for tensors outside the blocks.
    public var layer: Int?
    /// Experts stacked along the last dimension (`ffn_*_exps`), nil otherwise.
    public var expertCount: Int?
    /// Index in `parts` of the file holding the tensor.
    public var part: Int

    public init(name: String, start: UInt64, end: UInt64, layer: Int? = nil, expertCount: Int? = nil, part: Int = 0) {
      self.name = name
      self.start = start
      self.end = end
      self.layer = layer
      self.expertCount = expertCount
      self.part = part
    }

    public var size: UInt64 { end - start }
  }

  /// The files, in the order they are laid end to end (one for a single-file model).
  public private(set) var parts: [Part]
  /// Tensors sorted by offset in the model's address space.
  public private(set) var tensors: [Tensor]

  /// A model in one file.
  public init(path: String? = nil, fileSize: UInt64, dataStart: UInt64, tensors: [Tensor]) {
    self.init(parts: [Part(path: path, start: 0, size: fileSize, dataStart: dataStart)], tensors: tensors)
  }

  /// A model in several files; `tensors` are already in the model's address space.
  public init(parts: [Part], tensors: [Tensor]) {
    self.parts = parts
    self.tensors = tensors.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
  }

  /// The first file's path (the model as the user named it).
  public var path: String? { parts.first?.path }
  /// Bytes of all files together.
  public var fileSize: UInt64 { parts.last?.end ?? 0 }
  /// Where the first file's tensor data begins.
  public var dataStart: UInt64 { parts.first?.dataStart ?? 0 }
  /// Header bytes of all files together.
  public var headerSize: UInt64 { parts.reduce(0) { $0 + ($1.headerEnd - $1.start) } }

  /// Bytes of `[start, end)` that are some file's header. One file is the usual case, so a
  /// walk over the parts is cheaper than a search.
  @inline(__always)
  public func headerBytes(_ start: UInt64, _ end: UInt64) -> UInt64 {
    var bytes: UInt64 = 0
    for part in parts {
      if part.start >= end { break }
      let stop = min(end, part.headerEnd)
      let from = max(start, part.start)
      if stop > from { bytes += stop - from }
    }
    return bytes
  }

  /// Index in `parts` of the file holding `offset` of the model's address space (the last
  /// file for offsets past the end).
  public func part(containing offset: UInt64) -> Int {
    var low = 0
    var high = parts.count
    while low < high {
      let mid = (low + high) >> 1
      if parts[mid].end <= offset { low = mid + 1 } else { high = mid }
    }
    return min(low, parts.count - 1)
  }

  /// Index of the first tensor that ends after `offset`.
  @inline(__always)
  func firstTensor(endingAfter offset: UInt64) -> Int {
    var low = 0
    var high = tensors.count
    while low < high {
      let mid = (low + high) >> 1
      if tensors[mid].end <= offset { low = mid + 1 } else { high = mid }
    }
    return low
  }

  /// Layer indices in the order their first tensor appears in the file.
  public var layersInFileOrder: [Int] {
    var seen = Set<Int>()
    var order: [Int] = []
    for tensor in tensors {
      if let layer = tensor.layer, seen.insert(layer).inserted { order.append(layer) }
    }
    return order
  }

  /// File-order ranks of the blocks (by their first tensor) and of the tensors outside them
  /// together: what is stored next to what, for read-around.
  public var fileUnitRanks: (layers: [Int: Int], tensors: [Int: Int]) {
    var layers: [Int: Int] = [:]
    var outside: [Int: Int] = [:]
    var rank = 0
    for (index, tensor) in tensors.enumerated() {
      if let layer = tensor.layer {
        if layers[layer] == nil {
          layers[layer] = rank
          rank += 1
        }
      } else {
        outside[index] = rank
        rank += 1
      }
    }
    return (layers, outside)
  }

  /// True when the blocks are not stored in numeric order (TheBloke's llama-2 files:
  /// 0, 1, 10–19, 2, …), so a reader going layer by layer jumps around the file.
  public var fileOrderDiffersFromLayerOrder: Bool {
    let order = layersInFileOrder
    return order != order.sorted()
  }
}
