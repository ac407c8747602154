/// Finds the encoded bytes of every metadata value in a little-endian GGUF header, so that a
/// copy (`synth --like FILE`) can carry the values byte for byte, including the arrays that
/// `GGUFReader` only summarizes (a 32,000-token vocabulary).
///
/// Run it on a header that `GGUFReader` has already accepted: it trusts the counts and only
/// guards against reading past `header`.
public enum GGUFMetadataScanner {
  /// Why the scan stopped.
  public enum ScanError: Error, Hashable, Sendable, CustomStringConvertible {
    case notLittleEndianGGUF
    case truncated(at: Int)
    case badType(UInt32, at: Int)

    public var description: String {
      switch self {
      case .notLittleEndianGGUF: "not a little-endian GGUF v2/v3 header; synth copies only little-endian files."
      case .truncated(let offset): "byte \(offset): the header ends inside a metadata value."
      case .badType(let type, let offset): "byte \(offset): unknown metadata value type \(type)."
      }
    }
  }

  /// Every KV pair in file order, each value as `.encoded(type, bytes)`.
  public static func scan(header: UnsafeRawBufferPointer) throws(ScanError) -> [GGUFMetadataPair] {
    guard header.count >= 24, header.prefix(4).elementsEqual(GGUFReader.magic) else { throw .notLittleEndianGGUF }
    let version = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
    guard version == 2 || version == 3 else { throw .notLittleEndianGGUF }
    let kvCount = UInt64(littleEndian: header.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
    var position = 24
    var pairs: [GGUFMetadataPair] = []
    for _ in 0..<kvCount {
      let keyLength = try u64(header, position)
      position += 8
      guard keyLength <= UInt64(header.count - position) else { throw .truncated(at: position) }
      let key = String(decoding: UnsafeRawBufferPointer(rebasing: header[position..<(position + Int(keyLength))]), as: UTF8.self)
      position += Int(keyLength)
      let rawType = try u32(header, position)
      guard let type = GGUFValueType(rawValue: rawType) else { throw .badType(rawType, at: position) }
      position += 4
      let start = position
      position = try skipValue(header, position, type)
      pairs.append(GGUFMetadataPair(key, .encoded(type, Array(header[start..<position]))))
    }
    return pairs
  }

  /// Every KV pair of `header` (an array of the file's first bytes).
  public static func scan(header: [UInt8]) throws(ScanError) -> [GGUFMetadataPair] {
    let result = header.withUnsafeBytes { bytes in Result { () throws(ScanError) in try scan(header: bytes) } }
    return try result.get()
  }

  private static func u64(_ bytes: UnsafeRawBufferPointer, _ at: Int) throws(ScanError) -> UInt64 {
    guard at + 8 <= bytes.count else { throw .truncated(at: at) }
    return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
  }

  private static func u32(_ bytes: UnsafeRawBufferPointer, _ at: Int) throws(ScanError) -> UInt32 {
    guard at + 4 <= bytes.count else { throw .truncated(at: at) }
    return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
  }

  /// The position after a value of `type` starting at `at`.
  private static func skipValue(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ type: GGUFValueType) throws(ScanError) -> Int {
    if let size = type.fixedSize {
      guard at + size <= bytes.count else { throw .truncated(at: at) }
      return at + size
    }
    if type == .string {
      let length = try u64(bytes, at)
      guard length <= UInt64(bytes.count - at - 8) else { throw .truncated(at: at) }
      return at + 8 + Int(length)
    }
    let rawElement = try u32(bytes, at)
    guard let element = GGUFValueType(rawValue: rawElement) else { throw .badType(rawElement, at: at) }
    let count = try u64(bytes, at + 4)
    var position = at + 12
    if let size = element.fixedSize {
      guard count <= UInt64(bytes.count - position) / UInt64(size) else { throw .truncated(at: position) }
      return position + Int(count) * size
    }
    for _ in 0..<count { position = try skipValue(bytes, position, element) }
    return position
  }
}
