import Foundation
import Testing

@testable import ParamTraceCore

/// The model fixtures in Tests/Fixtures/models (made by scripts/make-model-fixtures.py with
/// the official gguf and safetensors packages) and their goldens.
enum ModelFixtures {
  /// The tensor table equals the golden's `tensors` (the official reader's view): name, type,
  /// shape, absolute offset and byte size, in file order.
  static func expectTensorTable(_ map: ModelMap, _ golden: [String: Any]) throws {
    let tensors = try #require(golden["tensors"] as? [[String: Any]])
    #expect(map.tensors.count == tensors.count)
    for (tensor, expected) in zip(map.tensors, tensors) {
      #expect(tensor.name == expected["name"] as? String)
      #expect(tensor.typeName == expected["type"] as? String, "\(tensor.name)")
      #expect(tensor.shape.map(Int.init) == expected["shape"] as? [Int], "\(tensor.name)")
      #expect(Int(tensor.fileOffset) == expected["offset"] as? Int, "\(tensor.name)")
      #expect(Int(tensor.byteSize) == expected["n_bytes"] as? Int, "\(tensor.name)")
    }
  }

  static let directory = FixturePaths.root.appendingPathComponent("models")
  static let gguf = ["tiny-llama.gguf", "llama2-7b-q4km-order.gguf", "tiny-moe.gguf", "tiny-bigendian.gguf"]
  static let safetensors = ["tiny.safetensors", "packed-dtypes.safetensors"]
  static let all = gguf + safetensors

  static func bytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: directory.appendingPathComponent(name)))
  }

  /// `NAME.reader.json`: what the official reader reports.
  static func golden(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: directory.appendingPathComponent(name + ".reader.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// Parses a whole file; fails the test if the reader asks for more.
  static func map(_ name: String) throws -> ModelMap {
    let bytes = try bytes(name)
    return try ModelMap.parse(bytes)
  }
}

extension ModelMap {
  /// Parses `bytes` as a whole file.
  static func parse(_ bytes: [UInt8], fileSize: UInt64? = nil, limits: ModelReadLimits = ModelReadLimits()) throws -> ModelMap {
    switch try ModelFileReader.read(prefix: bytes, fileSize: fileSize ?? UInt64(bytes.count), limits: limits) {
    case .done(let map): return map
    case .needMoreBytes(let count):
      Issue.record("the reader asked for \(count) bytes of a \(bytes.count)-byte file")
      throw CancellationError()
    }
  }
}

/// Builds GGUF headers in code for hostile and edge cases (little-endian unless told).
struct GGUFBuilder {
  var bytes: [UInt8] = []
  var bigEndian = false

  init(version: UInt32 = 3, tensorCount: UInt64, kvCount: UInt64, bigEndian: Bool = false) {
    self.bigEndian = bigEndian
    bytes = Array("GGUF".utf8)
    u32(version)
    u64(tensorCount)
    u64(kvCount)
  }

  mutating func u8(_ value: UInt8) { bytes.append(value) }
  mutating func u32(_ value: UInt32) { append(bigEndian ? value.bigEndian : value.littleEndian) }
  mutating func u64(_ value: UInt64) { append(bigEndian ? value.bigEndian : value.littleEndian) }
  private mutating func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) } }

  mutating func string(_ text: String) {
    u64(UInt64(text.utf8.count))
    bytes.append(contentsOf: text.utf8)
  }

  mutating func kvU32(_ key: String, _ value: UInt32) {
    string(key)
    u32(GGUFValueType.uint32.rawValue)
    u32(value)
  }

  mutating func kvString(_ key: String, _ value: String) {
    string(key)
    u32(GGUFValueType.string.rawValue)
    string(value)
  }

  mutating func tensorInfo(_ name: String, ne: [UInt64], type: UInt32, offset: UInt64) {
    string(name)
    u32(UInt32(ne.count))
    for dimension in ne { u64(dimension) }
    u32(type)
    u64(offset)
  }

  /// Pads to `alignment` and appends `dataBytes` zero bytes.
  mutating func data(_ dataBytes: Int, alignment: Int = 32) {
    while bytes.count % alignment != 0 { bytes.append(0) }
    bytes.append(contentsOf: [UInt8](repeating: 0, count: dataBytes))
  }
}

/// The reason of the `ModelFileError` that `body` throws; nil (and a recorded issue) when it
/// throws nothing or something else.
func modelErrorReason(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> ModelFileError.Reason? {
  do {
    try body()
    Issue.record("expected a ModelFileError, got none", sourceLocation: sourceLocation)
  } catch let error as ModelFileError {
    return error.reason
  } catch {
    Issue.record("expected a ModelFileError, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

/// Compares a rendered text with `Tests/Fixtures/models/NAME`; a missing golden or
/// RECORD_GOLDEN=1 writes it and fails, so re-records show in the diff.
func expectModelGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let url = ModelFixtures.directory.appendingPathComponent(name)
  if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" || !FileManager.default.fileExists(atPath: url.path) {
    try text.write(to: url, atomically: true, encoding: .utf8)
    Issue.record("recorded golden \(name); check it and run again", sourceLocation: sourceLocation)
    return
  }
  let expected = try String(contentsOf: url, encoding: .utf8)
  #expect(text == expected, "differs from \(name); RECORD_GOLDEN=1 re-records it", sourceLocation: sourceLocation)
}
