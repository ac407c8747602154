import Testing

@testable import ParamTraceCore

/// The MoE catalog entries against the numbers their public load logs and model cards print.
@Suite struct ModelMoERecipeTests {
  static let gptOss = ModelCatalog.entry(named: "gpt-oss-20b.MXFP4")!
  static let qwen = ModelCatalog.entry(named: "Qwen3-30B-A3B.Q4_K_M")!

  static func typeCounts(_ spec: GGUFFileSpec) -> [String: Int] {
    spec.tensors.reduce(into: [:]) { $0[$1.type.name, default: 0] += 1 }
  }

  static func dataBytes(_ spec: GGUFFileSpec) -> UInt64 {
    spec.tensors.reduce(0) { $0 + $1.byteCount }  // every size is a multiple of 32: no padding
  }

  /// 459 tensors; 72 MXFP4 experts (hermes-agent#116681); 12.1 GB (bartowski's card).
  @Test func gptOssHasThePublishedTypesAndSize() throws {
    let spec = Self.gptOss.fileSpec
    #expect(spec.tensors.count == 459)
    #expect(Self.typeCounts(spec) == ["F32": 289, "Q8_0": 98, "MXFP4": 72])
    #expect(Self.dataBytes(spec) == 12_096_558_336)
    let (layout, map) = try ModelCatalogTests.readBack(spec)
    #expect((12_050_000_000...12_149_999_999).contains(layout.fileSize), "12.1 GB: \(layout.fileSize)")
    #expect(map.architecture.expertCount == 32)
    #expect(map.architecture.expertUsedCount == 4)
    #expect(map.architecture.blockCount == 24)
    #expect(map.metadata("gpt-oss.attention.sliding_window")?.integer == 128)
    // One expert tensor: 2880 × 2880 × 32 MXFP4 = 265,420,800 elements × 17/32 bytes.
    let up = try #require(map.tensors.first { $0.name == "blk.0.ffn_up_exps.weight" })
    #expect(up.shape == [2880, 2880, 32] && up.typeName == "MXFP4")
    #expect(up.byteSize == 141_004_800 && up.expertCount == 32)
    #expect(map.tensors.first { $0.name == "blk.0.attn_sinks.weight" }?.shape == [64])
  }

  /// llama.cpp#14235: 579 tensors, 241 F32, 289 Q4_K, 49 Q6_K, 17.28 GiB.
  @Test func qwen3MoEHasThePublishedTypesAndSize() throws {
    let spec = Self.qwen.fileSpec
    #expect(spec.tensors.count == 579)
    #expect(Self.typeCounts(spec) == ["F32": 241, "Q4_K": 289, "Q6_K": 49])
    let data = Self.dataBytes(spec)
    #expect(data == 18_550_716_416)
    #expect((Double(data) / 1_073_741_824 * 100).rounded() == 1728)  // "17.28 GiB"
    let literal: Set<Int> = [0, 1, 2, 3, 4, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 42, 43, 44, 45, 46, 47]
    for kind in ["attn_v.weight", "ffn_down_exps.weight"] {
      let bumped = spec.tensors.filter { $0.name.hasSuffix(kind) && $0.type.name == "Q6_K" }
      #expect(Set(bumped.compactMap { ModelTensor.ggufLayer($0.name) }) == literal, "\(kind)")
    }
    #expect(spec.tensors.first { $0.name == "blk.0.ffn_gate_inp.weight" }?.type.name == "F32")
    #expect(spec.tensors.first { $0.name == "blk.0.ffn_down_exps.weight" }?.ne == [768, 2048, 128])
  }

  /// Both files keep llama-quantize's (layer, name) order.
  @Test func tensorsAreSortedByLayerThenName() {
    for entry in [Self.gptOss, Self.qwen] {
      let names = entry.fileSpec.tensors.map(\.name)
      #expect(Array(names.prefix(3)) == ["output.weight", "output_norm.weight", "token_embd.weight"])
      let block0 = names.filter { $0.hasPrefix("blk.0.") }
      #expect(block0 == block0.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
      #expect(names.firstIndex { $0.hasPrefix("blk.1.") }! == 3 + block0.count)
    }
  }

  /// --scale keeps layers, expert counts, names, order and types, and shrinks the experts.
  @Test(arguments: ["gpt-oss-20b.MXFP4", "Qwen3-30B-A3B.Q4_K_M"])
  func scalingKeepsTheExpertsAndTheirTypes(name: String) throws {
    let spec = try #require(ModelCatalog.entry(named: name)).fileSpec
    let (scaled, _) = try ModelScaling.scaled(spec, by: 0.01)
    #expect(scaled.tensors.map(\.name) == spec.tensors.map(\.name))
    #expect(scaled.tensors.map(\.type) == spec.tensors.map(\.type))
    for (small, full) in zip(scaled.tensors, spec.tensors) where full.name.contains("_exps") {
      #expect(small.ne.last == full.ne.last, "\(full.name) keeps its expert count")
    }
    let (layout, map) = try ModelCatalogTests.readBack(scaled)
    #expect(map.architecture.expertCount == spec.value("\(map.architecture.name!).expert_count")?.integer)
    let heads = try #require(map.architecture.headCount)
    for sinks in map.tensors where sinks.name.hasSuffix("attn_sinks.weight") { #expect(sinks.shape == [UInt64(heads)]) }
    #expect(layout.fileSize < (name.hasPrefix("gpt") ? 150_000_000 : 900_000_000), "\(layout.fileSize)")
  }

  /// A decode token of the scaled gpt-oss twin reads the router whole and `used` of `count`
  /// slices of every stacked expert tensor, biases included (llama.cpp's add_id).
  @Test func theReplayPlanReadsTheChosenExpertSlices() throws {
    let (scaled, _) = try ModelScaling.scaled(Self.gptOss.fileSpec, by: 0.01)
    let (_, map) = try ModelCatalogTests.readBack(scaled)
    let plan = try ModelReplayPlan(map: map)
    #expect(plan.expertLayers.count == 24)
    #expect(plan.kvCacheBytesPerToken == 2 * 2 * 64 * 1 * 24)  // head_dim 64 (key_length), 1 KV head, 24 layers
    #expect(plan.expertLayers.allSatisfy { $0.count == 32 && $0.used == 4 })
    let stacked = plan.steps.filter { $0.layer == 0 && $0.name.contains("_exps") }
    #expect(stacked.count == 6 && stacked.allSatisfy { $0.touch == .experts(count: 32, used: 4) })
    let router = try #require(plan.steps.first { $0.name == "blk.0.ffn_gate_inp.weight" })
    #expect(router.touch == .rows)
    let routing = ModelExpertRouting(plan: plan, router: ModelExpertRouter(skew: .zipf(1.2), seed: 3), promptTokens: 0, tokens: 2)
    let ranges = plan.ranges(token: 1, routing: routing, seed: 3)
    #expect(ranges.reduce(0) { $0 + $1.count } == Int(plan.bytesPerToken))
    // Of layer 5's up experts, exactly the chosen slices.
    let up = try #require(plan.steps.first { $0.name == "blk.5.ffn_up_exps.weight" })
    let touched = ranges.filter { $0.lowerBound >= up.fileOffset && $0.upperBound <= up.fileOffset + up.byteSize }
    let experts = touched.map { Int(($0.lowerBound - up.fileOffset) / up.sliceBytes) }
    #expect(experts == routing.experts(token: 1, layer: 5))
    #expect(touched.allSatisfy { UInt64($0.count) == up.byteSize / 32 })
  }
}
