#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The extents file that `analyze --extents` reads and `paramtrace extents --json` writes.
///
/// ```json
/// {
///   "format": "paramtrace-extents",
///   "version": 1,
///   "path": "/models/llama-2-7b-chat.Q4_K_M.gguf",
///   "file_size": 4081004224,
///   "device": "254:0",
///   "partition_start_sector": 0,
///   "extents": [
///     { "logical_offset": 0, "sector": 1016594432, "length": 1342177280, "flags": [] }
///   ]
/// }
/// ```
/// `logical_offset` and `length` are bytes; `sector` is the extent's first 512-byte sector
/// on the whole disk, partition start included, as block traces print it. `path`, `device`,
/// `partition_start_sector` and `flags` are informational and may be omitted.
public struct ExtentsDocument: Codable, Sendable, Hashable {
  public static let formatName = "paramtrace-extents"

  public var format: String
  public var version: Int
  public var path: String?
  public var fileSize: UInt64
  public var device: String?
  public var partitionStartSector: UInt64?
  public var extents: [Entry]

  public struct Entry: Codable, Sendable, Hashable {
    public var logicalOffset: UInt64
    public var sector: UInt64
    public var length: UInt64
    public var flags: [String]?

    enum CodingKeys: String, CodingKey {
      case logicalOffset = "logical_offset", sector, length, flags
    }
  }

  enum CodingKeys: String, CodingKey {
    case format, version, path, device, extents
    case fileSize = "file_size"
    case partitionStartSector = "partition_start_sector"
  }

  /// A document describing `map`.
  public init(_ map: FileExtentMap, partitionStartSector: UInt64? = nil) {
    format = Self.formatName
    version = 1
    path = map.path
    fileSize = map.fileSize
    device = map.device?.description
    self.partitionStartSector = partitionStartSector
    extents = map.extents.map { Entry(logicalOffset: $0.logicalOffset, sector: $0.sector, length: $0.length, flags: $0.flags) }
  }

  /// Parses and validates an extents file: one document, or (`paramtrace extents` of a model
  /// in several files) an array of them, one per file in the model's order.
  public static func decodeFiles(_ bytes: [UInt8], source: String) throws(ExtentMapError) -> [FileExtentMap] {
    guard bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "[") else {
      return [try decode(bytes, source: source)]
    }
    let documents: [ExtentsDocument]
    do {
      documents = try JSONDecoder().decode([ExtentsDocument].self, from: Data(bytes))
    } catch {
      throw ExtentMapError("\(source): not a list of paramtrace extents documents (\(error)). Write one with `paramtrace extents MODEL --json`.")
    }
    var maps: [FileExtentMap] = []
    for document in documents { maps.append(try validated(document, source: source)) }
    return maps
  }

  /// Parses and validates an extents file.
  public static func decode(_ bytes: [UInt8], source: String) throws(ExtentMapError) -> FileExtentMap {
    let document: ExtentsDocument
    do {
      document = try JSONDecoder().decode(ExtentsDocument.self, from: Data(bytes))
    } catch {
      throw ExtentMapError("\(source): not a paramtrace extents file (\(error)). Write one with `paramtrace extents FILE --json`.")
    }
    return try validated(document, source: source)
  }

  private static func validated(_ document: ExtentsDocument, source: String) throws(ExtentMapError) -> FileExtentMap {
    guard document.format == formatName else {
      throw ExtentMapError("\(source): format is \"\(document.format)\", expected \"\(formatName)\".")
    }
    guard document.version == 1 else {
      throw ExtentMapError("\(source): extents format version \(document.version) is newer than this paramtrace reads (1). Update paramtrace.")
    }
    let device = document.device.flatMap(DeviceNumber.init(parsing:))
    do {
      return try FileExtentMap(
        extents: document.extents.map {
          FileExtent(logicalOffset: $0.logicalOffset, sector: $0.sector, length: $0.length, flags: $0.flags ?? [])
        }, fileSize: document.fileSize, path: document.path, device: device)
    } catch {
      throw ExtentMapError("\(source): \(error.message)")
    }
  }

  /// The document as JSON, keys in the documented order, one extent per line.
  public func encoded() -> [UInt8] {
    var members: [(String, JSONValue)] = [("format", .string(format)), ("version", .number(version))]
    if let path { members.append(("path", .string(path))) }
    members.append(("file_size", .number(fileSize)))
    if let device { members.append(("device", .string(device))) }
    if let partitionStartSector { members.append(("partition_start_sector", .number(partitionStartSector))) }
    let head = JSONValue.object(members).rendered()
    let rows = extents.map { entry in
      JSONValue.object([
        ("logical_offset", .number(entry.logicalOffset)), ("sector", .number(entry.sector)), ("length", .number(entry.length)),
        ("flags", .array((entry.flags ?? []).map { .string($0) })),
      ]).rendered(indent: 0)
    }
    // Splice the extents in as one compact object per line: readable, and diffs stay small.
    var text = String(head.dropLast(2))
    text += ",\n  \"extents\": [\n" + rows.map { "    " + $0 }.joined(separator: ",\n") + (rows.isEmpty ? "" : "\n") + "  ]\n}\n"
    return Array(text.utf8)
  }
}

extension DeviceNumber {
  /// Parses `MAJ:MIN` (or `MAJ,MIN` as traces print it).
  public init?(parsing text: String) {
    let parts = text.split(whereSeparator: { $0 == ":" || $0 == "," })
    guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]), major < 4096, minor < (1 << 20) else {
      return nil
    }
    self.init(major: major, minor: minor)
  }
}
