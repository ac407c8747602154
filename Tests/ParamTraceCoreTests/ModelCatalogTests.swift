import Foundation
import Testing

@testable import ParamTraceCore

@Suite struct ModelCatalogTests {
  /// Reads a layout's header back with GGUFReader, with the declared file size (no data needed).
  static func readBack(_ spec: GGUFFileSpec) throws -> (GGUFLayout, ModelMap) {
    let layout = try GGUFWriter.layout(spec)
    return (layout, try ModelMap.parse(layout.header, fileSize: layout.fileSize))
  }

  static let bloke = ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M")!

  // MARK: TheBloke's llama-2-7b-chat.Q4_K_M against spec §7

  @Test func theBlokeQ4KMHasTheSpecFileSizeAndDataStart() throws {
    let (layout, map) = try Self.readBack(Self.bloke.fileSpec)
    #expect(map.fileSize == 4_081_004_224)
    #expect(layout.fileSize == Self.bloke.publishedFileSize)
    #expect(map.dataStart == 741_056)
    #expect(map.version == 2)
    #expect(map.tensors.count == 291)
    #expect(map.metadata.count == 19)
    #expect(map.tensorBytes == 4_080_263_168)
    #expect(map.tensors.last.map(\.fileEnd) == map.fileSize)  // the last tensor ends at EOF
  }

  @Test func theBlokeQ4KMHeaderPartsAddUpAsSpecSays() throws {
    let spec = Self.bloke.fileSpec
    let layout = try GGUFWriter.layout(spec)
    // tensor infos: 17,286 bytes; KVs without the token text: 512,810 bytes; fixed: 24.
    let infos = spec.tensors.reduce(0) { $0 + 8 + $1.name.utf8.count + 4 + 8 * $1.ne.count + 4 + 8 }
    #expect(infos == 17_286)
    let tokenText = ModelPlaceholderVocabulary(count: 32000, textBytes: ModelCatalog.llama2TokenTextBytes).tokens
      .reduce(0) { $0 + $1.utf8.count }
    #expect(tokenText == 210_920)
    // 512,810 bytes of KVs without the token text, then 16 bytes of padding to 741,056.
    #expect(layout.header.count - 24 - infos - tokenText == 512_810 + 16)
    #expect(layout.header.suffix(16).allSatisfy { $0 == 0 })
  }

  @Test func theBlokeQ4KMKeysAreInSpecOrder() throws {
    let (_, map) = try Self.readBack(Self.bloke.fileSpec)
    #expect(map.metadata.map(\.key) == [
      "general.architecture", "general.name", "llama.context_length", "llama.embedding_length", "llama.block_count",
      "llama.feed_forward_length", "llama.rope.dimension_count", "llama.attention.head_count", "llama.attention.head_count_kv",
      "llama.attention.layer_norm_rms_epsilon", "general.file_type", "tokenizer.ggml.model", "tokenizer.ggml.tokens",
      "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
      "tokenizer.ggml.unknown_token_id", "general.quantization_version",
    ])
    #expect(map.metadata("general.file_type")?.integer == 15)
    #expect(map.metadata("general.name")?.string == "LLaMA v2")
    guard case .array(let tokens) = map.metadata("tokenizer.ggml.tokens") else { Issue.record("no tokens"); return }
    #expect(tokens.count == 32000)
    #expect(tokens.first.prefix(4) == [.string("<unk>"), .string("<s>"), .string("</s>"), .string("<0x00>")])
  }

  /// Every offset of the §7 table: block starts and lengths, and offsets inside Q6 and Q4 blocks.
  @Test func theBlokeQ4KMOffsetsMatchTheSpecTable() throws {
    let (_, map) = try Self.readBack(Self.bloke.fileSpec)
    func tensor(_ name: String) -> ModelTensor? { map.tensors.first { $0.name == name } }
    #expect(tensor("token_embd.weight")?.fileOffset == 741_056)
    #expect(tensor("token_embd.weight")?.byteSize == 73_728_000)
    #expect(tensor("output.weight")?.fileOffset == 2_966_818_496)
    #expect(tensor("output.weight")?.byteSize == 107_520_000)
    #expect(tensor("output_norm.weight")?.fileOffset == 4_080_987_840)
    let q6Layers: Set<Int> = [0, 1, 2, 4, 7, 10, 11, 14, 17, 22, 24, 27, 28, 29, 30, 31]
    let blockStarts: [UInt64] = [
      74_469_056, 204_287_680, 334_106_304, 463_924_928, 593_743_552, 707_612_352, 821_481_152, 951_299_776,
      1_065_168_576, 1_179_037_376, 1_308_856_000, 1_422_724_800, 1_536_593_600, 1_666_412_224, 1_780_281_024,
      1_894_149_824, 2_023_968_448, 2_137_837_248, 2_251_706_048, 2_381_524_672, 2_495_393_472, 2_609_262_272,
      2_739_080_896, 2_852_949_696, 3_074_338_496, 3_204_157_120, 3_318_025_920,
    ]
    let blockLayers: [Int] = [0, 1] + Array(10...19) + [2] + Array(20...23) + Array(3...9) + [24, 25, 26]
    var starts = Array(zip(blockLayers, blockStarts))
    for k in 0..<5 { starts.append((27 + k, 3_431_894_720 + UInt64(k) * 129_818_624)) }
    let kinds = ["attn_norm", "ffn_down", "ffn_gate", "ffn_up", "ffn_norm", "attn_k", "attn_output", "attn_q", "attn_v"]
    let q6Offsets: [UInt64] = [0, 16_384, 37_003_264, 62_365_696, 87_728_128, 87_744_512, 97_181_696, 106_618_880, 116_056_064]
    let q4Offsets: [UInt64] = [0, 16_384, 25_378_816, 50_741_248, 76_103_680, 76_120_064, 85_557_248, 94_994_432, 104_431_616]
    for (layer, start) in starts {
      let q6 = q6Layers.contains(layer)
      let inside = q6 ? q6Offsets : q4Offsets
      for (kind, offset) in zip(kinds, inside) {
        #expect(tensor("blk.\(layer).\(kind).weight")?.fileOffset == start + offset, "blk.\(layer).\(kind)")
      }
      let blockBytes = map.tensors.filter { $0.layer == layer }.reduce(0) { $0 + $1.byteSize }
      #expect(blockBytes == (q6 ? 129_818_624 : 113_868_800), "blk.\(layer)")
    }
  }

  @Test func theBlokeQ4KMTypesFollowTheRule() throws {
    let (_, map) = try Self.readBack(Self.bloke.fileSpec)
    var counts: [String: Int] = [:]
    for tensor in map.tensors { counts[tensor.typeName, default: 0] += 1 }
    #expect(counts == ["F32": 65, "Q4_K": 193, "Q6_K": 33])  // the public load log's counts
    let q6Layers = Set(map.tensors.filter { $0.typeName == "Q6_K" }.compactMap(\.layer))
    #expect(q6Layers == [0, 1, 2, 4, 7, 10, 11, 14, 17, 22, 24, 27, 28, 29, 30, 31])
    for tensor in map.tensors where tensor.layer != nil && tensor.typeName == "Q6_K" {
      #expect(tensor.name.hasSuffix("attn_v.weight") || tensor.name.hasSuffix("ffn_down.weight"))
    }
    #expect(map.tensors.first { $0.name == "output.weight" }?.typeName == "Q6_K")
    #expect(map.tensors.first { $0.name == "token_embd.weight" }?.typeName == "Q4_K")
    // Layers in file order (spec §7): 0, 1, 10–19, 2, 20–23, 3–9, then output, then 24–31.
    #expect(map.layersInFileOrder == [0, 1] + Array(10...19) + [2] + Array(20...23) + Array(3...9) + Array(24...31))
    #expect(map.layerOrderDiffersFromFileOrder)
  }

  /// The fixture written with the official gguf package (tiny shapes) has the same names,
  /// order and types as the catalog entry.
  @Test func theBlokeQ4KMMatchesTheOrderFixture() throws {
    let fixture = try ModelFixtures.map("llama2-7b-q4km-order.gguf")
    let spec = Self.bloke.fileSpec
    #expect(fixture.tensors.map(\.name) == spec.tensors.map(\.name))
    #expect(fixture.tensors.map(\.typeName) == spec.tensors.map(\.type.name))
  }

  @Test func q6LayersDependOnTheCounterNotTheLayerNumber() {
    let literal = (0..<32).filter { ModelFileType.useMoreBits($0, 32) }
    #expect(literal == [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31])
  }

  // MARK: Other entries

  @Test(arguments: ModelCatalog.all.map(\.name))
  func everyEntryReadsBackConsistently(name: String) throws {
    let entry = try #require(ModelCatalog.entry(named: name))
    let spec = entry.fileSpec
    let (layout, map) = try Self.readBack(spec)
    #expect(map.tensors.map(\.name) == spec.tensors.map(\.name))
    #expect(map.tensors.map(\.typeName) == spec.tensors.map(\.type.name))
    #expect(map.tensors.map(\.shape) == spec.tensors.map(\.ne))
    #expect(map.fileSize == layout.fileSize)
    #expect(Set(map.tensors.map(\.name)).count == map.tensors.count)
    if let published = entry.publishedFileSize { #expect(layout.fileSize == published) }
    // Every layer has its 9 tensors (llama), or the family's (MoE).
    let perLayer = if case .moe(let recipe) = entry.recipe { recipe.layerKinds.count } else { 9 }
    #expect(map.tensors.count == entry.recipe.layers * perLayer + 3)
  }

  /// Sizes from the same rules: Q5_K_M 7B uses the same header (data at 741,056); its data
  /// section is 16 Q6-blocks + 16 Q5-blocks + embeddings + output.
  @Test func siblingsShareTheHeaderSize() throws {
    for name in ["llama-2-7b-chat.Q5_K_M", "llama-2-7b-chat.Q6_K", "llama-2-7b-chat.Q8_0"] {
      let (layout, _) = try Self.readBack(try #require(ModelCatalog.entry(named: name)).fileSpec)
      #expect(layout.dataStart == 741_056, "\(name)")
    }
    let (q5, _) = try Self.readBack(ModelCatalog.entry(named: "llama-2-7b-chat.Q5_K_M")!.fileSpec)
    // Q5_K: 176 B per 256; q/k/out 11,534,336; gate/up 30,998,528; ffn_down Q5_K 30,998,528.
    let q5Block: UInt64 = 16_384 * 2 + 3 * 11_534_336 + 2 * 30_998_528
    let q6Extra: UInt64 = 13_762_560 + 36_986_880
    let data = 90_112_000 + 16 * (q5Block + q6Extra) + 16 * (q5Block + 11_534_336 + 30_998_528) + 107_520_000 + 16_384
    #expect(q5.fileSize == 741_056 + data)
    let (q8, _) = try Self.readBack(ModelCatalog.entry(named: "llama-2-7b-chat.Q8_0")!.fileSpec)
    #expect(q8.fileSize == 741_056 + 6_738_149_376 / 32 * 34 + 65 * 16_384)
  }

  /// The 13B order agrees with the tensors a public load log of TheBloke's
  /// llama-2-13b-chat.Q5_K_M prints (SciSharp/LLamaSharp#189): indices and types.
  @Test func llama13bOrderMatchesThePublicLog() throws {
    let spec = try #require(ModelCatalog.entry(named: "llama-2-13b-chat.Q5_K_M")).fileSpec
    #expect(spec.tensors.count == 363)
    let logged: [(Int, String, String)] = [
      (0, "token_embd.weight", "Q5_K"), (1, "blk.0.attn_norm.weight", "F32"), (2, "blk.0.ffn_down.weight", "Q6_K"),
      (3, "blk.0.ffn_gate.weight", "Q5_K"), (4, "blk.0.ffn_up.weight", "Q5_K"), (5, "blk.0.ffn_norm.weight", "F32"),
      (6, "blk.0.attn_k.weight", "Q5_K"), (7, "blk.0.attn_output.weight", "Q5_K"), (8, "blk.0.attn_q.weight", "Q5_K"),
      (50, "blk.13.ffn_norm.weight", "F32"), (51, "blk.13.attn_k.weight", "Q5_K"), (52, "blk.13.attn_output.weight", "Q5_K"),
      (53, "blk.13.attn_q.weight", "Q5_K"), (54, "blk.13.attn_v.weight", "Q5_K"), (55, "blk.14.attn_norm.weight", "F32"),
      (56, "blk.14.ffn_down.weight", "Q5_K"), (57, "blk.14.ffn_gate.weight", "Q5_K"), (58, "blk.14.ffn_up.weight", "Q5_K"),
      (59, "blk.14.ffn_norm.weight", "F32"), (60, "blk.14.attn_k.weight", "Q5_K"), (61, "blk.14.attn_output.weight", "Q5_K"),
      (158, "blk.17.ffn_norm.weight", "F32"), (159, "blk.17.attn_k.weight", "Q5_K"), (160, "blk.17.attn_output.weight", "Q5_K"),
      (161, "blk.17.attn_q.weight", "Q5_K"), (162, "blk.17.attn_v.weight", "Q5_K"), (163, "blk.18.attn_norm.weight", "F32"),
      (164, "blk.18.ffn_down.weight", "Q5_K"), (165, "blk.18.ffn_gate.weight", "Q5_K"), (166, "blk.18.ffn_up.weight", "Q5_K"),
      (167, "blk.18.ffn_norm.weight", "F32"), (168, "blk.18.attn_k.weight", "Q5_K"), (169, "blk.18.attn_output.weight", "Q5_K"),
    ]
    for (index, name, type) in logged {
      #expect(spec.tensors[index].name == name, "tensor \(index)")
      #expect(spec.tensors[index].type.name == type, "tensor \(index)")
    }
    #expect(spec.tensors.last?.name == "output_norm.weight")
  }

  /// The same token text puts the 13B data at 745,344, i.e. 32 bytes lower than with zero padding
  /// in the 7B header: both files are consistent with one vocabulary.
  @Test func llama13bDataStartUsesTheSameVocabulary() throws {
    let layout = try GGUFWriter.layout(try #require(ModelCatalog.entry(named: "llama-2-13b-chat.Q4_K_M")).fileSpec)
    #expect(layout.dataStart == 745_344)
    #expect(layout.fileSize == 7_865_956_224)
  }

  @Test func llama7bShardsFollowTheTenGigabyteRule() {
    let recipe = ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M")!.recipe.llama!
    let shards = recipe.huggingFaceShards(maxShardBytes: ModelCatalog.huggingFaceShardBytes)
    #expect(shards.count == 2)
    #expect(shards[0].last == "model.layers.23.post_attention_layernorm.weight")
    #expect(shards[1].first == "model.layers.24.self_attn.q_proj.weight")
    let recipe13 = ModelCatalog.entry(named: "llama-2-13b-chat.Q4_K_M")!.recipe.llama!
    #expect(recipe13.huggingFaceShards(maxShardBytes: ModelCatalog.huggingFaceShardBytes).count == 3)
  }

  @Test func metaAndQuantizeOrdersUseTheLiteralQ6Set() throws {
    let literal: Set<Int> = [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]
    for name in ["llama-2-7b-chat.Q4_K_M.meta-order", "llama-2-7b-chat.Q4_K_M.quantize-2024"] {
      let (_, map) = try Self.readBack(try #require(ModelCatalog.entry(named: name)).fileSpec)
      #expect(Set(map.tensors.filter { $0.typeName == "Q6_K" }.compactMap(\.layer)) == literal, "\(name)")
      #expect(map.layersInFileOrder == Array(0..<32), "\(name)")
    }
    let quantize = ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M.quantize-2024")!.fileSpec
    #expect(quantize.tensors.prefix(5).map(\.name) == [
      "output.weight", "output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight", "blk.0.attn_norm.weight",
    ])
    let meta = ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M.meta-order")!.fileSpec
    #expect(meta.tensors[3...11].map(\.name) == [
      "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up", "attn_norm", "ffn_norm",
    ].map { "blk.0.\($0).weight" })
  }

  @Test func entriesAreFoundWithOrWithoutExtension() {
    #expect(ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M.gguf")?.name == "llama-2-7b-chat.Q4_K_M")
    #expect(ModelCatalog.entry(named: "LLAMA-2-7B-CHAT.q4_k_m")?.name == "llama-2-7b-chat.Q4_K_M")
    #expect(ModelCatalog.entry(named: "nope") == nil)
  }

  // MARK: Placeholder vocabulary and scaling

  @Test(arguments: [260, 512, 1000, 32000])
  func placeholderTokensAreDistinctAndHitTheTextTotal(count: Int) {
    let vocabulary = ModelPlaceholderVocabulary(count: count, textBytes: ModelPlaceholderVocabulary.fixedTextBytes + (count - 259) * 6 + 7)
    let tokens = vocabulary.tokens
    #expect(tokens.count == count)
    #expect(Set(tokens).count == count)
    #expect(tokens.reduce(0) { $0 + $1.utf8.count } == vocabulary.textBytes)
    #expect(tokens[3 + 10] == "<0x0A>")
    #expect(vocabulary.scores.count == count && vocabulary.tokenTypes.count == count)
  }

  @Test func scalingKeepsNamesOrderTypesAndShrinksWidths() throws {
    let spec = Self.bloke.fileSpec
    let (scaled, changes) = try ModelScaling.scaled(spec, by: 0.25)
    #expect(scaled.tensors.map(\.name) == spec.tensors.map(\.name))
    #expect(scaled.tensors.map(\.type) == spec.tensors.map(\.type))
    #expect(scaled.value("llama.embedding_length")?.integer == 2048)
    #expect(scaled.value("llama.attention.head_count")?.integer == 16)
    #expect(scaled.value("llama.attention.head_count_kv")?.integer == 16)
    #expect(scaled.value("llama.feed_forward_length")?.integer == 5632)
    #expect(scaled.value("llama.rope.dimension_count")?.integer == 128)
    #expect(scaled.value("tokenizer.ggml.tokens")?.arrayCount == 16000)
    #expect(changes.count == 5)
    let byName = Dictionary(uniqueKeysWithValues: scaled.tensors.map { ($0.name, $0.ne) })
    #expect(byName["token_embd.weight"] == [2048, 16000])
    #expect(byName["blk.0.ffn_down.weight"] == [5632, 2048])
    #expect(byName["blk.0.attn_k.weight"] == [2048, 2048])
    #expect(byName["blk.0.attn_norm.weight"] == [2048])
    let (layout, map) = try Self.readBack(scaled)
    let ratio = Double(layout.fileSize) / 4_081_004_224
    #expect(ratio > 0.2 && ratio < 0.3)
    let originalKeys = try Self.readBack(spec).1.metadata.map(\.key)
    #expect(map.metadata.map(\.key) == originalKeys)
  }

  @Test func scalingATinyFactorStopsAtWholeBlocks() throws {
    let (scaled, _) = try ModelScaling.scaled(Self.bloke.fileSpec, by: 0.0001)
    #expect(scaled.value("llama.embedding_length")?.integer == 256)
    #expect(scaled.value("llama.attention.head_count")?.integer == 2)
    #expect(scaled.value("llama.feed_forward_length")?.integer == 256)
    #expect(scaled.value("tokenizer.ggml.tokens")?.arrayCount == 512)
    let layout = try GGUFWriter.layout(scaled)
    #expect(layout.fileSize < 16 << 20)
  }

  @Test func scalingRefusesFactorsOutsideTheRange() {
    #expect(throws: ModelScaling.ScalingError.self) { try ModelScaling.scaled(Self.bloke.fileSpec, by: 1.5) }
    #expect(throws: ModelScaling.ScalingError.self) { try ModelScaling.scaled(Self.bloke.fileSpec, by: 0) }
  }

  /// GQA: the head groups stay whole (70B-like: 64 heads, 8 KV heads, head_dim 128).
  @Test func scalingKeepsTheGQARatio() throws {
    let recipe = ModelLlamaRecipe(
      generalName: "gqa", layers: 2, embedding: 8192, feedForward: 28672, heads: 64, kvHeads: 8, vocabulary: 32000,
      fileType: .q4_K_M, order: .quantizeSorted)
    let (scaled, _) = try ModelScaling.scaled(recipe.fileSpec, by: 0.1)
    let heads = try #require(scaled.value("llama.attention.head_count")?.integer)
    let kvHeads = try #require(scaled.value("llama.attention.head_count_kv")?.integer)
    #expect(heads / kvHeads == 8 && heads % kvHeads == 0)
    #expect(scaled.value("llama.embedding_length")?.integer == heads * 128)
    let attnK = try #require(scaled.tensors.first { $0.name == "blk.0.attn_k.weight" })
    #expect(attnK.ne == [UInt64(heads * 128), UInt64(kvHeads * 128)])
    _ = try GGUFWriter.layout(scaled)
  }
}
