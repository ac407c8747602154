import Foundation
import Testing

@testable import ParamTraceCore

/// The report's cliff on issue 11's runs (Tests/Fixtures/experiments/issue11-cliff): it drew
/// the band between 3.42 and 3.91 GiB, where the decode re-read stepped ×2.2, and left out the
/// 4.10 GiB run that read nothing in decode; the real jump is between 3.91 and 4.10 GiB.
@Suite struct ReportCliffTests {
  static let names = ["nobudget", "cg4200", "cg4000", "cg3500", "cg2g"]

  static func table(_ names: [String] = names, thrashShare: Double = ThrashingCliff.defaultThreshold) throws -> SummaryTable {
    let directory = FixturePaths.root.appendingPathComponent("experiments/issue11-cliff")
    let rows = try names.map { name in
      let manifest = try #require(ReportFixtures.document(directory.appendingPathComponent(name).appendingPathComponent("manifest.json")))
      return ExperimentSummary(experiment: name, manifest: manifest, analysis: nil)
    }
    return SummaryTable(rows: rows, thrashShare: thrashShare)
  }

  @Test func theCliffLiesWhereTokensAndRereadsJump() throws {
    let table = try Self.table()
    let cliff = try #require(table.cliff)
    #expect(cliff.thrashing.label == "cg4000" && cliff.thrashing.bytes == 4000 << 20 && cliff.thrashing.verdict == .thrashes)
    #expect(cliff.calm.label == "cg4200" && cliff.calm.bytes == 4200 << 20 && cliff.calm.thrashShare == 0)
    #expect(table.lockCliff == nil)
    #expect(table.rows.map(\.cliffVerdict) == [nil, .calm, .thrashes, .thrashes, .thrashes])
  }

  @Test func theJSONCarriesTheCliffInExactBytes() throws {
    let json = try Self.table().json.rendered()
    #expect(json.contains("\"thrashing_budget_bytes\": 4194304000") && json.contains("\"calm_budget_bytes\": 4404019200"))
    #expect(json.contains("\"cliff_verdict\": \"calm\""))
    // No thrashing budget with a calm one above it: null.
    let calmOnly = try Self.table(["nobudget", "cg4200"]).json.rendered()
    #expect(calmOnly.contains("\"cliff\": null"))
  }

  @Test func thePlotsDrawTheBandThere() throws {
    let plots = SweepPlots.plots(try Self.table())
    for plot in plots {
      #expect(plot.caption.contains("between cg4000 (3.91 GiB), which thrashes, and cg4200 (4.10 GiB), which is calm: tokens/s 0.51 → 5.47"), "\(plot.caption)")
      let band = try SVGTree.parse(plot.svg).all("g").first { $0.attributes["data-series"] == "cliff" }
      #expect(band != nil)
    }
    // The 4.10 GiB run, which read nothing in decode, is on the re-read plot, at 1.
    let reread = try SVGTree.parse(plots[1].svg)
    #expect(reread.all("g").first { $0.attributes["data-series"] == "runs (decode)" }?.all("circle").count == 4)
    #expect(plots[1].caption.contains("a decode phase that read nothing is drawn at 1 (nothing read again)"))
  }

  @Test func theTablesSayNoneReadAndGiveTheVerdicts() throws {
    let markdown = try Self.table().markdown
    #expect(markdown.contains("| cg4200           |") || markdown.contains("| cg4200 "))
    let line = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| cg4200") && $0.contains("none read") })
    #expect(line.contains("calm"))
    #expect(markdown.contains("Cliff (budgets): thrashes at cg4000 (3.91 GiB): 0.51 tokens/s"))
    #expect(markdown.contains("calm at cg4200 (4.10 GiB): 5.47 tokens/s, 0.0% of the model re-read per decode pass"))
  }

  /// The 4.10 GiB budget was never reached: the report says so (its manifest, from before
  /// issue 11, has only the cgroup's counters).
  @Test func aBudgetThatNeverBitIsNamed() throws {
    let table = try Self.table()
    #expect(table.rows[1].budgetPressure?.verdict == .noPressure && table.rows[2].budgetPressure?.verdict == .limitReached)
    #expect(table.rows[0].budgetPressure == nil)
    let markdown = table.markdown
    #expect(markdown.contains("| no (peak 99.2%) ") && markdown.contains("| yes (1,834,221×) "))
    #expect(markdown.contains("cg4200: no pressure: the 4.10 GiB limit was never reached (peak 4.07 GiB, 99.2% of it; memory.failcnt 0)"))
    #expect(table.csv.contains(",no_pressure,4368293888,0,"))
    #expect(SweepPlots.plots(table)[0].caption.contains("Never reached their memory limit (no pressure): cg4200."))
  }

  /// A stricter threshold moves nothing here; with one no share exceeds, the tokens/s drop
  /// (0.51 against 5.47 with more memory) still marks the cliff.
  @Test func theThresholdIsTheSweepsAndTheSlowdownCountsWhateverItSays() throws {
    #expect(try Self.table(thrashShare: 0.01).cliff?.thrashing.label == "cg4000")
    let lax = try #require(try Self.table(thrashShare: 100).cliff)
    #expect(lax.thrashing.label == "cg4000" && lax.thrashing.verdict == .slowedDown && lax.thrashing.referenceTokensPerSecond == 5.52)
    let bothThrash = try Self.table(["cg4000", "cg3500"])
    #expect(bothThrash.cliff == nil && bothThrash.markdown.contains("Cliff (budgets): none: no budget that thrashes has a calm one with more memory"))
  }
}
