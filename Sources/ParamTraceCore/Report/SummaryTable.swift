/// The report's table: one row per experiment, and the repetitions of each configuration
/// (rows sharing a label) reduced to median and spread.
public struct SummaryTable: Sendable {
  /// One row per experiment, in the order given, each with its configuration's cliff verdict.
  public var rows: [ExperimentSummary]
  /// One group per label, in the order the labels first appear.
  public var groups: [ReportGroup]
  /// Share of the model re-read per decode pass above which a configuration thrashes.
  public var thrashShare: Double
  /// Every memory configuration judged by the cliff rule (`ThrashingCliff`).
  public var configurations: [ThrashingCliff.Configuration]
  /// The cliff among the budgets, and among the locks; nil when the runs show none, or when
  /// the rows belong to several combinations of a sweep's other axes (see `cliffs`).
  public var cliff: ThrashingCliff?
  public var lockCliff: ThrashingCliff?
  /// Each combination of the other axes (load mode, threads…) judged on its own, in the order
  /// the combinations first appear; one entry with no axes for a sweep over memory alone.
  public var cliffs: [AxesCliff]
  /// Names of the sweep axes besides memory that the rows carry, in first-seen order: one
  /// column each in the tables.
  public var axisNames: [String]

  /// The cliff rule applied to the runs of one combination of the axes besides memory.
  public struct AxesCliff: Sendable {
    public var axes: [SweepAxisValue]
    public var configurations: [ThrashingCliff.Configuration]
    public var cliff: ThrashingCliff?
    public var lockCliff: ThrashingCliff?
  }

  /// - Parameter thrashShare: the sweep's threshold, or `report --thrash-share`.
  public init(rows: [ExperimentSummary], thrashShare: Double = ThrashingCliff.defaultThreshold) {
    self.thrashShare = thrashShare
    var combinations: [[SweepAxisValue]] = []
    var names: [String] = []
    for row in rows {
      if !combinations.contains(row.axes) { combinations.append(row.axes) }
      for value in row.axes where !names.contains(value.name) { names.append(value.name) }
    }
    axisNames = names
    cliffs = combinations.map { values in
      let runs = rows.filter { $0.axes == values }.compactMap(\.cliffRun)
      return AxesCliff(
        axes: values, configurations: ThrashingCliff.configurations(runs, threshold: thrashShare),
        cliff: ThrashingCliff(runs, threshold: thrashShare), lockCliff: ThrashingCliff(runs, threshold: thrashShare, locks: true))
    }
    configurations = cliffs.flatMap(\.configurations)
    cliff = cliffs.count == 1 ? cliffs[0].cliff : nil
    lockCliff = cliffs.count == 1 ? cliffs[0].lockCliff : nil
    var rows = rows
    for index in rows.indices {
      guard let memory = rows[index].cliffRun?.memory, memory != .unconstrained else { continue }
      let own = cliffs.first { $0.axes == rows[index].axes }
      rows[index].cliffVerdict = own?.configurations.first { $0.memory == memory }?.verdict
    }
    self.rows = rows
    var order: [String] = []
    var members: [String: [ExperimentSummary]] = [:]
    for row in rows {
      if members[row.label] == nil { order.append(row.label) }
      members[row.label, default: []].append(row)
    }
    groups = order.map { ReportGroup(label: $0, rows: members[$0]!) }
  }

  /// True when some configuration ran more than once: the report then shows medians.
  public var hasRepetitions: Bool { groups.contains { $0.runs > 1 } }
}

/// The repetitions of one configuration.
public struct ReportGroup: Sendable {
  /// The configuration's label.
  public var label: String
  /// Rows with this label, failed ones included.
  public var runs: Int
  /// Rows that finished (status ok): the statistics are over these.
  public var okRuns: Int
  /// The sweep axes' values (of the first row; a label holds one combination).
  public var axes: [SweepAxisValue]
  /// Budget, lock or none (of the first row).
  public var memoryKind: ExperimentSummary.MemoryKind
  /// The budget or lock of the first row that has one: achieved, else requested.
  public var memoryBytes: UInt64?
  /// The budget or lock asked for (first row that says).
  public var requestedBytes: UInt64?
  /// Median and spread of each measured column that has a value in an ok row, by key.
  public var statistics: [String: ReportSpread]
  /// The configuration's cliff verdict (of its memory), when judged.
  public var verdict: ThrashingCliff.Verdict?

  init(label: String, rows: [ExperimentSummary]) {
    self.label = label
    runs = rows.count
    let ok = rows.filter { $0.status == .ok }
    okRuns = ok.count
    memoryKind = rows.first?.memoryKind ?? .none
    axes = rows.first?.axes ?? []
    memoryBytes = rows.lazy.compactMap(\.memoryBytes).first
    requestedBytes = rows.lazy.compactMap(\.requestedBytes).first
    verdict = rows.lazy.compactMap(\.cliffVerdict).first
    statistics = [:]
    for field in ReportField.measurements {
      let values = ok.map { field.value($0) }.filter { $0 != .absent }
      if let spread = ReportSpread(values, kind: field.kind) { statistics[field.key] = spread }
    }
  }
}

/// Median, minimum and maximum of one column over repetitions.
public struct ReportSpread: Sendable, Hashable {
  /// The median: the middle value, or the mean of the two middle ones; for an integer column
  /// that mean is rounded to the nearest integer (half away from zero), so the column stays
  /// integer.
  public var median: ReportValue
  /// The smallest and largest value.
  public var minimum: ReportValue
  public var maximum: ReportValue
  /// Values it is computed from.
  public var count: Int

  init?(_ values: [ReportValue], kind: ReportField.Kind) {
    let numbers = values.compactMap(\.number).sorted()
    guard !numbers.isEmpty else { return nil }
    count = numbers.count
    let middle = numbers.count / 2
    let median = numbers.count % 2 == 1 ? numbers[middle] : (numbers[middle - 1] + numbers[middle]) / 2
    switch kind {
    case .integer:
      // Integers up to 2^53 (bytes, counts, nanoseconds) are exact in a Double.
      self.median = .integer(Int64(median.rounded(.toNearestOrAwayFromZero)))
      minimum = .integer(Int64(numbers[0]))
      maximum = .integer(Int64(numbers[numbers.count - 1]))
    case .real, .text:
      self.median = .real(median)
      minimum = .real(numbers[0])
      maximum = .real(numbers[numbers.count - 1])
    }
  }
}
