import Testing

@testable import ParamTraceCore

/// A budget over a model that is already cached cannot bite (issue 15, item 2).
@Suite struct ResidentModelAtStartTests {
  static let mib: UInt64 = 1 << 20

  @Test func aResidentModelUnderABudgetWarnsWithWhatToDo() throws {
    let check = try #require(ResidentModelAtStart(residentBytes: 96 * Self.mib, modelBytes: 96 * Self.mib, budgetBytes: 24 * Self.mib))
    #expect(check.budgetBypassed && check.share == 1)
    let warning = try #require(check.warning)
    #expect(warning.hasPrefix("Budget cannot bite: 96.00 MiB of the model (100.0%)"), "\(warning)")
    #expect(warning.contains("24.00 MiB budget") && warning.contains("--cold"))
    #expect(check.json.rendered().contains(#""bypassed": true"#))
  }

  @Test func aFewHeaderPagesDoNotWarn() throws {
    let check = try #require(ResidentModelAtStart(residentBytes: 64 << 10, modelBytes: 96 * Self.mib, budgetBytes: 24 * Self.mib))
    #expect(!check.budgetBypassed && check.warning == nil)
  }

  @Test func withoutABudgetOrAResidencyThereIsNothingToCheck() {
    #expect(ResidentModelAtStart(residentBytes: 96 * Self.mib, modelBytes: 96 * Self.mib, budgetBytes: nil) == nil)
    #expect(ResidentModelAtStart(residentBytes: nil, modelBytes: 96 * Self.mib, budgetBytes: 1) == nil)
  }
}
