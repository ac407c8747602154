import Foundation
import Testing

@testable import ParamTraceCore

@Suite struct GGMLTypeTests {
  /// Spec §6.4, row by row: id, name, elements per block, bytes per block.
  static let specTable: [(UInt32, String, UInt64, UInt64)] = [
    (0, "F32", 1, 4), (1, "F16", 1, 2), (2, "Q4_0", 32, 18), (3, "Q4_1", 32, 20), (6, "Q5_0", 32, 22),
    (7, "Q5_1", 32, 24), (8, "Q8_0", 32, 34), (9, "Q8_1", 32, 36), (10, "Q2_K", 256, 84), (11, "Q3_K", 256, 110),
    (12, "Q4_K", 256, 144), (13, "Q5_K", 256, 176), (14, "Q6_K", 256, 210), (15, "Q8_K", 256, 292),
    (16, "IQ2_XXS", 256, 66), (17, "IQ2_XS", 256, 74), (18, "IQ3_XXS", 256, 98), (19, "IQ1_S", 256, 50),
    (20, "IQ4_NL", 32, 18), (21, "IQ3_S", 256, 110), (22, "IQ2_S", 256, 82), (23, "IQ4_XS", 256, 136),
    (24, "I8", 1, 1), (25, "I16", 1, 2), (26, "I32", 1, 4), (27, "I64", 1, 8), (28, "F64", 1, 8),
    (29, "IQ1_M", 256, 56), (30, "BF16", 1, 2), (34, "TQ1_0", 256, 54), (35, "TQ2_0", 256, 66),
    (39, "MXFP4", 32, 17), (40, "NVFP4", 64, 36), (41, "Q1_0", 128, 18),
  ]

  @Test func everySpecRowIsKnown() throws {
    for (id, name, block, bytes) in Self.specTable {
      let type = try #require(GGMLType(id: id), "id \(id)")
      #expect(type.name == name)
      #expect(type.blockSize == block, "\(name)")
      #expect(type.bytesPerBlock == bytes, "\(name)")
    }
  }

  /// gguf-py's GGML_QUANT_SIZES (golden from the package) agrees on every id but Q8_1, which
  /// the package sizes at 40 bytes and ggml's C struct at 36 (spec §6.4 note).
  @Test func matchesTheOfficialPackageTable() throws {
    let golden = try ModelFixtures.golden("ggml-types")
    let rows = try #require(golden["types"] as? [[String: Any]])
    #expect(rows.count == Self.specTable.count)
    for row in rows {
      let id = try #require(row["id"] as? Int)
      let type = try #require(GGMLType(id: UInt32(id)), "id \(id)")
      #expect(type.name == row["name"] as? String)
      #expect(Int(type.blockSize) == row["block_size"] as? Int, "\(type.name)")
      if type.name == "Q8_1" {
        #expect(row["type_size"] as? Int == 40)
        #expect(type.bytesPerBlock == 36)
      } else {
        #expect(Int(type.bytesPerBlock) == row["type_size"] as? Int, "\(type.name)")
      }
    }
  }

  @Test func removedRepackedTypesAreQ40Sized() throws {
    for (id, name) in [(UInt32(31), "Q4_0_4_4"), (32, "Q4_0_4_8"), (33, "Q4_0_8_8")] {
      let type = try #require(GGMLType(id: id))
      #expect(type.name == name)
      #expect(type.blockSize == 32 && type.bytesPerBlock == 18)
    }
  }

  @Test(arguments: [UInt32(4), 5, 36, 37, 38])
  func removedTypesWithoutSizeAreRefused(id: UInt32) {
    #expect(GGMLType(id: id) == nil)
    #expect(GGMLType.removedName(id: id) != nil)
  }

  @Test(arguments: [UInt32(42), 43, 64, 1000, UInt32.max])
  func unknownIdsAreUnknown(id: UInt32) {
    #expect(GGMLType(id: id) == nil)
    #expect(GGMLType.removedName(id: id) == nil)
  }

  @Test func allListsEveryReadableId() {
    #expect(GGMLType.all.map(\.id) == (Self.specTable.map(\.0) + [31, 32, 33]).sorted())
  }

  /// The size table of TheBloke's llama-2-7b-chat.Q4_K_M.gguf (spec §7).
  @Test func theBlokeSizes() throws {
    let q4 = try #require(GGMLType(id: 12))
    let q6 = try #require(GGMLType(id: 14))
    let f32 = try #require(GGMLType(id: 0))
    #expect(try q4.rowBytes(ne0: 4096) == 2_304)
    #expect(try q4.byteCount(ne: [4096, 32000]) == 73_728_000)
    #expect(try q6.byteCount(ne: [4096, 32000]) == 107_520_000)
    #expect(try q4.byteCount(ne: [4096, 4096]) == 9_437_184)
    #expect(try q6.byteCount(ne: [4096, 4096]) == 13_762_560)
    #expect(try q4.byteCount(ne: [4096, 11008]) == 25_362_432)
    #expect(try q6.byteCount(ne: [11008, 4096]) == 36_986_880)
    #expect(try q4.byteCount(ne: [11008, 4096]) == 25_362_432)
    #expect(try f32.byteCount(ne: [4096]) == 16_384)
    let q6Block = try 2 * f32.byteCount(ne: [4096]) + q6.byteCount(ne: [11008, 4096]) + 2 * q4.byteCount(ne: [4096, 11008])
      + 3 * q4.byteCount(ne: [4096, 4096]) + q6.byteCount(ne: [4096, 4096])
    let q4Block = try 2 * f32.byteCount(ne: [4096]) + 3 * q4.byteCount(ne: [4096, 11008]) + 3 * q4.byteCount(ne: [4096, 4096])
      + q4.byteCount(ne: [4096, 4096])
    #expect(q6Block == 129_818_624)
    #expect(q4Block == 113_868_800)
    let data = try q4.byteCount(ne: [4096, 32000]) + 16 * q6Block + 16 * q4Block + q6.byteCount(ne: [4096, 32000]) + 16_384
    #expect(data == 4_080_263_168)
    #expect(4_081_004_224 - data == 741_056)
  }

  @Test func scalarsAndEmptyTensors() throws {
    let f32 = try #require(GGMLType(id: 0))
    #expect(try f32.byteCount(ne: []) == 4)
    #expect(try f32.byteCount(ne: [0, 5]) == 0)
  }

  @Test func rowsMustFillWholeBlocks() throws {
    let q4 = try #require(GGMLType(id: 12))
    #expect(throws: GGMLType.SizeError.rowNotDivisible(ne0: 100, blockSize: 256)) { try q4.byteCount(ne: [100, 2]) }
    #expect(throws: GGMLType.SizeError.rowNotDivisible(ne0: 1, blockSize: 256)) { try q4.byteCount(ne: []) }
  }

  @Test func overflowingShapesAreRefused() throws {
    let f32 = try #require(GGMLType(id: 0))
    let q4 = try #require(GGMLType(id: 12))
    #expect(throws: GGMLType.SizeError.overflow) { try f32.byteCount(ne: [1 << 32, 1 << 32]) }
    #expect(throws: GGMLType.SizeError.overflow) { try f32.byteCount(ne: [1 << 62]) }  // 2^64 bytes
    #expect(throws: GGMLType.SizeError.overflow) { try q4.byteCount(ne: [1 << 40, 1 << 20, 1 << 10]) }
    #expect(throws: GGMLType.SizeError.overflow) { try f32.byteCount(ne: [2, 1 << 62, 0]) }  // elements overflow before the 0
  }
}
