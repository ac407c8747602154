/// Reads a safetensors header (spec §9) from a prefix of the file: an 8-byte little-endian
/// length N, then N bytes of JSON naming every tensor's dtype, shape and byte range relative
/// to the data buffer at `8 + N`.
///
/// Validated as the reference implementation does: N ≤ 100,000,000, JSON object starting with
/// `{`, no duplicate keys, known dtypes, sizes equal to the shape's, and a data buffer covered
/// exactly once (no holes, no overlaps, nothing after the last tensor).
public enum SafetensorsReader {
  /// The largest header length the format allows.
  public static let maxHeaderLength: UInt64 = 100_000_000

  /// Reads the header from `prefix`, the first bytes of a file of `fileSize` bytes.
  public static func read(
    prefix: UnsafeRawBufferPointer, fileSize: UInt64, source: String = "", limits: ModelReadLimits = ModelReadLimits()
  ) throws(ModelFileError) -> ModelReadStep {
    try .parsing(prefix, fileSize: fileSize, source: source, limits: limits, parse)
  }

  /// True when `prefix` (at least 9 bytes) looks like a safetensors file of `fileSize` bytes:
  /// a plausible header length followed by `{`.
  public static func looksLikeSafetensors(_ prefix: UnsafeRawBufferPointer, fileSize: UInt64) -> Bool {
    guard prefix.count >= 9, fileSize >= 9 else { return false }
    let length = UInt64(littleEndian: prefix.loadUnaligned(as: UInt64.self))
    return length >= 2 && length <= maxHeaderLength && length <= fileSize - 8 && prefix[8] == 0x7B
  }

  private struct Entry {
    var name: String
    var dtype: SafetensorsDType
    var shape: [UInt64]
    var begin: UInt64
    var end: UInt64
    var offset: UInt64  // of the key, in the file
  }

  private static func parse(_ cursor: inout ModelByteCursor) throws(ModelParseStop) -> ModelMap {
    let length = try cursor.u64("the header length")
    let limit = min(maxHeaderLength, cursor.limits.maxHeaderBytes)
    guard length <= limit else { throw cursor.error(.headerTooLarge(size: length, limit: limit), at: 0) }
    try cursor.require(length, "the JSON header of \(length) bytes")
    let dataStart = 8 + length
    let header = cursor.slice(Int(length))
    guard length > 0, header[0] == 0x7B else {
      throw cursor.error(.badSafetensorsHeader("the JSON header must start with '{'"), at: 8)
    }
    let json: HeaderJSON
    do throws(HeaderJSON.SyntaxError) {
      json = try HeaderJSON.parse(header)
    } catch {
      throw cursor.error(.badSafetensorsHeader("not JSON: \(error.message)"), at: 8 + error.offset)
    }
    guard case .object(let members) = json else {
      throw cursor.error(.badSafetensorsHeader("the header is not a JSON object"), at: 8)
    }

    var metadata: [ModelMetadataEntry] = []
    var entries: [Entry] = []
    for member in members {
      let at = 8 + member.offset
      if member.key == "__metadata__" {
        guard case .object(let pairs) = member.value else {
          throw cursor.error(.badSafetensorsHeader("__metadata__ must be an object of strings"), at: at)
        }
        for pair in pairs {
          guard case .string(let text) = pair.value else {
            throw cursor.error(.badSafetensorsHeader("__metadata__ \"\(pair.key)\" must be a string"), at: 8 + pair.offset)
          }
          metadata.append(ModelMetadataEntry(key: pair.key, value: .string(text), byteOffset: UInt64(8 + pair.offset)))
        }
        continue
      }
      entries.append(try entry(member, at: at, cursor: cursor))
    }

    let bufferLength = cursor.fileSize - dataStart
    let order = entries.indices.sorted { (entries[$0].begin, entries[$0].end, $0) < (entries[$1].begin, entries[$1].end, $1) }
    var expected: UInt64 = 0
    var previous: String?
    for index in order {
      let entry = entries[index]
      guard entry.end <= bufferLength else {
        throw cursor.error(
          .tensorPastEndOfFile(tensor: entry.name, end: dataStart + entry.end, fileSize: cursor.fileSize), at: Int(entry.offset))
      }
      if entry.begin < expected {
        throw cursor.error(.overlappingTensors(tensor: entry.name, other: previous ?? ""), at: Int(entry.offset))
      }
      if entry.begin > expected {
        throw cursor.error(
          .safetensorsCoverage("bytes \(expected)–\(entry.begin) of the data buffer (before \"\(entry.name)\") belong to no tensor"),
          at: Int(entry.offset))
      }
      expected = entry.end
      previous = entry.name
    }
    guard expected == bufferLength else {
      throw cursor.error(
        .safetensorsCoverage("the tensors end at buffer byte \(expected), but the file has \(bufferLength) bytes after the header"),
        at: 8)
    }

    let tensors = entries.map {
      ModelTensor(
        name: $0.name, typeName: $0.dtype.name, shape: $0.shape, fileOffset: dataStart + $0.begin, byteSize: $0.end - $0.begin,
        layer: ModelTensor.safetensorsLayer($0.name), expertCount: ModelTensor.safetensorsExpertCount(name: $0.name, shape: $0.shape))
    }
    return ModelMap(
      format: .safetensors, version: nil, fileSize: cursor.fileSize, dataStart: dataStart, alignment: nil, metadata: metadata,
      architecture: ModelArchitecture(), tensors: tensors)
  }

  /// One tensor entry: `{"dtype": …, "shape": […], "data_offsets": [BEGIN, END]}`.
  private static func entry(_ member: HeaderJSON.Member, at: Int, cursor: ModelByteCursor) throws(ModelParseStop) -> Entry {
    let name = member.key
    func bad(_ why: String) -> ModelParseStop { cursor.error(.badSafetensorsTensor(tensor: name, why), at: at) }
    guard case .object(let fields) = member.value else { throw bad("the entry is not an object") }
    var dtype: SafetensorsDType?
    var shape: [UInt64]?
    var offsets: (UInt64, UInt64)?
    for field in fields {
      switch field.key {
      case "dtype":
        guard case .string(let text) = field.value else { throw bad("dtype is not a string") }
        guard let known = SafetensorsDType(name: text) else { throw bad("unknown dtype \"\(text.prefix(40))\"") }
        dtype = known
      case "shape":
        guard case .array(let items) = field.value else { throw bad("shape is not an array") }
        var dimensions: [UInt64] = []
        for item in items {
          guard case .unsignedInteger(let dimension) = item else { throw bad("shape holds something other than non-negative integers") }
          dimensions.append(dimension)
        }
        shape = dimensions
      case "data_offsets":
        guard case .array(let items) = field.value, items.count == 2, case .unsignedInteger(let begin) = items[0],
          case .unsignedInteger(let end) = items[1]
        else { throw bad("data_offsets is not [BEGIN, END] with non-negative integers") }
        guard begin <= end else { throw bad("data_offsets [\(begin), \(end)] ends before it begins") }
        offsets = (begin, end)
      default: continue  // unknown fields are ignored, as the reference reader does
      }
    }
    guard let dtype else { throw bad("no dtype") }
    guard let shape else { throw bad("no shape") }
    guard let offsets else { throw bad("no data_offsets") }
    guard let bytes = dtype.byteCount(shape: shape) else {
      throw bad("shape \(shape) of \(dtype.name) overflows or does not fill whole bytes")
    }
    guard bytes == offsets.1 - offsets.0 else {
      throw bad("data_offsets [\(offsets.0), \(offsets.1)] hold \(offsets.1 - offsets.0) bytes, but shape \(shape) of \(dtype.name) needs \(bytes)")
    }
    return Entry(name: name, dtype: dtype, shape: shape, begin: offsets.0, end: offsets.1, offset: UInt64(at))
  }
}
