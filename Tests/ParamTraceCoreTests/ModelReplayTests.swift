import Testing

@testable import ParamTraceCore

@Suite struct ModelReplayTests {
  static func blokeMap() throws -> ModelMap {
    let layout = try GGUFWriter.layout(ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M")!.fileSpec)
    return try ModelMap.parse(layout.header, fileSize: layout.fileSize)
  }

  /// Spec §8.3: embedding row, then per layer in layer order attn_norm, q, k, v, output,
  /// ffn_norm, gate, up, down; then output_norm and output.
  @Test func planFollowsTheGraphOrderInLayerOrder() throws {
    let plan = try ModelReplayPlan(map: try Self.blokeMap())
    #expect(plan.steps.count == 291)
    #expect(plan.steps.first?.name == "token_embd.weight")
    #expect(plan.steps.first?.touch == .embeddingRow)
    #expect(plan.steps[1...9].map(\.name) == [
      "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down",
    ].map { "blk.0.\($0).weight" })
    #expect(plan.steps.compactMap(\.layer) == (0..<32).flatMap { Array(repeating: $0, count: 9) })
    #expect(plan.steps.suffix(2).map(\.name) == ["output_norm.weight", "output.weight"])
    #expect(plan.vocabularySize == 32000)
    // Everything but the embedding table, plus one 2,304-byte row: 4,006,537,472 B (spec §8.3).
    #expect(plan.bytesPerToken == 4_006_537_472)
    // f16 K and V, 4096 wide, 32 layers: 512 KiB per token (256 MiB for -c 512, as llama.cpp logs).
    #expect(plan.kvCacheBytesPerToken == 524_288)
  }

  @Test func tiedEmbeddingsAreReadWholeAtTheEnd() throws {
    var spec = ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M")!.fileSpec
    spec.tensors.removeAll { $0.name == "output.weight" }
    let (scaled, _) = try ModelScaling.scaled(spec, by: 0.001)
    let layout = try GGUFWriter.layout(scaled)
    let plan = try ModelReplayPlan(map: try ModelMap.parse(layout.header, fileSize: layout.fileSize))
    #expect(plan.steps.last?.name == "token_embd.weight")
    #expect(plan.steps.last?.touch == .rows)
  }

  @Test func moeLayersReadTheRouterThenTheChosenExperts() throws {
    let plan = try ModelReplayPlan(map: try ModelFixtures.map("tiny-moe.gguf"))
    let layer0 = plan.steps.filter { $0.layer == 0 }.map(\.name)
    let router = try #require(layer0.firstIndex { $0.contains("ffn_gate_inp") })
    let experts = layer0.indices.filter { layer0[$0].contains("_exps") }
    #expect(!experts.isEmpty && experts.allSatisfy { $0 > router })
    let step = try #require(plan.steps.first { $0.name.contains("ffn_up_exps") })
    #expect(step.touch == .experts(count: 4, used: 2))
    let chosen = ModelExpertRouter(seed: 1).experts(token: 3, layer: 0, count: 4, used: 2)
    #expect(chosen.count == 2 && Set(chosen).count == 2 && chosen.allSatisfy { $0 < 4 })
    #expect(chosen == ModelExpertRouter(seed: 1).experts(token: 3, layer: 0, count: 4, used: 2))
  }

  /// The lines have llama.cpp's exact spacing (spec §8.4) and LlamaTimings reads them back.
  @Test func timingLinesParseWithLlamaTimings() {
    let timings = ModelReplayTimings(
      loadMilliseconds: 1234.56, promptMilliseconds: 10210.03, promptTokens: 1715, evalMilliseconds: 11514.67, evalTokens: 108)
    let lines = timings.lines()
    #expect(lines[0] == "llama_perf_context_print:        load time =    1234.56 ms")
    #expect(lines[1] == "llama_perf_context_print: prompt eval time =   10210.03 ms /  1715 tokens (    5.95 ms per token,   167.97 tokens per second)")
    #expect(lines[2] == "llama_perf_context_print:        eval time =   11514.67 ms /   108 runs   (  106.62 ms per token,     9.38 tokens per second)")
    #expect(lines[3] == "llama_perf_context_print:       total time =   21724.70 ms /  1823 tokens")
    let parsed = LlamaTimings.parse(lines.joined(separator: "\n"))
    #expect(parsed.loadMilliseconds == 1234.56)
    #expect(parsed.promptTokens == 1715)
    #expect(parsed.evalTokens == 108)
    #expect(parsed.evalTokensPerSecond == 9.38)
    #expect(parsed.totalTokens == 1823)
    #expect(parsed.source == "llama_perf_context_print")
  }

  @Test func zeroPromptTokensPrintLikeC() {
    let lines = ModelReplayTimings(loadMilliseconds: 1, promptMilliseconds: 0, promptTokens: 0, evalMilliseconds: 5, evalTokens: 1).lines()
    #expect(lines[1].hasSuffix("0.00 ms /     0 tokens (     nan ms per token,      nan tokens per second)"))
    #expect(ModelReplayTimings.fixed(-0.004, width: 6) == "  0.00")
    #expect(ModelReplayTimings.fixed(-2.5, width: 6) == " -2.50")
    #expect(ModelReplayTimings.fixed(.infinity, width: 5) == "  inf")
  }
}
