/// The model's pages already in the page cache when a budgeted run starts (issue 15, item 2).
///
/// A cgroup is charged for a page when the page is read into the cache, by the cgroup that
/// read it; a page some other process (a `cp`, an earlier run, the file's writer) left in the
/// cache stays charged there. The workload then faults on it without the limit ever counting
/// it, so a budget over a resident model does not bite: a sweep over `0,24MiB` on a freshly
/// written file gave the same figures for both budgets. `record` warns, and `sweep` evicts
/// the model before each budgeted run unless `--warm`.
public struct ResidentModelAtStart: Sendable, Hashable {
  /// Model bytes in the page cache before the run (`mincore`).
  public var residentBytes: UInt64
  /// Size of the model's files.
  public var modelBytes: UInt64
  /// The run's cgroup budget.
  public var budgetBytes: UInt64

  /// More than this share of the model resident makes the warning: a few header pages (the
  /// GGUF header paramtrace reads) do not change a run.
  public static let warningShare = 0.01

  /// The check for a budgeted run; nil without a budget or without the model's residency.
  public init?(residentBytes: UInt64?, modelBytes: UInt64?, budgetBytes: UInt64?) {
    guard let residentBytes, let modelBytes, modelBytes > 0, let budgetBytes else { return nil }
    self.residentBytes = residentBytes
    self.modelBytes = modelBytes
    self.budgetBytes = budgetBytes
  }

  /// Resident bytes / model bytes.
  public var share: Double { Double(residentBytes) / Double(modelBytes) }

  /// True when enough of the model is resident to escape the budget.
  public var budgetBypassed: Bool { share > Self.warningShare }

  /// The warning, when the budget is bypassed: what happened, what it does to the figures,
  /// what to do.
  public var warning: String? {
    guard budgetBypassed else { return nil }
    return
      "Budget cannot bite: \(HumanUnits.bytes(residentBytes)) of the model (\(formatFixed(share * 100, 1))%) was in the page cache before the run started. Those pages are charged to whoever read them first, not to the workload's cgroup, so the \(HumanUnits.bytes(budgetBytes)) budget does not limit them and the run re-reads less than it would under this budget. Evict the model first: add --cold (sweep does so unless --warm)."
  }

  /// `budget_bypass` in the manifest.
  public var json: JSONValue {
    .object([
      ("resident_bytes", .number(residentBytes)), ("model_bytes", .number(modelBytes)), ("resident_share", .double(share)),
      ("budget_bytes", .number(budgetBytes)), ("bypassed", .bool(budgetBypassed)),
    ])
  }
}
