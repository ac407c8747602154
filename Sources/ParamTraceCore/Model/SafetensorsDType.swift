/// A safetensors dtype and its size in bits per element (spec §9).
public struct SafetensorsDType: Hashable, Sendable, CustomStringConvertible {
  /// The name as written in the header (`F16`, `BF16`, `F8_E4M3`, …).
  public let name: String
  /// Bits per element; 4 and 6 are packed.
  public let bits: UInt64

  public var description: String { name }

  /// The dtype named `name`, or nil when safetensors has no such dtype.
  public init?(name: String) {
    let bits: UInt64
    switch name {
    case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ": bits = 8
    case "I16", "U16", "F16", "BF16": bits = 16
    case "I32", "U32", "F32": bits = 32
    case "I64", "U64", "F64", "C64": bits = 64
    case "F4": bits = 4
    case "F6_E2M3", "F6_E3M2": bits = 6
    default: return nil
    }
    self.name = name
    self.bits = bits
  }

  /// Bytes of a tensor of `shape` (empty: a scalar), or nil when the element count overflows or
  /// packed elements do not fill whole bytes.
  public func byteCount(shape: [UInt64]) -> UInt64? {
    var elements: UInt64 = 1
    for dimension in shape {
      let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
      guard !overflow else { return nil }
      elements = product
    }
    let (totalBits, overflow) = elements.multipliedReportingOverflow(by: bits)
    guard !overflow, totalBits % 8 == 0 else { return nil }
    return totalBits / 8
  }
}
