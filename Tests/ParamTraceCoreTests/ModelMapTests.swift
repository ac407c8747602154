import Foundation
import Testing

@testable import ParamTraceCore

@Suite struct ModelMapTests {
  /// Spec §7: blocks in string order within shard 1 (0–23), then output, then 24–31.
  static let theBlokeLayerOrder = [0, 1] + Array(10...19) + [2] + Array(20...23) + Array(3...9) + Array(24...31)
  /// Spec §7: the layers whose attn_v and ffn_down are Q6_K.
  static let theBlokeQ6Layers: Set<Int> = [0, 1, 2, 4, 7, 10, 11, 14, 17, 22, 24, 27, 28, 29, 30, 31]

  @Test func llama2ShapedFileHasTheBlokesOrderAndTypes() throws {
    let map = try ModelFixtures.map("llama2-7b-q4km-order.gguf")
    #expect(map.version == 2)
    #expect(map.metadata.count == 19)
    #expect(map.tensors.count == 291)
    var counts: [String: Int] = [:]
    for tensor in map.tensors { counts[tensor.typeName, default: 0] += 1 }
    #expect(counts == ["F32": 65, "Q4_K": 193, "Q6_K": 33])
    #expect(map.layersInFileOrder == Self.theBlokeLayerOrder)
    #expect(map.layerOrderDiffersFromFileOrder)
    #expect(map.tensors.first?.name == "token_embd.weight")
    #expect(map.tensors.last?.name == "output_norm.weight")
    #expect(map.tensors[1 + 24 * 9].name == "output.weight")
    #expect(map.tensors[1 + 24 * 9].typeName == "Q6_K")
    let inside = map.tensors[1..<10].map { $0.name.split(separator: ".")[2] }
    #expect(inside == ["attn_norm", "ffn_down", "ffn_gate", "ffn_up", "ffn_norm", "attn_k", "attn_output", "attn_q", "attn_v"])
    let attnV = Set(map.tensors.filter { $0.name.hasSuffix("attn_v.weight") && $0.typeName == "Q6_K" }.compactMap(\.layer))
    let ffnDown = Set(map.tensors.filter { $0.name.hasSuffix("ffn_down.weight") && $0.typeName == "Q6_K" }.compactMap(\.layer))
    #expect(attnV == Self.theBlokeQ6Layers)
    #expect(ffnDown == Self.theBlokeQ6Layers)
    #expect(map.architecture.blockCount == 32)
    #expect(map.architecture.embeddingLength == 4096)
    #expect(map.architecture.feedForwardLength == 11008)
    #expect(map.architecture.headCount == 32)
    #expect(map.architecture.headCountKV == 32)
    #expect(map.architecture.contextLength == 4096)
    #expect(map.architecture.expertCount == nil)
  }

  /// The fixture's order and types with TheBloke's real shapes, placed as writers do
  /// (data start 741,056, alignment 32), give the file offsets of spec §7 and end at EOF.
  @Test func realShapesReproduceTheBlokesOffsets() throws {
    let map = try ModelFixtures.map("llama2-7b-q4km-order.gguf")
    func realShape(_ name: String) -> [UInt64] {
      switch name.split(separator: ".").dropLast().last! {
      case "token_embd", "output": [4096, 32000]
      case "attn_q", "attn_k", "attn_v", "attn_output": [4096, 4096]
      case "ffn_gate", "ffn_up": [4096, 11008]
      case "ffn_down": [11008, 4096]
      default: [4096]
      }
    }
    var offset: UInt64 = 741_056
    var starts: [String: UInt64] = [:]
    for tensor in map.tensors {
      let type = try #require(GGMLType.all.first { $0.name == tensor.typeName })
      starts[tensor.name] = offset
      offset = (offset + (try type.byteCount(ne: realShape(tensor.name))) + 31) / 32 * 32
    }
    #expect(offset == 4_081_004_224)
    #expect(starts["token_embd.weight"] == 741_056)
    #expect(starts["blk.0.attn_norm.weight"] == 74_469_056)
    #expect(starts["blk.11.attn_norm.weight"] == 463_924_928)
    #expect(starts["blk.12.attn_norm.weight"] == 593_743_552)
    #expect(starts["blk.2.attn_norm.weight"] == 1_536_593_600)
    #expect(starts["blk.9.attn_norm.weight"] == 2_852_949_696)
    #expect(starts["output.weight"] == 2_966_818_496)
    #expect(starts["blk.24.attn_norm.weight"] == 3_074_338_496)
    #expect(starts["blk.27.attn_norm.weight"] == 3_431_894_720)
    #expect(starts["blk.31.attn_norm.weight"] == 3_431_894_720 + 4 * 129_818_624)
    #expect(starts["output_norm.weight"] == 4_080_987_840)
    // Inside a Q6 block and a Q4 block (offsets relative to the block start).
    #expect(starts["blk.0.attn_v.weight"]! - starts["blk.0.attn_norm.weight"]! == 116_056_064)
    #expect(starts["blk.12.attn_v.weight"]! - starts["blk.12.attn_norm.weight"]! == 104_431_616)
  }

  @Test func tinyLlamaStoresLayersInOrder() throws {
    let map = try ModelFixtures.map("tiny-llama.gguf")
    #expect(!map.layerOrderDiffersFromFileOrder)
    #expect(map.layersInFileOrder == [0, 1])
    #expect(map.architecture.name == "llama")
    #expect(map.architecture.headCountKV == 2)
  }

  @Test func moeFileHasExperts() throws {
    let map = try ModelFixtures.map("tiny-moe.gguf")
    #expect(map.architecture.name == "qwen3moe")
    #expect(map.architecture.expertCount == 4)
    #expect(map.architecture.expertUsedCount == 2)
    #expect(map.architecture.headCountKV == 1)
    let gate = try #require(map.tensors.first { $0.name == "blk.0.ffn_gate_exps.weight" })
    #expect(gate.shape == [256, 2, 4])
    #expect(gate.expertCount == 4)
    #expect(gate.expertSliceBytes == 288)
    #expect(gate.expert(containing: gate.fileOffset) == 0)
    #expect(gate.expert(containing: gate.fileOffset + 288) == 1)
    #expect(gate.expert(containing: gate.fileEnd - 1) == 3)
    #expect(gate.expert(containing: gate.fileEnd) == nil)
    #expect(map.tensors.filter { $0.expertCount != nil }.count == 3)
    #expect(map.tensors.first { $0.name == "blk.0.ffn_gate_inp.weight" }?.expertCount == nil)
  }

  @Test func headCountKVDefaultsToHeadCount() {
    let metadata = [
      ModelMetadataEntry(key: "general.architecture", value: .string("llama"), byteOffset: 0),
      ModelMetadataEntry(key: "llama.attention.head_count", value: .uint64(40), byteOffset: 0),
      ModelMetadataEntry(
        key: "llama.feed_forward_length", value: .array(ModelMetadataArray(elementType: .int32, count: 1, first: [.int32(1)])),
        byteOffset: 0),
    ]
    let architecture = ModelArchitecture(metadata: metadata)
    #expect(architecture.headCount == 40)
    #expect(architecture.headCountKV == 40)
    #expect(architecture.feedForwardLength == nil)
  }

  @Test func layerNames() {
    #expect(ModelTensor.ggufLayer("blk.17.attn_q.weight") == 17)
    #expect(ModelTensor.ggufLayer("blk.x.attn_q.weight") == nil)
    #expect(ModelTensor.ggufLayer("blk.3") == nil)
    #expect(ModelTensor.ggufLayer("output.weight") == nil)
    #expect(ModelTensor.safetensorsLayer("model.layers.31.mlp.down_proj.weight") == 31)
    #expect(ModelTensor.safetensorsLayer("layers.2.attention.wq.weight") == 2)
    #expect(ModelTensor.safetensorsLayer("transformer.h.5.attn.c_attn.weight") == 5)
    #expect(ModelTensor.safetensorsLayer("blocks.7.ff.weight") == 7)
    #expect(ModelTensor.safetensorsLayer("model.norm.weight") == nil)
    #expect(ModelTensor.safetensorsLayer("model.layers.weight") == nil)
  }

  // MARK: - Offset lookups against a naive oracle

  /// The tensor holding `offset`, by scanning every tensor.
  static func naiveIndex(_ map: ModelMap, _ offset: UInt64) -> Int? {
    map.tensors.indices.first { map.tensors[$0].fileOffset <= offset && offset < map.tensors[$0].fileEnd }
  }

  @Test(arguments: ModelFixtures.all)
  func tensorIndexMatchesAScan(name: String) throws {
    let map = try ModelFixtures.map(name)
    let step: UInt64 = map.fileSize > 40_000 ? 7 : 1
    for offset in stride(from: UInt64(0), through: map.fileSize + 3, by: Int(step)) {
      #expect(map.tensorIndex(containing: offset) == Self.naiveIndex(map, offset), "offset \(offset)")
    }
    for tensor in map.tensors where tensor.byteSize > 0 {
      #expect(map.tensorIndex(containing: tensor.fileOffset).map { map.tensors[$0].name } == tensor.name)
      #expect(map.tensorIndex(containing: tensor.fileEnd - 1).map { map.tensors[$0].name } == tensor.name)
    }
    #expect(map.tensorIndex(containing: 0) == nil)
  }

  /// Random ranges: `tensorIndices(overlapping:)` finds every tensor sharing a byte, and
  /// `forEachPiece` covers the range exactly with what each byte holds.
  @Test(arguments: ModelFixtures.all)
  func rangesSplitIntoRegions(name: String) throws {
    let map = try ModelFixtures.map(name)
    var random = SplitMix64(seed: 3)
    for _ in 0..<300 {
      let a = random.below(map.fileSize + 64)
      let b = a + random.below(random.chance(0.5) ? 64 : map.fileSize / 4 + 1)
      let range = a..<b
      let overlapping = map.tensorIndices(overlapping: range).filter { map.tensors[$0].byteSize > 0 }
      let expected = map.tensors.indices.filter {
        !range.isEmpty && map.tensors[$0].byteSize > 0 && map.tensors[$0].fileOffset < b && a < map.tensors[$0].fileEnd
      }
      #expect(Array(overlapping) == expected, "range \(range)")

      var position = a
      var pieces: [(ModelMap.Region, Range<UInt64>)] = []
      map.forEachPiece(of: range) { region, piece in
        #expect(piece.lowerBound == position)
        #expect(!piece.isEmpty)
        position = piece.upperBound
        pieces.append((region, piece))
      }
      #expect(position == b || range.isEmpty)
      for (region, piece) in pieces {
        for offset in [piece.lowerBound, piece.upperBound - 1] {
          let truth: ModelMap.Region =
            offset >= map.fileSize ? .pastEnd : offset < map.dataStart ? .header : Self.naiveIndex(map, offset).map { .tensor($0) } ?? .padding
          #expect(region == truth, "offset \(offset) in \(range)")
        }
      }
    }
  }

  @Test func regionsOfASmallFile() throws {
    let map = try ModelFixtures.map("tiny-moe.gguf")
    var regions: [ModelMap.Region] = []
    map.forEachPiece(of: 0..<(map.tensors[1].fileOffset + 1)) { region, _ in regions.append(region) }
    #expect(regions.first == .header)
    #expect(regions.contains(.tensor(0)))
    #expect(regions.last == .tensor(1))
    var total: UInt64 = 0
    map.forEachPiece(of: 0..<map.fileSize) { region, piece in
      if case .tensor = region { total += UInt64(piece.count) }
    }
    #expect(total == map.tensorBytes)
  }

  // MARK: - Rendering

  @Test(arguments: ["tiny-moe.gguf", "llama2-7b-q4km-order.gguf", "tiny.safetensors"])
  func summaryGolden(name: String) throws {
    let map = try ModelFixtures.map(name)
    try expectModelGolden(map.summary(source: name), name + ".summary.txt")
  }

  @Test(arguments: ["tiny-llama.gguf", "tiny-moe.gguf", "packed-dtypes.safetensors"])
  func jsonGolden(name: String) throws {
    let map = try ModelFixtures.map(name)
    let text = map.json.rendered() + "\n"
    try expectModelGolden(text, name + ".json")
    let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let tensors = try #require(parsed["tensors"] as? [[String: Any]])
    #expect(tensors.count == map.tensors.count)
    #expect(parsed["data_start"] as? Int == Int(map.dataStart))
  }

  @Test func summaryEscapesControlCharacters() {
    #expect(ModelMap.quoted("a\nb\"c") == #""a\nb\"c""#)
    #expect(ModelMap.quoted(String(repeating: "x", count: 70)).count == 63)
  }
}
