import Testing

@testable import ParamTraceCore

@Suite struct ModelExpertRouterTests {
  static let routers = [ModelExpertRouter(skew: .uniform, seed: 7), ModelExpertRouter(skew: .zipf(1.2), seed: 7)]

  /// top-k: k distinct ids below n, ascending, the same for the same (seed, token, layer).
  @Test(arguments: routers)
  func choicesAreDistinctSortedAndDeterministic(router: ModelExpertRouter) {
    for (count, used) in [(32, 4), (128, 8), (8, 2), (4, 4), (3, 5)] {
      for token in 0..<50 {
        let chosen = router.experts(token: token, layer: token % 7, count: count, used: used)
        #expect(chosen.count == min(used, count))
        #expect(chosen == chosen.sorted() && Set(chosen).count == chosen.count)
        #expect(chosen.allSatisfy { $0 >= 0 && $0 < count })
        #expect(chosen == router.experts(token: token, layer: token % 7, count: count, used: used))
      }
    }
  }

  /// Tokens, layers and seeds change the choice.
  @Test(arguments: routers)
  func choicesVaryWithTokenLayerAndSeed(router: ModelExpertRouter) {
    let byToken = Set((0..<20).map { router.experts(token: $0, layer: 0, count: 32, used: 4) })
    let byLayer = Set((0..<20).map { router.experts(token: 0, layer: $0, count: 32, used: 4) })
    var other = router
    other.seed = 8
    #expect(byToken.count > 10 && byLayer.count > 10)
    #expect((0..<20).contains { router.experts(token: $0, layer: 0, count: 32, used: 4) != other.experts(token: $0, layer: 0, count: 32, used: 4) })
  }

  static func counts(_ router: ModelExpertRouter, tokens: Int, layer: Int) -> [Int] {
    var counts = Array(repeating: 0, count: 32)
    for token in 0..<tokens { for expert in router.experts(token: token, layer: layer, count: 32, used: 4) { counts[expert] += 1 } }
    return counts
  }

  /// Uniform: 4,000 tokens × 4 of 32 → 500 per expert, all within ±25 %.
  @Test func uniformSpreadsEvenly() {
    let counts = Self.counts(ModelExpertRouter(skew: .uniform, seed: 1), tokens: 4000, layer: 3)
    #expect(counts.reduce(0, +) == 16_000)
    #expect(counts.allSatisfy { (375...625).contains($0) }, "\(counts)")
  }

  /// Zipf(s): the popularity order of the layer decides; the top expert is chosen far more
  /// often than the last, and the layers' favourites differ.
  @Test func zipfFavoursEachLayersPopularExperts() {
    let router = ModelExpertRouter(skew: .zipf(1.2), seed: 1)
    let ranking = router.popularity(layer: 3, count: 32)
    #expect(ranking.sorted() == Array(0..<32))
    let counts = Self.counts(router, tokens: 4000, layer: 3)
    let byRank = ranking.map { counts[$0] }
    #expect(byRank[0] > 5 * byRank[31], "\(byRank)")
    #expect(byRank[0] >= byRank[4] && byRank[4] >= byRank[20], "\(byRank)")
    #expect(byRank.prefix(4).reduce(0, +) > 16_000 / 4, "top 4 take over a quarter: \(byRank)")
    #expect(router.popularity(layer: 4, count: 32) != ranking)
    // s → 0 approaches uniform.
    let flat = Self.counts(ModelExpertRouter(skew: .zipf(0.01), seed: 1), tokens: 4000, layer: 3)
    #expect(flat.allSatisfy { (375...625).contains($0) }, "\(flat)")
  }

  @Test func spellingsParseAndBadOnesSayWhatToGive() throws {
    #expect(try ModelExpertRouter(parsing: "uniform", seed: 1).skew == .uniform)
    #expect(try ModelExpertRouter(parsing: "zipf:1.2", seed: 1).skew == .zipf(1.2))
    #expect(try ModelExpertRouter(parsing: "zipf:1.2", seed: 1).description == "zipf:1.2")
    for bad in ["zipf:0", "zipf:-1", "zipf:", "zipf:x", "normal", "zipf:inf"] {
      #expect(throws: ModelExpertRouter.ParseError.self) { try ModelExpertRouter(parsing: bad, seed: 1) }
    }
    #expect(ModelExpertRouter.ParseError(text: "x").description == "--router x: give uniform or zipf:S with S > 0 (for example zipf:1.2).")
  }

  /// The log: one line per token and MoE layer, prompt tokens first, the router's choices.
  @Test func routingLogHasOneLinePerTokenAndLayer() throws {
    let (scaled, _) = try ModelScaling.scaled(ModelCatalog.entry(named: "gpt-oss-20b.MXFP4")!.fileSpec, by: 0.01)
    let (_, map) = try ModelCatalogTests.readBack(scaled)
    let plan = try ModelReplayPlan(map: map)
    let router = ModelExpertRouter(skew: .zipf(1), seed: 2)
    let routing = ModelExpertRouting(plan: plan, router: router, promptTokens: 2, tokens: 3)
    let lines = routing.jsonLines().split(separator: "\n")
    #expect(lines.count == 5 * 24)
    let first = router.experts(token: 0, layer: 0, count: 32, used: 4)
    #expect(lines[0] == "{\"token\":0,\"phase\":\"prompt\",\"layer\":0,\"experts\":[\(first.map(String.init).joined(separator: ","))]}")
    #expect(lines[48].hasPrefix("{\"token\":2,\"phase\":\"decode\",\"layer\":0,"))
    #expect(routing.experts(token: 4, layer: 23) == router.experts(token: 4, layer: 23, count: 32, used: 4))
    #expect(routing.decodeCounts(expertCount: 32)[7]?.reduce(0, +) == 3 * 4)
    // A dense model has no MoE layers: an empty log.
    let dense = try ModelReplayPlan(map: try ModelCatalogTests.readBack(ModelCatalogTests.bloke.fileSpec).1)
    #expect(ModelExpertRouting(plan: dense, router: router, promptTokens: 1, tokens: 1).jsonLines().isEmpty)
  }
}
