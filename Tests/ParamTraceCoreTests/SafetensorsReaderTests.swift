import Foundation
import Testing

@testable import ParamTraceCore

@Suite struct SafetensorsReaderTests {
  /// The tensor table (file order) equals the official package's view: name, dtype, shape
  /// (PyTorch order), absolute offset, size; and so do the data start and `__metadata__`.
  @Test(arguments: ModelFixtures.safetensors)
  func tensorTableMatchesTheOfficialReader(name: String) throws {
    let map = try ModelFixtures.map(name)
    let golden = try ModelFixtures.golden(name)
    #expect(map.format == .safetensors)
    #expect(map.version == nil)
    #expect(map.alignment == nil)
    #expect(Int(map.dataStart) == golden["data_offset"] as? Int)
    #expect(Int(map.fileSize) == golden["file_size"] as? Int)
    let metadata = try #require(golden["metadata"] as? [String: String])
    #expect(Dictionary(uniqueKeysWithValues: map.metadata.map { ($0.key, $0.value.string ?? "") }) == metadata)
    try ModelFixtures.expectTensorTable(map, golden)
  }

  @Test func layersExpertsScalarsAndEmptyTensors() throws {
    let map = try ModelFixtures.map("tiny.safetensors")
    func tensor(_ name: String) throws -> ModelTensor { try #require(map.tensors.first { $0.name == name }) }
    #expect(try tensor("model.layers.10.self_attn.q_proj.weight").layer == 10)
    #expect(try tensor("model.embed_tokens.weight").layer == nil)
    #expect(try tensor("model.layers.0.mlp.experts.gate_up_proj").expertCount == 4)
    #expect(try tensor("model.layers.0.mlp.experts.gate_up_proj").expertSliceBytes == 96)
    #expect(try tensor("scale").shape == [])
    #expect(try tensor("scale").byteSize == 4)
    #expect(try tensor("empty").byteSize == 0)
    // The reference writer sorts names as strings: layers.10 before layers.2.
    #expect(map.layerOrderDiffersFromFileOrder)
    let packed = try ModelFixtures.map("packed-dtypes.safetensors")
    #expect(packed.tensors.map(\.layer) == [0, 0, 1, 1, 3, 12])
  }

  /// A header `{…}` padded with spaces, then `data` bytes.
  static func file(_ json: String, data: Int) -> [UInt8] {
    var text = Array(json.utf8)
    while text.count % 8 != 0 { text.append(0x20) }
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(text.count).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + text + [UInt8](repeating: 0, count: data)
  }

  static func reason(_ json: String, data: Int) -> ModelFileError.Reason? {
    modelErrorReason { _ = try ModelMap.parse(file(json, data: data)) }
  }

  static func isTensorError(_ reason: ModelFileError.Reason?, _ tensor: String, _ fragment: String) -> Bool {
    guard case .badSafetensorsTensor(let name, let why) = reason else { return false }
    return name == tensor && why.contains(fragment)
  }

  @Test func handBuiltValidFile() throws {
    let map = try ModelMap.parse(
      Self.file(#"{"b":{"dtype":"F16","shape":[2,2],"data_offsets":[8,16]},"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#, data: 16))
    #expect(map.tensors.map(\.name) == ["a", "b"])
    #expect(map.tensors.map(\.fileOffset) == [map.dataStart, map.dataStart + 8])
  }

  @Test func headerLengthChecks() {
    var huge: [UInt8] = []
    withUnsafeBytes(of: UInt64(100_000_001).littleEndian) { huge.append(contentsOf: $0) }
    huge += Array("{}".utf8)
    // Not detected as safetensors at all: the length is implausible.
    #expect(modelErrorReason { _ = try ModelMap.parse(huge) } == .unknownFormat)
    #expect(throws: ModelFileError.self) { _ = try SafetensorsReader.read(prefix: huge, fileSize: UInt64(huge.count)) }
    var pastEnd: [UInt8] = []
    withUnsafeBytes(of: UInt64(4096).littleEndian) { pastEnd.append(contentsOf: $0) }
    pastEnd += Array("{}      ".utf8)
    guard case .pastEndOfFile = modelErrorReason({ _ = try SafetensorsReader.read(prefix: pastEnd, fileSize: UInt64(pastEnd.count)) })
    else {
      Issue.record("header past the end accepted")
      return
    }
  }

  @Test func badJSONIsRefused() {
    for json in [#"{"a":}"#, #"{"a":{"dtype":"F16"}"#, #"{"a" 1}"#, "{\"a\":\"\u{01}\"}", #"{"a":[1,2,]}"#, #"{} x"#] {
      guard case .badSafetensorsHeader = Self.reason(json, data: 0) else {
        Issue.record("accepted \(json)")
        continue
      }
    }
    guard case .badSafetensorsHeader = Self.reason(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{}}"#, data: 1) else {
      Issue.record("duplicate key accepted")
      return
    }
  }

  @Test func deepNestingIsRefusedWithoutCrashing() {
    let json = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
    guard case .badSafetensorsHeader(let why) = Self.reason(json, data: 0) else {
      Issue.record("deep nesting accepted")
      return
    }
    #expect(why.contains("nested"))
  }

  @Test func badEntriesAreRefused() {
    #expect(Self.isTensorError(Self.reason(#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#, data: 1), "a", "unknown dtype"))
    #expect(Self.isTensorError(Self.reason(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: 4), "a", "needs 8"))
    #expect(Self.isTensorError(Self.reason(#"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}"#, data: 1), "a", "shape"))
    #expect(Self.isTensorError(Self.reason(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}"#, data: 1), "a", "ends before"))
    #expect(Self.isTensorError(Self.reason(#"{"a":{"dtype":"U8","data_offsets":[0,1]}}"#, data: 1), "a", "no shape"))
    #expect(Self.isTensorError(Self.reason(#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, data: 2), "a", "whole bytes"))
    #expect(
      Self.isTensorError(
        Self.reason(#"{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,1]}}"#, data: 1), "a", "overflows"))
    #expect(
      Self.isTensorError(
        Self.reason(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551616]}}"#, data: 1), "a", "data_offsets"))
    guard case .badSafetensorsHeader = Self.reason(#"{"__metadata__":{"n":1}}"#, data: 0) else {
      Issue.record("non-string metadata accepted")
      return
    }
  }

  @Test func coverageMustBeExact() {
    let a = #""a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}"#
    // hole
    guard case .safetensorsCoverage = Self.reason("{\(a),\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[6,8]}}", data: 8) else {
      Issue.record("hole accepted")
      return
    }
    // overlap
    #expect(
      Self.reason("{\(a),\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", data: 4)
        == .overlappingTensors(tensor: "b", other: "a"))
    // bytes after the last tensor
    guard case .safetensorsCoverage = Self.reason("{\(a)}", data: 5) else {
      Issue.record("trailing bytes accepted")
      return
    }
    // past the end of the file
    guard case .tensorPastEndOfFile(let tensor, _, _) = Self.reason("{\(a)}", data: 3) else {
      Issue.record("tensor past the end accepted")
      return
    }
    #expect(tensor == "a")
    // a zero-size tensor strictly inside another overlaps it
    guard case .overlappingTensors = Self.reason("{\(a),\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[2,2]}}", data: 4) else {
      Issue.record("zero-size tensor inside another accepted")
      return
    }
  }

  @Test func stringEscapesInNames() throws {
    let map = try ModelMap.parse(Self.file(#"{"a\u00e9\n\ud83d\ude00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: 1))
    #expect(map.tensors[0].name == "aé\n😀")
  }

  @Test func randomDamageNeverCrashes() throws {
    var random = SplitMix64(seed: 11)
    for name in ModelFixtures.safetensors {
      let bytes = try ModelFixtures.bytes(name)
      let header = Int(try ModelFixtures.map(name).dataStart)
      for _ in 0..<1000 {
        var damaged = bytes
        for _ in 0...random.below(3) {
          damaged[Int(random.below(UInt64(header)))] = UInt8(truncatingIfNeeded: random.next())
        }
        _ = try? ModelFileReader.read(prefix: damaged, fileSize: UInt64(damaged.count))
      }
    }
  }
}
