import ParamTraceCore

/// One memory configuration of a sweep.
public struct MemoryPoint: Sendable, Hashable {
  public enum Kind: String, Sendable { case none, budget, lock }
  public var kind: Kind
  /// Bytes of the budget or the lock; nil for `none`.
  public var bytes: UInt64?

  public init(kind: Kind, bytes: UInt64?) {
    self.kind = kind
    self.bytes = bytes
  }

  /// `unconstrained`, `budget-3GiB`, `lock-20GiB`, `budget-1500MiB`: also the run's directory
  /// name (with `-rN`), so it must be short and filesystem-safe.
  public var label: String {
    guard let bytes, kind != .none else { return "unconstrained" }
    return "\(kind.rawValue)-\(Self.compactSize(bytes))"
  }

  /// `3GiB`, `1536MiB`, `64KiB`, `1000B`: the largest binary unit that divides the size.
  static func compactSize(_ bytes: UInt64) -> String {
    for (unit, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes >= (1 << shift) && bytes % (1 << shift) == 0 {
      return "\(bytes >> shift)\(unit)"
    }
    return "\(bytes)B"
  }

  /// Parses `--budgets 0,3GiB,2GiB` (0 or `none` is the unconstrained run).
  public static func parseList(_ text: String, kind: Kind) -> [MemoryPoint]? {
    var points: [MemoryPoint] = []
    for item in text.split(separator: ",") {
      let word = trimmedSpaces(item)
      if word == "0" || word == "none" {
        points.append(MemoryPoint(kind: .none, bytes: nil))
      } else if let bytes = ByteSize.parse(word), bytes > 0 {
        points.append(MemoryPoint(kind: kind, bytes: bytes))
      } else {
        return nil
      }
    }
    return points.isEmpty ? nil : points
  }

  /// The unit to print a sweep's budgets in: the smallest one the list was written in
  /// (`4200MiB,4000MiB`: MiB), so a budget the sweep adds between them reads like the user's
  /// own (4100 MiB, not 4.00 GiB); GiB when the list names no size.
  public static func displayUnit(ofList text: String) -> ByteSize.Unit {
    let units = text.split(separator: ",").compactMap { word -> ByteSize.Unit? in
      let word = trimmedSpaces(word)
      guard word != "0", word != "none", let unit = ByteSize.unit(of: word) else { return nil }
      return unit
    }
    return units.min { $0.bytes < $1.bytes } ?? ByteSize.Unit(name: "GiB", bytes: 1 << 30)
  }
}

/// A sweep: one command, several memory points, the other axes (load mode, read-ahead,
/// threads, the user's), several repetitions.
public struct SweepConfiguration: Sendable {
  /// Settings shared by every run (its outputDirectory is the sweep directory).
  public var experiment: ExperimentConfiguration
  public var points: [MemoryPoint]
  public var repetitions: Int
  /// The axes besides memory, in the order given (the first one after memory is the report's
  /// panel axis); empty for a sweep over memory alone.
  public var axes: [SweepAxis] = []
  /// Narrow the budget between the largest that thrashes and the smallest that does not.
  public var findCliff = false
  /// Stop narrowing when the two are this close.
  public var cliffResolutionBytes: UInt64 = 64 << 20
  /// A run thrashes when its decode phase re-reads more than this share of the model per decode
  /// pass (or, without a decode phase, when its re-read factor exceeds 1 + this), or when its
  /// tokens/s drop by more than a third (`ThrashingCliff`).
  public var thrashShare = ThrashingCliff.defaultThreshold

  public init(experiment: ExperimentConfiguration, points: [MemoryPoint], repetitions: Int) {
    self.experiment = experiment
    self.points = points
    self.repetitions = repetitions
  }

  /// One run of the grid before it is recorded.
  public struct PlannedRun: Sendable, Hashable {
    public var point: MemoryPoint
    public var axes: [SweepAxisValue]
    public var repetition: Int
  }

  /// Every run of the grid (memory points × every combination of the other axes) ×
  /// repetitions, interleaved: repetition 1 of every configuration, then repetition 2, …, so
  /// drift (a warming disk, a busy neighbour) spreads over all of them; within a repetition
  /// the memory points vary fastest.
  public var plan: [PlannedRun] {
    var plan: [PlannedRun] = []
    let combinations = SweepAxis.combinations(axes)
    for repetition in 1...max(1, repetitions) {
      for values in combinations {
        for point in points { plan.append(PlannedRun(point: point, axes: values, repetition: repetition)) }
      }
    }
    return plan
  }

  /// The record configuration of one run: its directory, memory, command with the axes'
  /// values put in, read-ahead, and the axes' values for the manifest.
  public func experiment(for point: MemoryPoint, axes values: [SweepAxisValue], directory: String) -> ExperimentConfiguration {
    var run = experiment
    run.outputDirectory = directory
    run.budgetBytes = point.kind == .budget ? point.bytes : nil
    run.lockBytes = point.kind == .lock ? point.bytes : nil
    run.command = WorkloadCommandTemplate.command(experiment.command, axes: axes, values: values)
    run.sweepAxes = values
    if let readAhead = axes.first(where: { $0.role == .readAheadKilobytes }),
      let value = values.first(where: { $0.name == readAhead.name }).flatMap({ UInt64($0.value) })
    {
      run.readAheadKilobytes = value
    }
    return run
  }
}

/// `text` without leading and trailing spaces.
private func trimmedSpaces(_ text: Substring) -> String {
  String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
}
