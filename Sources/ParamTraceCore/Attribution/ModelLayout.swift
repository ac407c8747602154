/// Where a model file's tensors lie, reduced to what attributing reads needs: byte ranges in
/// file order with their layer. Built from a parsed GGUF or safetensors header.
public struct ModelLayout: Sendable, Hashable {
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

    public init(name: String, start: UInt64, end: UInt64, layer: Int? = nil, expertCount: Int? = nil) {
      self.name = name
      self.start = start
      self.end = end
      self.layer = layer
      self.expertCount = expertCount
    }

    public var size: UInt64 { end - start }
  }

  public var path: String?
  public var fileSize: UInt64
  /// Where the tensor data begins; bytes before it are the header.
  public var dataStart: UInt64
  /// Tensors sorted by file offset.
  public private(set) var tensors: [Tensor]

  public init(path: String? = nil, fileSize: UInt64, dataStart: UInt64, tensors: [Tensor]) {
    self.path = path
    self.fileSize = fileSize
    self.dataStart = dataStart
    self.tensors = tensors.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
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
