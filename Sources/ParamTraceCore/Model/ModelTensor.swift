/// One tensor of a model file: where its bytes are and what they hold.
public struct ModelTensor: Sendable, Hashable {
  /// The tensor's name as stored (`blk.0.attn_q.weight`, `model.layers.0.mlp.up_proj.weight`).
  public var name: String
  /// The type's name: a ggml type (`Q4_K`, gguf-py's spelling) or a safetensors dtype (`BF16`).
  public var typeName: String
  /// The dimensions. GGUF: ggml `ne` order, innermost first (`[4096, 32000]` for a
  /// [32000, 4096] PyTorch matrix). safetensors: PyTorch order, outermost first.
  public var shape: [UInt64]
  /// Absolute file offset of the first byte, in bytes.
  public var fileOffset: UInt64
  /// Size in bytes.
  public var byteSize: UInt64
  /// The transformer block the tensor belongs to, from its name (`blk.N.` in GGUF;
  /// `layers.N.`, `h.N.`, `blocks.N.` in safetensors); nil for embeddings, output, norms.
  public var layer: Int?
  /// For tensors that stack experts (GGUF `*_exps`: the last `ne` dimension; safetensors
  /// `….experts.NAME` of rank ≥ 3: the first dimension), the number of experts; else nil.
  /// Each expert is a contiguous slice of `byteSize / expertCount` bytes.
  public var expertCount: Int?

  public init(
    name: String, typeName: String, shape: [UInt64], fileOffset: UInt64, byteSize: UInt64, layer: Int? = nil,
    expertCount: Int? = nil
  ) {
    self.name = name
    self.typeName = typeName
    self.shape = shape
    self.fileOffset = fileOffset
    self.byteSize = byteSize
    self.layer = layer
    self.expertCount = expertCount
  }

  /// File offset one past the last byte.
  public var fileEnd: UInt64 { fileOffset + byteSize }

  /// Bytes of one expert's slice; nil when the tensor does not stack experts.
  public var expertSliceBytes: UInt64? {
    guard let expertCount, expertCount > 0 else { return nil }
    return byteSize / UInt64(expertCount)
  }

  /// The expert whose slice holds `offset` (absolute), for stacked-expert tensors.
  public func expert(containing offset: UInt64) -> Int? {
    guard let slice = expertSliceBytes, slice > 0, offset >= fileOffset, offset < fileEnd else { return nil }
    return Int((offset - fileOffset) / slice)
  }

  /// The block number in a GGUF tensor name: `blk.N.…`.
  public static func ggufLayer(_ name: String) -> Int? {
    let bytes = Array(name.utf8.prefix(24))
    let prefix: [UInt8] = Array("blk.".utf8)
    guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
    return number(bytes, from: prefix.count).flatMap { value, end in end < bytes.count && bytes[end] == 0x2E ? value : nil }
  }

  /// The layer number in a safetensors (Hugging Face) tensor name: the first segment pair
  /// `layers.N.`, `h.N.`, `blocks.N.` or `blk.N.` (`model.layers.3.…`, `transformer.h.3.…`).
  public static func safetensorsLayer(_ name: String) -> Int? {
    let segments = name.split(separator: ".", omittingEmptySubsequences: false)
    guard segments.count >= 3 else { return nil }
    for index in 0..<(segments.count - 2) {
      switch segments[index] {
      case "layers", "h", "blocks", "blk":
        let digits = segments[index + 1]
        if !digits.isEmpty, digits.utf8.count <= 9, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
          return Int(digits)
        }
      default: continue
      }
    }
    return nil
  }

  /// The expert count of a GGUF tensor: the last dimension of `…_exps…` tensors of rank ≥ 3.
  static func ggufExpertCount(name: String, ne: [UInt64]) -> Int? {
    guard ne.count >= 3, name.contains("_exps"), let last = ne.last, last > 0 else { return nil }
    return Int(exactly: last)
  }

  /// The expert count of a safetensors tensor: the first dimension of `….experts.NAME` tensors
  /// (no expert number in the name) of rank ≥ 3.
  static func safetensorsExpertCount(name: String, shape: [UInt64]) -> Int? {
    guard shape.count >= 3, let first = shape.first, first > 0 else { return nil }
    let segments = name.split(separator: ".", omittingEmptySubsequences: false)
    guard let index = segments.firstIndex(of: "experts"), index + 1 < segments.count,
      !segments[index + 1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
    else { return nil }
    return Int(exactly: first)
  }

  /// Decimal digits at `start` (at most 9); the value and the index after them.
  private static func number(_ bytes: [UInt8], from start: Int) -> (Int, Int)? {
    var value = 0
    var index = start
    while index < bytes.count, index - start < 9, bytes[index] >= 0x30, bytes[index] <= 0x39 {
      value = value * 10 + Int(bytes[index] - 0x30)
      index += 1
    }
    return index > start ? (value, index) : nil
  }
}
