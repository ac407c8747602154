/// Accumulates the access-pattern figures of docs/metrics.md over a stream of operations, in O(1)
/// per operation (plus the interval union for unique bytes).
public struct AccessAnalyzer {
  public let filter: OperationFilter
  /// How the peak-bandwidth window is chosen.
  public let peakWindow: PeakWindow

  private var operations = 0
  private var bytes: UInt64 = 0
  private var unique = IntervalUnion()
  private var physicalGaps = GapTracker()
  private var logicalGaps = GapTracker()
  private var crossingOperations = 0
  private var boundariesCrossed = 0
  private var sizes = SizeHistogram()
  private var byCompletion: WindowedBytes
  private var byIssue: WindowedBytes
  private var issueToComplete = LatencyDistribution()
  private var queueToComplete = LatencyDistribution()
  private var firstTime = UInt64.max
  private var lastTime: UInt64 = 0
  private var firstIssue = UInt64.max
  private var lastCompletion: UInt64 = 0
  private var withCompletion = 0
  private var repeatedDispatches = 0
  private var repeatedDispatchBytes: UInt64 = 0
  private var errors = 0
  private var rejected = [Int](repeating: 0, count: OperationFilter.Rejection.allCases.count)

  public init(filter: OperationFilter, peakWindow: PeakWindow = .fromRunLength) {
    self.filter = filter
    self.peakWindow = peakWindow
    byCompletion = WindowedBytes(peakWindow)
    byIssue = WindowedBytes(peakWindow)
  }

  /// An operation that passed the filter, with what the analysis made of it.
  public struct Accepted: Sendable {
    public var operation: BlockOperation
    /// Bytes counted for it: inside the file (or the sector filter), else all.
    public var countedBytes: UInt64
    /// Where it lands in the file, with an extent map.
    public var mapping: FileExtentMap.Mapping?
  }

  /// Adds an operation (in order); returns what was counted, or nil when it was filtered out.
  @inline(__always)
  @discardableResult
  public mutating func add(_ operation: BlockOperation) -> Accepted? {
    guard let admitted = admit(operation) else { return nil }
    return count(admitted)
  }

  /// Leaves out an operation `admit` let through, for a reason only the caller can judge (an
  /// owner outside the workload's task tree).
  @inline(__always)
  public mutating func reject(_ reason: OperationFilter.Rejection) { rejected[reason.rawValue] += 1 }

  /// Applies the filter and maps the operation into the file, without counting it: nil (and
  /// the reason counted) when it is left out, else what `count` takes.
  @inline(__always)
  public mutating func admit(_ operation: BlockOperation) -> Accepted? {
    if let reason = filter.rejection(of: operation) {
      rejected[reason.rawValue] += 1
      return nil
    }
    var counted = operation.bytes
    var mapping: FileExtentMap.Mapping?
    if let extents = filter.extents {
      // Sectors are per disk: an operation on a disk the file is not on is not in the file.
      // Traces without device numbers (CHEOPS CSV: 0:0) are taken to be of the file's disk.
      guard let slot = extents.slot(of: operation.device),
        let mapped = extents.map(sector: operation.sector, endSector: operation.endSector, slot: slot)
      else {
        rejected[OperationFilter.Rejection.file.rawValue] += 1
        return nil
      }
      mapping = mapped
      counted = mapped.fileBytes
    } else if let sectors = filter.sectors {
      counted = sectors.overlap(start: operation.sector, end: operation.endSector) &* 512
    }
    return Accepted(operation: operation, countedBytes: counted, mapping: mapping)
  }

  /// Counts an operation `admit` let through; returns it.
  @inline(__always)
  @discardableResult
  public mutating func count(_ admitted: Accepted) -> Accepted {
    let operation = admitted.operation
    let counted = admitted.countedBytes
    let mapping = admitted.mapping
    operations += 1
    bytes &+= counted
    if operation.flags.contains(.repeatedDispatch) {
      repeatedDispatches += 1
      repeatedDispatchBytes &+= counted
    }
    sizes.add(bytes: operation.bytes)
    physicalGaps.add(start: operation.sector, end: operation.endSector)
    if let mapping {
      // Logical units are 512-byte file offsets; an operation spanning extents is one.
      logicalGaps.add(start: mapping.logicalStart / 512, end: (mapping.logicalEnd + 511) / 512)
      unique.insert(mapping.logicalStart, mapping.logicalEnd)
      if mapping.extentsTouched > 1 {
        crossingOperations += 1
        boundariesCrossed += mapping.extentsTouched - 1
      }
    } else if let sectors = filter.sectors, counted != operation.bytes {
      // Partly inside the sector filter: count only the part inside it as unique.
      for range in sectors.ranges where range.start < operation.endSector && range.end > operation.sector {
        unique.insert(max(range.start, operation.sector) &* 512, min(range.end, operation.endSector) &* 512)
      }
    } else {
      unique.insert(operation.sector &* 512, operation.endSector &* 512)
    }

    let start = operation.issueOrderTime
    let end = operation.completeTime != BlockOperation.noTime ? operation.completeTime : start
    if start < firstTime { firstTime = start }
    if end > lastTime { lastTime = end }
    if operation.firstIssueTime != BlockOperation.noTime {
      if operation.firstIssueTime < firstIssue { firstIssue = operation.firstIssueTime }
      byIssue.add(bytes: counted, at: operation.firstIssueTime)
    }
    if operation.completeTime != BlockOperation.noTime {
      withCompletion += 1
      if operation.completeTime > lastCompletion { lastCompletion = operation.completeTime }
      byCompletion.add(bytes: counted, at: operation.completeTime)
    }
    if let latency = operation.issueToCompleteNanoseconds { issueToComplete.add(latency) }
    if let latency = operation.queueToCompleteNanoseconds { queueToComplete.add(latency) }
    if operation.error != 0 { errors += 1 }
    return admitted
  }

  /// A peak is never below the average (docs/metrics.md "Bandwidth"): when no window was
  /// busier than the run as a whole (a run shorter than its window, or completions bunched at
  /// its two ends), the average is the peak, and the flag says so.
  static func atLeastAverage(_ peak: Double, _ average: Double?) -> (Double, Bool) {
    guard let average, average > peak else { return (peak, false) }
    return (average, true)
  }

  /// The figures so far.
  public mutating func result() -> AccessFigures {
    let uniqueBytes = unique.coveredLength
    let fileSize = filter.extents?.contentSize
    let hasCompletions = withCompletion > 0
    // Average: bytes over first issue to last completion (docs/metrics.md); without completions
    // (line counting modes, issue-only traces) over the span of the lines.
    let spanStart = firstIssue != UInt64.max ? firstIssue : firstTime
    let spanEnd = hasCompletions ? lastCompletion : lastTime
    let span = operations > 0 && spanEnd > spanStart ? spanEnd - spanStart : 0
    var figures = AccessFigures()
    figures.operations = operations
    figures.bytes = bytes
    figures.uniqueBytes = uniqueBytes
    figures.fileSize = fileSize
    figures.gaps = physicalGaps.classes
    figures.logicalGaps = filter.extents == nil ? nil : logicalGaps.classes
    figures.extentCrossingOperations = filter.extents == nil ? nil : crossingOperations
    figures.extentBoundariesCrossed = filter.extents == nil ? nil : boundariesCrossed
    figures.sizes = sizes
    figures.firstTimeNanoseconds = operations > 0 ? firstTime : nil
    figures.lastTimeNanoseconds = operations > 0 ? lastTime : nil
    figures.spanNanoseconds = span
    figures.averageBytesPerSecond = span > 0 ? Double(bytes) * 1e9 / Double(span) : nil
    let (asked, reason) = peakWindow.window(forRun: span)
    let window = byCompletion.effectiveWindow(asked)
    figures.windowNanoseconds = window
    figures.windowReason = reason
    if hasCompletions {
      let peak = Double(byCompletion.peakBytes(windowNanoseconds: window)) * 1e9 / Double(window)
      let (shown, isAverage) = Self.atLeastAverage(peak, figures.averageBytesPerSecond)
      figures.peakBytesPerSecond = shown
      figures.peakIsAverage = isAverage
    }
    if firstIssue != UInt64.max {
      let issueWindow = byIssue.effectiveWindow(asked)
      let peak = Double(byIssue.peakBytes(windowNanoseconds: issueWindow)) * 1e9 / Double(issueWindow)
      let (shown, isAverage) = Self.atLeastAverage(peak, figures.averageBytesPerSecond)
      figures.peakByIssueBytesPerSecond = shown
      figures.peakByIssueIsAverage = isAverage
    }
    figures.bandwidthFromCompletions = hasCompletions
    figures.completionSeries = hasCompletions ? byCompletion.series(windowNanoseconds: window) : nil
    figures.latency = LatencySummary(&issueToComplete)
    figures.queueLatency = LatencySummary(&queueToComplete)
    figures.errors = errors
    figures.repeatedDispatches = repeatedDispatches
    figures.repeatedDispatchBytes = repeatedDispatchBytes
    figures.rejected = Dictionary(uniqueKeysWithValues: OperationFilter.Rejection.allCases.map { ($0, rejected[$0.rawValue]) })
    return figures
  }
}

/// Percentiles of one latency distribution, in nanoseconds.
public struct LatencySummary: Sendable, Hashable {
  public var count: Int
  public var p50: UInt64
  public var p90: UInt64
  public var p99: UInt64
  public var max: UInt64
  public var mean: Double
  /// True when the percentiles come from the histogram (more than 2^20 samples).
  public var approximate: Bool

  init?(_ distribution: inout LatencyDistribution) {
    guard distribution.count > 0 else { return nil }
    count = distribution.count
    p50 = distribution.percentile(0.50)!
    p90 = distribution.percentile(0.90)!
    p99 = distribution.percentile(0.99)!
    max = distribution.maximum
    mean = Double(distribution.sum) / Double(distribution.count)
    approximate = distribution.isApproximate
  }
}

/// The figures of one analysis, as docs/metrics.md defines them.
public struct AccessFigures: Sendable {
  public var operations = 0
  /// Bytes of the operations (inside the file when filtered to one).
  public var bytes: UInt64 = 0
  /// Size of the union of the operations' byte intervals.
  public var uniqueBytes: UInt64 = 0
  /// The file's size, when the analysis is filtered to a file.
  public var fileSize: UInt64?
  public var gaps = GapClasses()
  /// Gaps in file-offset space; nil without extents.
  public var logicalGaps: GapClasses?
  /// Operations that span more than one extent; nil without extents.
  public var extentCrossingOperations: Int?
  /// Extent boundaries crossed inside operations; nil without extents.
  public var extentBoundariesCrossed: Int?
  public var sizes = SizeHistogram()
  public var firstTimeNanoseconds: UInt64?
  public var lastTimeNanoseconds: UInt64?
  /// First issue to last completion (or line span without completions).
  public var spanNanoseconds: UInt64 = 0
  public var averageBytesPerSecond: Double?
  /// The peak-bandwidth window used.
  public var windowNanoseconds: UInt64 = PeakWindow.longest
  /// Why the window is what it is (given, or chosen from the run's length).
  public var windowReason = PeakWindow.Reason.given
  /// Largest bytes completed in one window, per second, and never below the average; nil
  /// without completions.
  public var peakBytesPerSecond: Double?
  /// No window was busier than the whole run: `peakBytesPerSecond` is the average.
  public var peakIsAverage = false
  /// The same binned by issue time: the notebook's way, which overstates the peak.
  public var peakByIssueBytesPerSecond: Double?
  /// No window of issues was busier than the whole run: the issue-time peak is the average.
  public var peakByIssueIsAverage = false
  public var bandwidthFromCompletions = false
  /// Bytes completed per window, for plots.
  public var completionSeries: (originNanoseconds: UInt64, bytes: [UInt64])?
  /// Issue to completion.
  public var latency: LatencySummary?
  /// Queue (Q) to completion.
  public var queueLatency: LatencySummary?
  /// Operations that completed with an error.
  public var errors = 0
  /// Of the operations, those flagged `.repeatedDispatch` (a trace without completions: a
  /// dispatch of a sector dispatched shortly before, re-issue or re-read), and their bytes.
  public var repeatedDispatches = 0
  public var repeatedDispatchBytes: UInt64 = 0
  /// Operations left out, by the first rule they failed.
  public var rejected: [OperationFilter.Rejection: Int] = [:]

  public init() {}

  /// Bytes read per unique byte; nil when nothing was read.
  public var rereadFactor: Double? { uniqueBytes == 0 ? nil : Double(bytes) / Double(uniqueBytes) }
  /// Unique bytes over the file size.
  public var coverage: Double? { fileSize.flatMap { $0 == 0 ? nil : Double(uniqueBytes) / Double($0) } }
  /// Bytes read over the file size: how many times the file was read.
  public var passes: Double? { fileSize.flatMap { $0 == 0 ? nil : Double(bytes) / Double($0) } }
}
