/// A GGUF metadata value type (spec §6.2), by its id in the file.
public enum GGUFValueType: UInt32, Sendable, Hashable, CaseIterable {
  case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
  case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

  /// gguf-py's name (`UINT32`, `STRING`, …).
  public var name: String {
    switch self {
    case .uint8: "UINT8"
    case .int8: "INT8"
    case .uint16: "UINT16"
    case .int16: "INT16"
    case .uint32: "UINT32"
    case .int32: "INT32"
    case .float32: "FLOAT32"
    case .bool: "BOOL"
    case .string: "STRING"
    case .array: "ARRAY"
    case .uint64: "UINT64"
    case .int64: "INT64"
    case .float64: "FLOAT64"
    }
  }

  /// Bytes of one value of a fixed-size type; nil for strings and arrays.
  public var fixedSize: Int? {
    switch self {
    case .uint8, .int8, .bool: 1
    case .uint16, .int16: 2
    case .uint32, .int32, .float32: 4
    case .uint64, .int64, .float64: 8
    case .string, .array: nil
    }
  }

  /// The fewest bytes one value of this type takes in a file (a string's length, an array's
  /// element type and count).
  public var minimumSize: Int { fixedSize ?? (self == .string ? 8 : 12) }
}

/// One metadata value. Big arrays are summarized: their count and their first elements.
public indirect enum ModelMetadataValue: Sendable, Hashable {
  case uint8(UInt8)
  case int8(Int8)
  case uint16(UInt16)
  case int16(Int16)
  case uint32(UInt32)
  case int32(Int32)
  case float32(Float)
  case bool(Bool)
  /// UTF-8 text; invalid sequences are replaced, and very long strings are cut (see
  /// `ModelMetadataArray.stringLimit`).
  case string(String)
  case array(ModelMetadataArray)
  case uint64(UInt64)
  case int64(Int64)
  case float64(Double)

  /// The GGUF type of the value.
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
    }
  }

  /// The value as an integer, for any integer type (spec §6.2: accept any integer type for
  /// numeric keys); nil for other types and for values outside `Int`.
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
    default: nil
    }
  }

  /// The value as a string, for strings only.
  public var string: String? {
    if case .string(let text) = self { text } else { nil }
  }
}

/// A metadata array: element type, element count, and the first `keptLimit` elements.
public struct ModelMetadataArray: Sendable, Hashable {
  /// Elements kept per array; the rest are counted and skipped (vocabularies have 32k–256k).
  public static let keptLimit = 16
  /// Bytes kept of one string value; longer strings are cut and end with "…".
  public static let stringLimit = 1 << 16

  /// The type of every element.
  public var elementType: GGUFValueType
  /// The number of elements in the file.
  public var count: UInt64
  /// The first `min(count, keptLimit)` elements.
  public var first: [ModelMetadataValue]

  public init(elementType: GGUFValueType, count: UInt64, first: [ModelMetadataValue]) {
    self.elementType = elementType
    self.count = count
    self.first = first
  }

  /// True when every element is kept.
  public var isComplete: Bool { UInt64(first.count) == count }
}

/// One metadata key and its value, with where the key starts in the file.
public struct ModelMetadataEntry: Sendable, Hashable {
  public var key: String
  public var value: ModelMetadataValue
  /// File offset of the key's first byte (GGUF) or of the header (safetensors).
  public var byteOffset: UInt64

  public init(key: String, value: ModelMetadataValue, byteOffset: UInt64) {
    self.key = key
    self.value = value
    self.byteOffset = byteOffset
  }
}
