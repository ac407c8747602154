/// A ggml tensor type as stored in GGUF tensor infos: its id, name, and block geometry
/// (spec §6.4). Sizes come from ggml's C structs; names are gguf-py's (`Q4_K`, `BF16`).
public struct GGMLType: Hashable, Sendable, CustomStringConvertible {
  /// The id stored in the file (u32 `ggml_type`).
  public let id: UInt32
  /// gguf-py's name, e.g. `Q4_K`.
  public let name: String
  /// Elements per block (1 for plain types, 32, 64, 128 or 256 for quantized ones).
  public let blockSize: UInt64
  /// Bytes per block.
  public let bytesPerBlock: UInt64

  public var description: String { name }

  private init(_ id: UInt32, _ name: String, _ blockSize: UInt64, _ bytesPerBlock: UInt64) {
    self.id = id
    self.name = name
    self.blockSize = blockSize
    self.bytesPerBlock = bytesPerBlock
  }

  /// The type with this id, or nil when the id is unknown or names a removed type that has no
  /// trustworthy size (4, 5, 36–38). Removed ids 31–33 (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8) are
  /// returned with Q4_0-sized blocks (32 elements, 18 bytes), as late-2024 files used them.
  public init?(id: UInt32) {
    guard let type = Self.table(id) else { return nil }
    self = type
  }

  /// Every id this reader accepts, in id order.
  public static let all: [GGMLType] = (0...64).compactMap { GGMLType(id: $0) }

  /// The name of a removed type id that this reader refuses (4, 5, 36–38), else nil.
  public static func removedName(id: UInt32) -> String? {
    switch id {
    case 4: "Q4_2"
    case 5: "Q4_3"
    case 36: "IQ4_NL_4_4"
    case 37: "IQ4_NL_4_8"
    case 38: "IQ4_NL_8_8"
    default: nil
    }
  }

  // swift-format-ignore
  private static func table(_ id: UInt32) -> GGMLType? {
    switch id {
    case 0: GGMLType(0, "F32", 1, 4)
    case 1: GGMLType(1, "F16", 1, 2)
    case 2: GGMLType(2, "Q4_0", 32, 18)
    case 3: GGMLType(3, "Q4_1", 32, 20)
    case 6: GGMLType(6, "Q5_0", 32, 22)
    case 7: GGMLType(7, "Q5_1", 32, 24)
    case 8: GGMLType(8, "Q8_0", 32, 34)
    // ggml's block_q8_1 is 36 bytes; gguf-py says 40. Internal type, never in model files.
    case 9: GGMLType(9, "Q8_1", 32, 36)
    case 10: GGMLType(10, "Q2_K", 256, 84)
    case 11: GGMLType(11, "Q3_K", 256, 110)
    case 12: GGMLType(12, "Q4_K", 256, 144)
    case 13: GGMLType(13, "Q5_K", 256, 176)
    case 14: GGMLType(14, "Q6_K", 256, 210)
    case 15: GGMLType(15, "Q8_K", 256, 292)
    case 16: GGMLType(16, "IQ2_XXS", 256, 66)
    case 17: GGMLType(17, "IQ2_XS", 256, 74)
    case 18: GGMLType(18, "IQ3_XXS", 256, 98)
    case 19: GGMLType(19, "IQ1_S", 256, 50)
    case 20: GGMLType(20, "IQ4_NL", 32, 18)
    case 21: GGMLType(21, "IQ3_S", 256, 110)
    case 22: GGMLType(22, "IQ2_S", 256, 82)
    case 23: GGMLType(23, "IQ4_XS", 256, 136)
    case 24: GGMLType(24, "I8", 1, 1)
    case 25: GGMLType(25, "I16", 1, 2)
    case 26: GGMLType(26, "I32", 1, 4)
    case 27: GGMLType(27, "I64", 1, 8)
    case 28: GGMLType(28, "F64", 1, 8)
    case 29: GGMLType(29, "IQ1_M", 256, 56)
    case 30: GGMLType(30, "BF16", 1, 2)
    // Removed repacked types; their blocks were Q4_0-sized.
    case 31: GGMLType(31, "Q4_0_4_4", 32, 18)
    case 32: GGMLType(32, "Q4_0_4_8", 32, 18)
    case 33: GGMLType(33, "Q4_0_8_8", 32, 18)
    case 34: GGMLType(34, "TQ1_0", 256, 54)
    case 35: GGMLType(35, "TQ2_0", 256, 66)
    case 39: GGMLType(39, "MXFP4", 32, 17)
    case 40: GGMLType(40, "NVFP4", 64, 36)
    case 41: GGMLType(41, "Q1_0", 128, 18)
    default: nil
    }
  }

  /// Why a shape has no byte size for a type.
  public enum SizeError: Error, Hashable, Sendable {
    /// `ne[0]` is not a multiple of the block size.
    case rowNotDivisible(ne0: UInt64, blockSize: UInt64)
    /// The element count or the byte count does not fit in a signed 64-bit integer.
    case overflow
  }

  /// Bytes of a row of `ne0` elements: `ne0 / blockSize × bytesPerBlock`.
  public func rowBytes(ne0: UInt64) throws(SizeError) -> UInt64 {
    guard ne0 % blockSize == 0 else { throw .rowNotDivisible(ne0: ne0, blockSize: blockSize) }
    let (bytes, overflow) = (ne0 / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
    guard !overflow, bytes <= UInt64(Int64.max) else { throw .overflow }
    return bytes
  }

  /// Bytes of a tensor whose dimensions are `ne` (ggml order, innermost first; empty means a
  /// scalar): row bytes × ne[1] × ne[2] × ne[3]. The element count must fit in an Int64, as
  /// ggml requires.
  public func byteCount(ne: [UInt64]) throws(SizeError) -> UInt64 {
    var elements: UInt64 = 1
    for dimension in ne {
      let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
      guard !overflow, product <= UInt64(Int64.max) else { throw .overflow }
      elements = product
    }
    var bytes = try rowBytes(ne0: ne.first ?? 1)
    for dimension in ne.dropFirst() {
      let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
      guard !overflow, product <= UInt64(Int64.max) else { throw .overflow }
      bytes = product
    }
    return bytes
  }
}
