/// Reads a GGUF v2 or v3 header (spec §6) from a prefix of the file: metadata, alignment, the
/// data section's start, and every tensor's type, shape and byte range.
///
/// It never needs the tensor data: pass the first bytes of the file and its real size, and
/// read more when it answers `.needMoreBytes(n)`. Every count and length is checked against
/// the real file size before anything is read or allocated, so a damaged or hostile header
/// is refused with a `ModelFileError` instead of a crash or a huge allocation.
///
/// Big-endian files (detected as gguf-py does: the little-endian version has its low 16 bits
/// zero) are read too; tensor data is not interpreted, so only the header's byte order matters.
///
/// Deliberately lenient where it is harmless: any integer type for `general.alignment`,
/// tensor names up to 65,535 bytes (ggml stops at 63), and gaps between tensors (llama.cpp
/// wants each tensor right after the previous one, aligned); gaps count as padding.
public enum GGUFReader {
  /// The file's first four bytes, "GGUF".
  public static let magic: [UInt8] = [0x47, 0x47, 0x55, 0x46]
  /// Fixed header: magic, version, tensor_count, kv_count.
  static let fixedHeaderSize = 24
  /// Fewest bytes of one KV pair: key length (8), value type (4), a 1-byte value.
  static let minimumKVSize: UInt64 = 13
  /// Fewest bytes of one tensor info: name length (8), n_dims (4), type (4), offset (8).
  static let minimumTensorInfoSize: UInt64 = 24
  /// Longest key or tensor name accepted, in bytes (the spec's limit for keys).
  static let maxNameLength: UInt64 = 65_535
  /// `general.alignment` when the key is absent.
  public static let defaultAlignment: UInt64 = 32

  /// Reads the header from `prefix`, the first bytes of a file of `fileSize` bytes.
  public static func read(
    prefix: UnsafeRawBufferPointer, fileSize: UInt64, source: String = "", limits: ModelReadLimits = ModelReadLimits()
  ) throws(ModelFileError) -> ModelReadStep {
    try .parsing(prefix, fileSize: fileSize, source: source, limits: limits, parse)
  }

  /// A tensor info as read, before placement checks.
  private struct TensorInfo {
    var name: String
    var ne: [UInt64]
    var type: GGMLType
    var relativeOffset: UInt64
    var byteSize: UInt64
    var infoOffset: Int
  }

  private static func parse(_ cursor: inout ModelByteCursor) throws(ModelParseStop) -> ModelMap {
    guard cursor.fileSize >= 4 else { throw cursor.error(.unknownFormat, at: 0) }
    try cursor.require(4, "the magic")
    guard magic.indices.allSatisfy({ cursor.bytes[$0] == magic[$0] }) else { throw cursor.error(.unknownFormat, at: 0) }
    cursor.position = 4
    var version = try cursor.u32("the version")
    if version & 0xffff == 0 {
      cursor.bigEndian = true
      version = version.byteSwapped
    }
    guard version == 2 || version == 3 else { throw cursor.error(.unsupportedGGUFVersion(version), at: 4) }
    let tensorCount = try cursor.u64("tensor_count")
    let kvCount = try cursor.u64("kv_count")
    let kvLimit = cursor.remainingInFile / minimumKVSize
    guard kvCount <= kvLimit else { throw cursor.error(.countTooLarge(what: "kv_count", count: kvCount, limit: kvLimit), at: 16) }
    let tensorLimit = (cursor.remainingInFile - kvCount * minimumKVSize) / minimumTensorInfoSize
    guard tensorCount <= tensorLimit else {
      throw cursor.error(.countTooLarge(what: "tensor_count", count: tensorCount, limit: tensorLimit), at: 8)
    }

    var metadata: [ModelMetadataEntry] = []
    var keys = Set<String>()
    var alignment = defaultAlignment
    for _ in 0..<kvCount {
      let keyOffset = cursor.position
      let key = try readName(&cursor, what: "metadata key")
      guard keys.insert(key).inserted else { throw cursor.error(.duplicateKey(key), at: keyOffset) }
      let typeOffset = cursor.position
      let rawType = try cursor.u32("the value type of \"\(key)\"")
      guard let type = GGUFValueType(rawValue: rawType) else { throw cursor.error(.badValueType(rawType), at: typeOffset) }
      let value = try readValue(&cursor, type: type, key: key, depth: 0)
      if key == "general.alignment" {
        guard let number = value.integer, number > 0, number & (number - 1) == 0, number % 8 == 0 else {
          throw cursor.error(.badAlignment(describe(value)), at: keyOffset)
        }
        alignment = UInt64(number)
      }
      metadata.append(ModelMetadataEntry(key: key, value: value, byteOffset: UInt64(keyOffset)))
    }

    var infos: [TensorInfo] = []
    var names = Set<String>()
    for _ in 0..<tensorCount {
      let infoOffset = cursor.position
      let name = try readName(&cursor, what: "tensor name")
      let dimsOffset = cursor.position
      let dimensionCount = try cursor.u32("n_dims of \"\(name)\"")
      guard dimensionCount <= 4 else {
        throw cursor.error(.tooManyDimensions(count: dimensionCount, tensor: name), at: dimsOffset)
      }
      var ne: [UInt64] = []
      for _ in 0..<dimensionCount {
        let dimension = try cursor.u64("the dimensions of \"\(name)\"")
        guard dimension <= UInt64(Int64.max) else { throw cursor.error(.dimensionsOverflow(tensor: name), at: dimsOffset) }
        ne.append(dimension)
      }
      let typeOffset = cursor.position
      let typeID = try cursor.u32("the type of \"\(name)\"")
      let relativeOffset = try cursor.u64("the offset of \"\(name)\"")
      guard let type = GGMLType(id: typeID) else {
        if let removed = GGMLType.removedName(id: typeID) {
          throw cursor.error(.removedTensorType(id: typeID, name: removed, tensor: name), at: typeOffset)
        }
        throw cursor.error(.unknownTensorType(id: typeID, tensor: name), at: typeOffset)
      }
      let size: UInt64
      do throws(GGMLType.SizeError) {
        size = try type.byteCount(ne: ne)
      } catch {
        switch error {
        case .overflow: throw cursor.error(.dimensionsOverflow(tensor: name), at: dimsOffset)
        case .rowNotDivisible(let ne0, let block):
          throw cursor.error(.rowNotDivisible(tensor: name, ne0: ne0, type: type.name, blockSize: block), at: dimsOffset)
        }
      }
      guard names.insert(name).inserted else { throw cursor.error(.duplicateTensor(name), at: infoOffset) }
      infos.append(TensorInfo(name: name, ne: ne, type: type, relativeOffset: relativeOffset, byteSize: size, infoOffset: infoOffset))
    }

    let infoEnd = UInt64(cursor.position)
    let dataStart = (infoEnd + alignment - 1) / alignment * alignment  // both < 2^63: no overflow
    var tensors: [ModelTensor] = []
    for info in infos {
      guard info.relativeOffset % alignment == 0 else {
        throw cursor.error(
          .misalignedTensor(tensor: info.name, offset: info.relativeOffset, alignment: alignment), at: info.infoOffset)
      }
      let (start, overflow) = dataStart.addingReportingOverflow(info.relativeOffset)
      let (end, overflow2) = start.addingReportingOverflow(info.byteSize)
      guard !overflow, !overflow2, end <= cursor.fileSize else {
        let reported = overflow || overflow2 ? UInt64.max : end
        throw cursor.error(.tensorPastEndOfFile(tensor: info.name, end: reported, fileSize: cursor.fileSize), at: info.infoOffset)
      }
      tensors.append(
        ModelTensor(
          name: info.name, typeName: info.type.name, shape: info.ne, fileOffset: start, byteSize: info.byteSize,
          layer: ModelTensor.ggufLayer(info.name), expertCount: ModelTensor.ggufExpertCount(name: info.name, ne: info.ne)))
    }
    if let (index, other) = firstOverlap(tensors) {
      throw cursor.error(.overlappingTensors(tensor: tensors[index].name, other: tensors[other].name), at: infos[index].infoOffset)
    }
    return ModelMap(
      format: .gguf, version: Int(version), byteOrder: cursor.bigEndian ? .big : .little, fileSize: cursor.fileSize,
      dataStart: dataStart, alignment: alignment, metadata: metadata, architecture: ModelArchitecture(metadata: metadata),
      tensors: tensors)
  }

  /// The first tensor (index) that shares bytes with an earlier-placed one (index), if any.
  /// Zero-size tensors overlap nothing unless they lie strictly inside another tensor.
  static func firstOverlap(_ tensors: [ModelTensor]) -> (Int, Int)? {
    let order = tensors.indices.sorted {
      (tensors[$0].fileOffset, tensors[$0].byteSize, $0) < (tensors[$1].fileOffset, tensors[$1].byteSize, $1)
    }
    var furthest: Int?
    for index in order {
      if let previous = furthest, tensors[index].fileOffset < tensors[previous].fileEnd { return (index, previous) }
      if furthest == nil || tensors[index].fileEnd > tensors[furthest!].fileEnd { furthest = index }
    }
    return nil
  }

  /// A key or tensor name: u64 length, then UTF-8 bytes.
  private static func readName(_ cursor: inout ModelByteCursor, what: String) throws(ModelParseStop) -> String {
    let start = cursor.position
    let length = try cursor.u64("the length of a \(what)")
    guard length <= maxNameLength else {
      throw cursor.error(.nameTooLong(what: what, length: length, limit: maxNameLength), at: start)
    }
    try cursor.require(length, "a \(what) of \(length) bytes")
    guard let name = String(validating: cursor.slice(Int(length)), as: UTF8.self) else {
      throw cursor.error(.invalidUTF8(what: what), at: start)
    }
    cursor.position += Int(length)
    return name
  }

  /// A string value: u64 length, then bytes; kept up to `stringLimit` bytes.
  private static func readString(_ cursor: inout ModelByteCursor, key: String) throws(ModelParseStop) -> String {
    let length = try cursor.u64("the length of a string in \"\(key)\"")
    try cursor.require(length, "a string of \(length) bytes in \"\(key)\"")
    let kept = Int(min(length, UInt64(ModelMetadataArray.stringLimit)))
    var text = String(decoding: cursor.slice(kept), as: UTF8.self)
    if UInt64(kept) < length { text += "…" }
    cursor.position += Int(length)
    return text
  }

  private static func readValue(
    _ cursor: inout ModelByteCursor, type: GGUFValueType, key: String, depth: Int
  ) throws(ModelParseStop) -> ModelMetadataValue {
    let what = "the value of \"\(key)\""
    switch type {
    case .uint8: return .uint8(try cursor.u8(what))
    case .int8: return .int8(Int8(bitPattern: try cursor.u8(what)))
    case .uint16: return .uint16(try cursor.u16(what))
    case .int16: return .int16(Int16(bitPattern: try cursor.u16(what)))
    case .uint32: return .uint32(try cursor.u32(what))
    case .int32: return .int32(Int32(bitPattern: try cursor.u32(what)))
    case .float32: return .float32(Float(bitPattern: try cursor.u32(what)))
    case .bool: return .bool(try cursor.u8(what) != 0)
    case .uint64: return .uint64(try cursor.u64(what))
    case .int64: return .int64(Int64(bitPattern: try cursor.u64(what)))
    case .float64: return .float64(Double(bitPattern: try cursor.u64(what)))
    case .string: return .string(try readString(&cursor, key: key))
    case .array: return .array(try readArray(&cursor, key: key, depth: depth, keep: true)!)
    }
  }

  /// An array: u32 element type, u64 count, elements. With `keep`, returns the first
  /// `keptLimit` elements; otherwise only checks and skips it.
  private static func readArray(
    _ cursor: inout ModelByteCursor, key: String, depth: Int, keep: Bool
  ) throws(ModelParseStop) -> ModelMetadataArray? {
    guard depth < cursor.limits.maxArrayNesting else {
      throw cursor.error(.nestingTooDeep(limit: cursor.limits.maxArrayNesting))
    }
    let typeOffset = cursor.position
    let rawType = try cursor.u32("the element type of \"\(key)\"")
    guard let elementType = GGUFValueType(rawValue: rawType) else { throw cursor.error(.badValueType(rawType), at: typeOffset) }
    let countOffset = cursor.position
    let count = try cursor.u64("the length of \"\(key)\"")
    let limit = cursor.remainingInFile / UInt64(elementType.minimumSize)
    guard count <= limit else {
      throw cursor.error(.countTooLarge(what: "the length of array \"\(key)\"", count: count, limit: limit), at: countOffset)
    }
    var first: [ModelMetadataValue] = []
    let kept = keep ? min(count, UInt64(ModelMetadataArray.keptLimit)) : 0
    for _ in 0..<kept {
      if elementType == .array {
        first.append(.array(try readArray(&cursor, key: key, depth: depth + 1, keep: true)!))
      } else {
        first.append(try readValue(&cursor, type: elementType, key: key, depth: depth + 1))
      }
    }
    let rest = count - kept
    if let size = elementType.fixedSize {
      try cursor.skip(rest * UInt64(size), "the elements of \"\(key)\"")  // count <= remaining / size: no overflow
    } else {
      for _ in 0..<rest {
        if elementType == .string {
          let length = try cursor.u64("the length of a string in \"\(key)\"")
          try cursor.skip(length, "a string of \(length) bytes in \"\(key)\"")
        } else {
          _ = try readArray(&cursor, key: key, depth: depth + 1, keep: false)
        }
      }
    }
    return keep ? ModelMetadataArray(elementType: elementType, count: count, first: first) : nil
  }

  /// A metadata value in an error message.
  private static func describe(_ value: ModelMetadataValue) -> String {
    switch value {
    case .string(let text): "the string \"\(text.prefix(40))\""
    case .array(let array): "an array of \(array.count)"
    case .float32(let number): "the float \(number)"
    case .float64(let number): "the float \(number)"
    case .bool(let flag): "the bool \(flag)"
    default: value.integer.map { "\($0)" } ?? "out of range"
    }
  }
}
