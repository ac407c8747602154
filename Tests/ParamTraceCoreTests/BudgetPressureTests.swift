import Testing

@testable import ParamTraceCore

/// Did the budget bite? (issue 11, item 5)
@Suite struct BudgetPressureTests {
  /// The 4200 MiB run peaked at 4,368,293,888 B under a 4,404,019,200 B limit with failcnt 0:
  /// no pressure, not a point on the curve.
  @Test func aLimitNeverHitIsNoPressure() throws {
    let statistics: [String: UInt64] = ["memory.failcnt": 0, "memory.max_usage_in_bytes": 4_368_293_888, "memory.limit_in_bytes": 4_404_019_200]
    let pressure = try #require(BudgetPressure(statistics: statistics))
    #expect(pressure.verdict == .noPressure && pressure.limitBytes == 4_404_019_200 && pressure.limitHits == 0)
    #expect(
      pressure.sentence
        == "no pressure: the 4.10 GiB limit was never reached (peak 4.07 GiB, 99.2% of it; memory.failcnt 0); this budget did not constrain the run")
    // The limit read back when the cgroup was made wins over the counter file.
    #expect(BudgetPressure(statistics: statistics, limitBytes: 1 << 30)?.limitBytes == 1 << 30)
  }

  @Test func hitsOnEitherCounterMeanTheLimitWasReached() throws {
    let v1 = try #require(BudgetPressure(statistics: ["memory.failcnt": 0, "memory.memsw.failcnt": 12, "memory.limit_in_bytes": 100]))
    #expect(v1.verdict == .limitReached && v1.limitHits == 12 && v1.limitHitsCounter == "memory.failcnt + memory.memsw.failcnt")
    let v2 = try #require(BudgetPressure(statistics: ["memory.events.max": 3, "memory.events.oom_kill": 2, "memory.max": 100, "memory.peak": 100]))
    #expect(v2.verdict == .limitReached && v2.oomKills == 2)
    #expect(v2.sentence.hasPrefix("limit reached: the workload hit its 100 B limit (peak 100 B, 100.0% of it; memory.events max 3)"))
    #expect(v2.sentence.hasSuffix("; the OOM killer ended 2 processes"))
  }

  @Test func withoutAHitCounterThePeakDecides() throws {
    #expect(BudgetPressure(limitBytes: 1 << 30, peakBytes: (1 << 30) - 100, limitHits: nil, limitHitsCounter: nil, oomKills: nil).verdict == .limitReached)
    #expect(BudgetPressure(limitBytes: 1 << 30, peakBytes: 1 << 29, limitHits: nil, limitHitsCounter: nil, oomKills: nil).verdict == .noPressure)
    #expect(BudgetPressure(limitBytes: 1 << 30, peakBytes: nil, limitHits: nil, limitHitsCounter: nil, oomKills: nil).verdict == .unknown)
    #expect(BudgetPressure(statistics: ["memory.failcnt": 3]) == nil)  // no limit: no budget to judge
  }

  @Test func theManifestsVerdictReadsBack() throws {
    let pressure = BudgetPressure(limitBytes: 4_404_019_200, peakBytes: 4_368_293_888, limitHits: 0, limitHitsCounter: "memory.failcnt", oomKills: nil)
    let json = pressure.json
    #expect(json.rendered().contains("\"verdict\": \"no_pressure\""))
    #expect(BudgetPressure(json: try JSONReader.parse(Array(json.rendered().utf8))) == pressure)
  }
}
