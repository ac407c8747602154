/// One tensor of a GGUF file to write: name, ggml shape (`ne`, innermost first) and type.
public struct GGUFTensorSpec: Sendable, Hashable {
  public var name: String
  public var ne: [UInt64]
  public var type: GGMLType

  public init(name: String, ne: [UInt64], type: GGMLType) {
    self.name = name
    self.ne = ne
    self.type = type
  }

  /// Bytes of one row (`ne[0]` elements).
  public var rowBytes: UInt64 { (try? type.rowBytes(ne0: ne.first ?? 1)) ?? 0 }
  /// Rows: `ne[1] × ne[2] × ne[3]` (1 for a vector).
  public var rowCount: UInt64 { ne.dropFirst().reduce(1, *) }
  /// Bytes of the tensor's data.
  public var byteCount: UInt64 { (try? type.byteCount(ne: ne)) ?? 0 }
}

/// Everything that decides a GGUF file's layout: version, metadata (in order), tensors (in
/// file order). The alignment is `general.alignment` when present, else 32 (spec §6.3).
public struct GGUFFileSpec: Sendable, Hashable {
  /// 2 or 3; they share the layout (TheBloke's 2023 files are v2).
  public var version: UInt32
  public var metadata: [GGUFMetadataPair]
  public var tensors: [GGUFTensorSpec]

  public init(version: UInt32 = 3, metadata: [GGUFMetadataPair], tensors: [GGUFTensorSpec]) {
    self.version = version
    self.metadata = metadata
    self.tensors = tensors
  }

  /// The value of a metadata key.
  public func value(_ key: String) -> GGUFValue? { metadata.first { $0.key == key }?.value }

  /// `general.alignment`, or 32 when absent (or not a usable integer: the writer refuses it).
  public var alignment: UInt64 {
    guard let number = value("general.alignment")?.integer, number > 0 else { return GGUFReader.defaultAlignment }
    return UInt64(number)
  }

  /// Sets a key's value in place, or appends the key.
  public mutating func set(_ key: String, _ value: GGUFValue) {
    if let index = metadata.firstIndex(where: { $0.key == key }) {
      metadata[index].value = value
    } else {
      metadata.append(GGUFMetadataPair(key, value))
    }
  }
}

/// Where everything of a `GGUFFileSpec` lands in the file, with the header's bytes.
public struct GGUFLayout: Sendable, Hashable {
  /// The header: fixed fields, KVs, tensor infos and the zero padding up to `dataStart`.
  public var header: [UInt8]
  /// File offset of the data section (`header.count`).
  public var dataStart: UInt64
  /// Each tensor's offset relative to the data section, in spec order.
  public var tensorOffsets: [UInt64]
  /// Each tensor's byte count, in spec order.
  public var tensorBytes: [UInt64]
  /// The alignment used.
  public var alignment: UInt64
  /// The file's size: data start plus the data, padded to the alignment after the last tensor,
  /// as llama.cpp's and gguf-py's writers do.
  public var fileSize: UInt64

  /// Absolute file offset of tensor `index`.
  public func fileOffset(ofTensor index: Int) -> UInt64 { dataStart + tensorOffsets[index] }
}

/// Why a spec cannot be written.
public struct GGUFWriteError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Reason: Hashable, Sendable {
    case badVersion(UInt32)
    case badAlignment(UInt64)
    case nameTooLong(String)
    case duplicateTensor(String)
    case duplicateKey(String)
    case tooManyDimensions(String)
    case rowNotDivisible(tensor: String, ne0: UInt64, type: String, blockSize: UInt64)
    case tooLarge(String)
    case mixedArray(key: String)
  }

  public var reason: Reason

  public init(_ reason: Reason) { self.reason = reason }

  public var description: String {
    switch reason {
    case .badVersion(let version): "GGUF version \(version): only 2 and 3 share the layout this writer produces."
    case .badAlignment(let value): "general.alignment \(value) is not a power of two and a multiple of 8."
    case .nameTooLong(let name): "tensor name \"\(name.prefix(80))\" is longer than ggml's 63 bytes."
    case .duplicateTensor(let name): "tensor \"\(name)\" appears twice."
    case .duplicateKey(let key): "metadata key \"\(key)\" appears twice."
    case .tooManyDimensions(let name): "tensor \"\(name)\" has more than 4 dimensions."
    case .rowNotDivisible(let tensor, let ne0, let type, let block):
      "tensor \"\(tensor)\": ne[0] = \(ne0) is not a multiple of \(type)'s block of \(block)."
    case .tooLarge(let what): "\(what) does not fit in 63 bits."
    case .mixedArray(let key): "metadata \"\(key)\": an array element does not have the array's element type."
    }
  }
}

/// Writes GGUF headers (spec §6): magic, version, counts, KVs of every type (arrays of strings
/// included), tensor infos, and zero padding to the alignment, with tensor offsets placed as
/// llama.cpp's writer places them: `offset[0] = 0`, `offset[i+1] = align_up(offset[i] +
/// bytes[i], ALIGNMENT)`. Little-endian only.
public enum GGUFWriter {
  /// The longest tensor name ggml accepts (GGML_MAX_NAME − 1).
  public static let maxTensorName = 63

  /// The layout of `spec`, with the header's bytes.
  public static func layout(_ spec: GGUFFileSpec) throws(GGUFWriteError) -> GGUFLayout {
    guard spec.version == 2 || spec.version == 3 else { throw GGUFWriteError(.badVersion(spec.version)) }
    let alignment = spec.alignment
    guard alignment & (alignment - 1) == 0, alignment % 8 == 0 else { throw GGUFWriteError(.badAlignment(alignment)) }

    var offsets: [UInt64] = []
    var sizes: [UInt64] = []
    var names = Set<String>()
    var next: UInt64 = 0
    for tensor in spec.tensors {
      guard tensor.name.utf8.count <= maxTensorName else { throw GGUFWriteError(.nameTooLong(tensor.name)) }
      guard names.insert(tensor.name).inserted else { throw GGUFWriteError(.duplicateTensor(tensor.name)) }
      guard tensor.ne.count <= 4 else { throw GGUFWriteError(.tooManyDimensions(tensor.name)) }
      let size: UInt64
      do throws(GGMLType.SizeError) {
        size = try tensor.type.byteCount(ne: tensor.ne)
      } catch {
        switch error {
        case .overflow: throw GGUFWriteError(.tooLarge("tensor \"\(tensor.name)\""))
        case .rowNotDivisible(let ne0, let block):
          throw GGUFWriteError(.rowNotDivisible(tensor: tensor.name, ne0: ne0, type: tensor.type.name, blockSize: block))
        }
      }
      offsets.append(next)
      sizes.append(size)
      let (end, overflow) = next.addingReportingOverflow(size)
      guard !overflow, end < UInt64(Int64.max) - alignment else { throw GGUFWriteError(.tooLarge("the data section")) }
      next = alignUp(end, alignment)
    }

    var bytes: [UInt8] = []
    bytes.reserveCapacity(1 << 16)
    bytes.append(contentsOf: GGUFReader.magic)
    append(spec.version, to: &bytes)
    append(UInt64(spec.tensors.count), to: &bytes)
    append(UInt64(spec.metadata.count), to: &bytes)
    var keys = Set<String>()
    for pair in spec.metadata {
      guard keys.insert(pair.key).inserted else { throw GGUFWriteError(.duplicateKey(pair.key)) }
      appendString(pair.key, to: &bytes)
      append(pair.value.type.rawValue, to: &bytes)
      try appendValue(pair.value, key: pair.key, to: &bytes)
    }
    for (index, tensor) in spec.tensors.enumerated() {
      appendString(tensor.name, to: &bytes)
      append(UInt32(tensor.ne.count), to: &bytes)
      for dimension in tensor.ne { append(dimension, to: &bytes) }
      append(tensor.type.id, to: &bytes)
      append(offsets[index], to: &bytes)
    }
    let dataStart = alignUp(UInt64(bytes.count), alignment)
    bytes.append(contentsOf: repeatElement(0, count: Int(dataStart) - bytes.count))
    return GGUFLayout(
      header: bytes, dataStart: dataStart, tensorOffsets: offsets, tensorBytes: sizes, alignment: alignment,
      fileSize: dataStart + next)
  }

  /// Bytes of the value encoding (after the type field) of `value`.
  public static func encode(_ value: GGUFValue, key: String = "") throws(GGUFWriteError) -> [UInt8] {
    var bytes: [UInt8] = []
    try appendValue(value, key: key, to: &bytes)
    return bytes
  }

  /// `value` rounded up to a multiple of `alignment` (a power of two).
  @inlinable
  public static func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 { (value + alignment - 1) & ~(alignment - 1) }

  // MARK: Encoding

  private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  private static func appendString(_ text: String, to bytes: inout [UInt8]) {
    append(UInt64(text.utf8.count), to: &bytes)
    bytes.append(contentsOf: text.utf8)
  }

  private static func appendValue(_ value: GGUFValue, key: String, to bytes: inout [UInt8]) throws(GGUFWriteError) {
    switch value {
    case .uint8(let v): bytes.append(v)
    case .int8(let v): bytes.append(UInt8(bitPattern: v))
    case .uint16(let v): append(v, to: &bytes)
    case .int16(let v): append(v, to: &bytes)
    case .uint32(let v): append(v, to: &bytes)
    case .int32(let v): append(v, to: &bytes)
    case .float32(let v): append(v.bitPattern, to: &bytes)
    case .bool(let v): bytes.append(v ? 1 : 0)
    case .string(let v): appendString(v, to: &bytes)
    case .uint64(let v): append(v, to: &bytes)
    case .int64(let v): append(v, to: &bytes)
    case .float64(let v): append(v.bitPattern, to: &bytes)
    case .encoded(_, let raw): bytes.append(contentsOf: raw)
    case .array(let elementType, let elements):
      append(elementType.rawValue, to: &bytes)
      append(UInt64(elements.count), to: &bytes)
      for element in elements {
        // A nested array element is encoded like a top-level array value: type, count, elements.
        guard element.type == elementType else { throw GGUFWriteError(.mixedArray(key: key)) }
        try appendValue(element, key: key, to: &bytes)
      }
    }
  }
}
