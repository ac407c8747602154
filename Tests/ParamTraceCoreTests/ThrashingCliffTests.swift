import Testing

@testable import ParamTraceCore

/// The cliff rule that `sweep --find-cliff` and `report` share, on the numbers of issue 11's
/// real llama.cpp runs.
@Suite struct ThrashingCliffTests {
  static let mib: UInt64 = 1 << 20

  static func run(_ label: String, _ memory: ThrashingCliff.Run.Memory, tokens: Double?, share: Double?, reread: Double? = nil) -> ThrashingCliff.Run {
    ThrashingCliff.Run(label: label, memory: memory, tokensPerSecond: tokens, decodeSharePerPass: share, rereadFactor: reread)
  }

  /// `--budgets 4200MiB,4000MiB --find-cliff`: the 4100 MiB run the sweep added re-read 0.0997
  /// of the model per token (under the 0.1 threshold) but ran at 1.81 tokens/s against 6.10 at
  /// 4200 MiB. It is not calm: the cliff lies between 4100 and 4200 MiB.
  @Test func aRunThreeTimesSlowerThanWithMoreMemoryIsNotCalm() throws {
    let runs = [
      Self.run("budget-4200MiB", .budget(4200 * Self.mib), tokens: 6.10, share: 0.004),
      Self.run("budget-4000MiB", .budget(4000 * Self.mib), tokens: 0.51, share: 1.2),
      Self.run("budget-4100MiB", .budget(4100 * Self.mib), tokens: 1.81, share: 0.0997),
    ]
    let cliff = try #require(ThrashingCliff(runs))
    #expect(cliff.thrashing.bytes == 4100 * Self.mib && cliff.thrashing.verdict == .slowedDown)
    #expect(cliff.thrashing.referenceTokensPerSecond == 6.10)
    #expect(cliff.calm.bytes == 4200 * Self.mib && cliff.calm.verdict == .calm)
    let text = ThrashingCliff.describe(cliff.thrashing) { ByteSize.format($0, in: ByteSize.Unit(name: "MiB", bytes: 1 << 20)) }
    #expect(text == "budget-4100MiB (4100 MiB): 1.81 tokens/s, 10.0% of the model re-read per decode pass, more than a third below 6.10 tokens/s with more memory")
    // Within a third of the best with more memory, the share decides.
    var mild = runs
    mild[2].tokensPerSecond = 4.5
    #expect(try #require(ThrashingCliff(mild)).thrashing.bytes == 4000 * Self.mib)
  }

  /// A budget never reached cannot have slowed the run: its slowdown is the machine's (a
  /// real 300 MiB replay with no limit hit ran at 7.72 tokens/s against 13.69 unconstrained
  /// while another build ran on the 2 cores).
  @Test func aBudgetNeverReachedIsCalmWhateverItsTokens() throws {
    var runs = [
      ThrashingCliff.Run(label: "unconstrained", memory: .unconstrained, tokensPerSecond: 13.69, decodeSharePerPass: 0, rereadFactor: 1),
      ThrashingCliff.Run(label: "budget-300MiB", memory: .budget(300 * Self.mib), tokensPerSecond: 7.72, decodeSharePerPass: 0, rereadFactor: 1, limitReached: false),
      ThrashingCliff.Run(label: "budget-200MiB", memory: .budget(200 * Self.mib), tokensPerSecond: 1.17, decodeSharePerPass: 0.729, rereadFactor: 6.1, limitReached: true),
    ]
    let cliff = try #require(ThrashingCliff(runs))
    #expect(cliff.calm.label == "budget-300MiB" && cliff.calm.limitNeverReached)
    // Reached (or unknown), the same slowdown is the memory's.
    runs[1].limitReached = nil
    #expect(ThrashingCliff.configurations(runs)[1].verdict == .slowedDown)
    #expect(ThrashingCliff(runs) == nil)
  }

  /// `report nobudget cg4200 cg4000 cg3500 cg2g`: the 4.10 GiB run read nothing in decode (a
  /// share of 0, shown "–" as a re-read factor) and must be the calm side; the band was drawn
  /// between 3.42 and 3.91 GiB.
  @Test func aRunThatReadNothingInDecodeIsTheCalmSide() throws {
    let gib = Double(1 << 30)
    func bytes(_ value: Double) -> UInt64 { UInt64(value * gib) }
    let runs = [
      Self.run("nobudget", .unconstrained, tokens: 5.80, share: 0),
      Self.run("cg4200", .budget(bytes(4.10)), tokens: 5.47, share: 0),
      Self.run("cg4000", .budget(bytes(3.91)), tokens: 0.51, share: 7.9),  // decode re-read 8.60
      Self.run("cg3500", .budget(bytes(3.42)), tokens: 0.40, share: 6.0),
      Self.run("cg2g", .budget(bytes(2)), tokens: 0.30, share: 7.0),
    ]
    let cliff = try #require(ThrashingCliff(runs))
    #expect(cliff.thrashing.label == "cg4000" && cliff.calm.label == "cg4200")
    // The unconstrained run is the reference for tokens/s, never a side.
    let judged = ThrashingCliff.configurations(runs)
    #expect(judged.map(\.verdict) == [.unknown, .calm, .thrashes, .thrashes, .thrashes])
    #expect(judged[1].referenceTokensPerSecond == 5.80)
  }

  @Test func configurationsAreJudgedOnTheMediansOfTheirRuns() throws {
    let runs = [
      Self.run("b", .budget(100), tokens: 1, share: 0.5), Self.run("b", .budget(100), tokens: 3, share: 0.05),
      Self.run("b", .budget(100), tokens: 2, share: 0.06), Self.run("c", .budget(200), tokens: 2.5, share: 0.01),
    ]
    let judged = ThrashingCliff.configurations(runs)
    #expect(judged.count == 2 && judged[0].runs == 3 && judged[0].tokensPerSecond == 2 && judged[0].thrashShare == 0.06)
    #expect(judged[0].verdict == .calm)
    #expect(ThrashingCliff(runs) == nil)  // nothing thrashes
  }

  @Test func noCliffWithoutACalmBudgetAboveTheThrashingOne() {
    let runs = [Self.run("big", .budget(300), tokens: 5, share: 0.02), Self.run("small", .budget(100), tokens: 4.9, share: 0.5)]
    #expect(ThrashingCliff(runs)?.thrashing.label == "small")
    // Calm only below the thrashing budget: no bracket.
    let inverted = [Self.run("big", .budget(300), tokens: 1, share: 0.5), Self.run("small", .budget(100), tokens: 4.9, share: 0.02)]
    #expect(ThrashingCliff(inverted) == nil)
    // A budget with nothing to judge by bounds nothing.
    let unknown = [Self.run("big", .budget(300), tokens: nil, share: nil), Self.run("small", .budget(100), tokens: 1, share: 0.5)]
    #expect(ThrashingCliff.configurations(unknown)[0].verdict == .unknown && ThrashingCliff(unknown) == nil)
  }

  @Test func withoutADecodePhaseTheRereadFactorStandsIn() throws {
    let runs = [Self.run("big", .budget(300), tokens: nil, share: nil, reread: 1.02), Self.run("small", .budget(100), tokens: nil, share: nil, reread: 9)]
    let cliff = try #require(ThrashingCliff(runs))
    #expect(cliff.thrashing.thrashShare == 8 && !cliff.thrashing.sharePerPass)
    #expect(ThrashingCliff.describe(cliff.thrashing) { "\($0) B" } == "small (100 B): re-read factor 9.00 (no decode phase)")
    // The threshold is the caller's.
    #expect(ThrashingCliff(runs, threshold: 10) == nil)
  }

  @Test func locksHaveLessRoomTheMoreTheyLock() throws {
    let runs = [
      Self.run("lock-20GiB", .lock(20 << 30), tokens: 6, share: 0.01), Self.run("lock-23GiB", .lock(23 << 30), tokens: 0.5, share: 3),
      Self.run("budget-1GiB", .budget(1 << 30), tokens: 0.5, share: 3),
    ]
    let cliff = try #require(ThrashingCliff(runs, locks: true))
    #expect(cliff.thrashing.label == "lock-23GiB" && cliff.calm.label == "lock-20GiB")
    #expect(cliff.jsonMembers.first?.0 == "thrashing_lock_bytes")
    #expect(ThrashingCliff(runs) == nil)  // budgets: only one, no calm side
  }

  @Test func theJSONCarriesExactBytesAndBothSides() throws {
    let runs = [Self.run("a", .budget(4200 * Self.mib), tokens: 6.1, share: 0.004), Self.run("b", .budget(4100 * Self.mib), tokens: 1.81, share: 0.0997)]
    let json = JSONValue.object(try #require(ThrashingCliff(runs)).jsonMembers).rendered()
    #expect(json.contains("\"thrashing_budget_bytes\": 4299161600") && json.contains("\"calm_budget_bytes\": 4404019200"))
    #expect(json.contains("\"thrashing_verdict\": \"slowed_down\"") && json.contains("\"decode_reread_per_pass_thrashing\": 0.0997"))
  }
}
