/// A GGUF metadata value to write (spec §6.2). Unlike `ModelMetadataValue`, which the reader
/// summarizes, arrays here are complete.
public indirect enum GGUFValue: Sendable, Hashable {
  case uint8(UInt8)
  case int8(Int8)
  case uint16(UInt16)
  case int16(Int16)
  case uint32(UInt32)
  case int32(Int32)
  case float32(Float)
  case bool(Bool)
  case string(String)
  /// Elements of one type (`elementType`), each encoded as that type; nested arrays are allowed
  /// by the spec, though llama.cpp refuses them.
  case array(elementType: GGUFValueType, [GGUFValue])
  case uint64(UInt64)
  case int64(Int64)
  case float64(Double)
  /// A value already encoded: its type and the bytes after the type field, copied from another
  /// file's header (`--like FILE`), so that a copy is byte-identical.
  case encoded(GGUFValueType, [UInt8])

  /// The type written before the value.
  public var type: GGUFValueType {
    switch self {
    case .uint8: .uint8
    case .int8: .int8
    case .uint16: .uint16
    case .int16: .int16
    case .uint32: .uint32
    case .int32: .int32
    case .float32: .float32
    case .bool: .bool
    case .string: .string
    case .array: .array
    case .uint64: .uint64
    case .int64: .int64
    case .float64: .float64
    case .encoded(let type, _): type
    }
  }

  /// An array of strings.
  public static func strings(_ values: [String]) -> GGUFValue { .array(elementType: .string, values.map { .string($0) }) }
  /// An array of f32.
  public static func float32s(_ values: [Float]) -> GGUFValue { .array(elementType: .float32, values.map { .float32($0) }) }
  /// An array of i32.
  public static func int32s(_ values: [Int32]) -> GGUFValue { .array(elementType: .int32, values.map { .int32($0) }) }

  /// The value as an integer, for integer types (encoded ones too); nil otherwise.
  public var integer: Int? {
    switch self {
    case .uint8(let v): Int(v)
    case .int8(let v): Int(v)
    case .uint16(let v): Int(v)
    case .int16(let v): Int(v)
    case .uint32(let v): Int(v)
    case .int32(let v): Int(v)
    case .uint64(let v): Int(exactly: v)
    case .int64(let v): Int(v)
    case .encoded(let type, let bytes):
      switch type {
      case .uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64:
        GGUFValue.decodeInteger(type, bytes)
      default: nil
      }
    default: nil
    }
  }

  /// The element count of an array value (encoded ones too); nil for scalars.
  public var arrayCount: Int? {
    switch self {
    case .array(_, let elements): elements.count
    case .encoded(.array, let bytes) where bytes.count >= 12:
      Int(exactly: bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt64.self)) })
    default: nil
    }
  }

  /// The same value with an integer payload replaced, keeping the type (the number is clamped
  /// to the type's range); other values are returned unchanged.
  public func replacingInteger(with number: Int) -> GGUFValue {
    switch type {
    case .uint8: .uint8(UInt8(clamping: number))
    case .int8: .int8(Int8(clamping: number))
    case .uint16: .uint16(UInt16(clamping: number))
    case .int16: .int16(Int16(clamping: number))
    case .uint32: .uint32(UInt32(clamping: number))
    case .int32: .int32(Int32(clamping: number))
    case .uint64: .uint64(UInt64(clamping: number))
    case .int64: .int64(Int64(number))
    default: self
    }
  }

  private static func decodeInteger(_ type: GGUFValueType, _ bytes: [UInt8]) -> Int? {
    guard let size = type.fixedSize, bytes.count == size else { return nil }
    var raw: UInt64 = 0
    for (index, byte) in bytes.enumerated() { raw |= UInt64(byte) << (8 * UInt64(index)) }
    switch type {
    case .uint8, .uint16, .uint32: return Int(raw)
    case .uint64: return Int(exactly: raw)
    case .int8: return Int(Int8(truncatingIfNeeded: raw))
    case .int16: return Int(Int16(truncatingIfNeeded: raw))
    case .int32: return Int(Int32(truncatingIfNeeded: raw))
    case .int64: return Int(Int64(bitPattern: raw))
    default: return nil
    }
  }
}

/// One metadata key and the value to write.
public struct GGUFMetadataPair: Sendable, Hashable {
  public var key: String
  public var value: GGUFValue

  public init(_ key: String, _ value: GGUFValue) {
    self.key = key
    self.value = value
  }
}
