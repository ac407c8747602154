import Foundation
import Testing

@testable import ParamTraceCore

@Suite struct GGUFWriterTests {
  static let types = (name: GGMLType.all, q4K: GGMLType(id: 12)!, q8: GGMLType(id: 8)!, f32: GGMLType(id: 0)!, f16: GGMLType(id: 1)!)

  /// Every value type, string arrays and a nested array survive a write and a read.
  @Test func everyValueTypeReadsBack() throws {
    let spec = GGUFFileSpec(
      version: 3,
      metadata: [
        GGUFMetadataPair("general.architecture", .string("llama")),
        GGUFMetadataPair("u8", .uint8(200)), GGUFMetadataPair("i8", .int8(-5)), GGUFMetadataPair("u16", .uint16(65000)),
        GGUFMetadataPair("i16", .int16(-300)), GGUFMetadataPair("u32", .uint32(4_000_000_000)), GGUFMetadataPair("i32", .int32(-7)),
        GGUFMetadataPair("f32", .float32(1.5)), GGUFMetadataPair("bool", .bool(true)), GGUFMetadataPair("str", .string("héllo")),
        GGUFMetadataPair("u64", .uint64(1 << 40)), GGUFMetadataPair("i64", .int64(-1 << 40)), GGUFMetadataPair("f64", .float64(0.25)),
        GGUFMetadataPair("strings", .strings(["a", "", "ccc"])), GGUFMetadataPair("floats", .float32s([1, 2])),
        GGUFMetadataPair("nested", .array(elementType: .array, [.int32s([1, 2]), .int32s([3])])),
      ],
      tensors: [GGUFTensorSpec(name: "w", ne: [256, 2], type: Self.types.q4K)])
    let layout = try GGUFWriter.layout(spec)
    let map = try ModelMap.parse(layout.header, fileSize: layout.fileSize)
    #expect(map.metadata.map(\.key) == spec.metadata.map(\.key))
    #expect(map.metadata("u8") == .uint8(200))
    #expect(map.metadata("i8") == .int8(-5))
    #expect(map.metadata("u16") == .uint16(65000))
    #expect(map.metadata("i16") == .int16(-300))
    #expect(map.metadata("u32") == .uint32(4_000_000_000))
    #expect(map.metadata("i32") == .int32(-7))
    #expect(map.metadata("f32") == .float32(1.5))
    #expect(map.metadata("bool") == .bool(true))
    #expect(map.metadata("str") == .string("héllo"))
    #expect(map.metadata("u64") == .uint64(1 << 40))
    #expect(map.metadata("i64") == .int64(-1 << 40))
    #expect(map.metadata("f64") == .float64(0.25))
    #expect(map.metadata("strings") == .array(ModelMetadataArray(elementType: .string, count: 3, first: [.string("a"), .string(""), .string("ccc")])))
    guard case .array(let nested) = map.metadata("nested") else { Issue.record("nested"); return }
    #expect(nested.count == 2 && nested.elementType == .array)
    #expect(map.version == 3)
    #expect(map.dataStart % 32 == 0)
  }

  /// offset[i+1] = align_up(offset[i] + bytes[i], ALIGNMENT), with general.alignment honoured.
  @Test(arguments: [32, 64, 4096])
  func offsetsFollowLlamaCppsRule(alignment: Int) throws {
    let tensors = [
      GGUFTensorSpec(name: "a", ne: [3], type: Self.types.f32),  // 12 bytes
      GGUFTensorSpec(name: "b", ne: [32, 3], type: Self.types.q8),  // 102 bytes
      GGUFTensorSpec(name: "c", ne: [256, 1], type: Self.types.q4K),  // 144 bytes
      GGUFTensorSpec(name: "d", ne: [5], type: Self.types.f16),  // 10 bytes
    ]
    let spec = GGUFFileSpec(metadata: [GGUFMetadataPair("general.alignment", .uint32(UInt32(alignment)))], tensors: tensors)
    let layout = try GGUFWriter.layout(spec)
    let a = UInt64(alignment)
    var expected: [UInt64] = [0]
    for size in [12, 102, 144].map(UInt64.init) { expected.append(GGUFWriter.alignUp(expected.last! + size, a)) }
    #expect(layout.tensorOffsets == expected)
    #expect(layout.tensorBytes == [12, 102, 144, 10])
    #expect(layout.dataStart % a == 0)
    #expect(layout.fileSize == layout.dataStart + GGUFWriter.alignUp(expected.last! + 10, a))
    let map = try ModelMap.parse(layout.header, fileSize: layout.fileSize)
    #expect(map.alignment == a)
    #expect(map.tensors.map(\.fileOffset) == expected.map { $0 + layout.dataStart })
  }

  /// `--like` of each little-endian fixture reproduces its header byte for byte, so names, types,
  /// shapes, order, offsets, alignment and metadata (vocabularies included) are the same.
  @Test(arguments: ["tiny-llama.gguf", "llama2-7b-q4km-order.gguf", "tiny-moe.gguf"])
  func copyingAFixtureReproducesItsHeader(name: String) throws {
    let bytes = try ModelFixtures.bytes(name)
    let map = try ModelFixtures.map(name)
    let spec = try GGUFFileSpec(copying: map, header: bytes)
    let layout = try GGUFWriter.layout(spec)
    #expect(layout.header == Array(bytes[..<Int(map.dataStart)]))
    #expect(layout.fileSize == map.fileSize)
    #expect(GGUFFileSpec.differingOffsets(layout, spec, map).isEmpty)
    let copy = try ModelMap.parse(layout.header, fileSize: layout.fileSize)
    #expect(copy.tensors == map.tensors)
    #expect(copy.metadata == map.metadata)
  }

  @Test func copyingRefusesABigEndianFile() throws {
    let bytes = try ModelFixtures.bytes("tiny-bigendian.gguf")
    let map = try ModelFixtures.map("tiny-bigendian.gguf")
    #expect(throws: GGUFFileSpec.CopyError.self) { try GGUFFileSpec(copying: map, header: bytes) }
  }

  @Test func badSpecsAreRefusedWithTheReason() {
    let q4K = Self.types.q4K
    func reason(_ spec: GGUFFileSpec) -> GGUFWriteError.Reason? {
      do { _ = try GGUFWriter.layout(spec) } catch { return error.reason }
      return nil
    }
    #expect(reason(GGUFFileSpec(metadata: [], tensors: [GGUFTensorSpec(name: "x", ne: [100, 2], type: q4K)]))
      == .rowNotDivisible(tensor: "x", ne0: 100, type: "Q4_K", blockSize: 256))
    #expect(reason(GGUFFileSpec(metadata: [], tensors: [GGUFTensorSpec(name: "x", ne: [256], type: q4K), GGUFTensorSpec(name: "x", ne: [256], type: q4K)]))
      == .duplicateTensor("x"))
    #expect(reason(GGUFFileSpec(metadata: [GGUFMetadataPair("general.alignment", .uint32(48))], tensors: [])) == .badAlignment(48))
    #expect(reason(GGUFFileSpec(version: 1, metadata: [], tensors: [])) == .badVersion(1))
    #expect(reason(GGUFFileSpec(metadata: [], tensors: [GGUFTensorSpec(name: String(repeating: "n", count: 64), ne: [1], type: Self.types.f32)]))
      == .nameTooLong(String(repeating: "n", count: 64)))
    #expect(reason(GGUFFileSpec(metadata: [GGUFMetadataPair("k", .array(elementType: .int32, [.uint8(1)]))], tensors: [])) == .mixedArray(key: "k"))
  }

  @Test func encodedValuesAreCopiedVerbatim() throws {
    let bytes = try GGUFWriter.encode(.strings(["ab", "c"]))
    #expect(bytes == [8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x61, 0x62, 1, 0, 0, 0, 0, 0, 0, 0, 0x63])
    #expect(try GGUFWriter.encode(.encoded(.array, bytes)) == bytes)
    #expect(GGUFValue.encoded(.array, bytes).arrayCount == 2)
    #expect(GGUFValue.encoded(.int32, [0xFE, 0xFF, 0xFF, 0xFF]).integer == -2)
    #expect(GGUFValue.uint32(7).replacingInteger(with: 9) == .uint32(9))
  }
}

@Suite struct ModelTensorFillerTests {
  static func half(_ bits: UInt16) -> Float {
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = Float(bits & 0x3FF)
    let sign: Float = bits & 0x8000 != 0 ? -1 : 1
    if exponent == 0 { return sign * mantissa * 0x1p-24 }
    if exponent == 31 { return mantissa == 0 ? sign * .infinity : .nan }
    return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
  }

  /// The scale fields of K-quant and Q8_0 blocks are small finite halves.
  @Test(arguments: [(12, [0, 2]), (14, [208]), (8, [0]), (13, [0, 2]), (10, [80, 82]), (11, [108]), (2, [0])] as [(UInt32, [Int])])
  func scalesAreSmallFiniteHalves(typeID: UInt32, offsets: [Int]) {
    let type = GGMLType(id: typeID)!
    let blocks = 4096
    var filler = ModelTensorFiller(seed: 7)
    var buffer = [UInt8](repeating: 0, count: blocks * Int(type.bytesPerBlock))
    buffer.withUnsafeMutableBytes { filler.fill($0, type: type, isVector: false) }
    for block in 0..<blocks {
      for offset in offsets {
        let at = block * Int(type.bytesPerBlock) + offset
        let value = Self.half(UInt16(buffer[at]) | UInt16(buffer[at + 1]) << 8)
        #expect(value.isFinite && value > 0 && value < 0.002, "block \(block) +\(offset): \(value)")
      }
    }
    #expect(Set(buffer).count > 200)  // the quants are random
  }

  @Test func normsAreNearOneAndMatricesSmall() {
    var filler = ModelTensorFiller(seed: 1)
    var norms = [Float](repeating: 0, count: 4096)
    norms.withUnsafeMutableBytes { filler.fill($0, type: GGMLType(id: 0)!, isVector: true) }
    #expect(norms.allSatisfy { abs($0 - 1) <= 1.0 / 64 })
    var halves = [UInt16](repeating: 0, count: 4096)
    halves.withUnsafeMutableBytes { filler.fill($0, type: GGMLType(id: 1)!, isVector: false) }
    #expect(halves.map(Self.half).allSatisfy { $0.isFinite && abs($0) <= 0.03 })
  }

  @Test func theSameSeedGivesTheSameBytes() {
    func bytes(_ seed: UInt64) -> [UInt8] {
      var filler = ModelTensorFiller(seed: seed)
      var buffer = [UInt8](repeating: 0, count: 144 * 10)
      buffer.withUnsafeMutableBytes { filler.fill($0, type: GGMLType(id: 12)!, isVector: false) }
      return buffer
    }
    #expect(bytes(3) == bytes(3))
    #expect(bytes(3) != bytes(4))
  }
}
