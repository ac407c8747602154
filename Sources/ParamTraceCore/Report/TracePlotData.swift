/// What the per-operation plots of one experiment need, gathered in one streaming pass over
/// its trace in fixed memory: time × disk sector and time × file offset density grids by
/// phase, completed bytes over time, and, while there are few operations, the operations
/// themselves (drawn one by one; past `pointLimit` only the grids remain).
public struct TracePlotData: Sendable {
  /// What is known before the pass, from manifest.json and analysis.json.
  public struct Setup: Sendable {
    /// First and last operation time (trace clock, ns): analysis.json's first_time_ns and
    /// last_time_ns. Nil: the time axes follow the data.
    public var timeRange: (lower: UInt64, upper: UInt64)?
    /// Disk sectors the file covers (first sector, end sector). Nil: the axis follows the data.
    public var sectorRange: (lower: UInt64, upper: UInt64)?
    /// The file's size, when operations are mapped to file offsets.
    public var fileSize: UInt64?
    /// Where decode starts (trace clock, ns); nil: phases unknown.
    public var decodeBoundary: UInt64?
    /// Grid size of the density plots.
    public var columns = 280
    public var rows = 140
    /// Bins of the bandwidth plot, at most.
    public var bandwidthBins = 240
    /// Operations the analysis counted (analysis.json), to size the bandwidth bins: a bin
    /// holds about `completionsPerBin` completions on average, because bins much shorter
    /// than a request's service time show impossible peaks (one 4 MiB completion in a 100 µs
    /// bin reads as 40 GiB/s).
    public var expectedOperations: Int?
    public var completionsPerBin = 8
    /// Operations kept one by one; past this, only the grids.
    public var pointLimit = 4000

    public init() {}
  }

  /// One operation, for plots of few operations.
  public struct Operation: Sendable, Hashable {
    /// Issue-order time (trace clock, ns).
    public var time: UInt64
    public var sector: UInt64
    public var sectors: UInt32
    /// File offset of its first byte in the file, and bytes in the file, when mapped.
    public var fileOffset: UInt64?
    public var fileBytes: UInt64
    public var decode: Bool
  }

  /// What was known before the pass.
  public let setup: Setup
  /// Operations that passed the filters.
  public private(set) var operations = 0
  /// Operations in the decode phase.
  public private(set) var decodeOperations = 0
  /// Operations with a completion time.
  public private(set) var completions = 0
  /// Time × sector, layer 0 load (or all when phases are unknown), layer 1 decode.
  public private(set) var sectorGrid: DensityGrid
  /// Time × file offset, when operations map to the file.
  public private(set) var offsetGrid: DensityGrid?
  /// Completed bytes by completion time, one row.
  public private(set) var completedBytes: DensityGrid
  /// The operations while there are at most `pointLimit`; nil past it.
  public private(set) var points: [Operation]? = []
  /// Earliest issue time and latest completion seen (trace clock, ns).
  public private(set) var firstTime = UInt64.max
  public private(set) var lastTime: UInt64 = 0

  public init(setup: Setup) {
    self.setup = setup
    let time: BinAxis = setup.timeRange.map { .fixed(lower: $0.lower, upper: $0.upper, count: setup.columns) } ?? .growing(count: setup.columns)
    let sector: BinAxis = setup.sectorRange.map { .fixed(lower: $0.lower, upper: $0.upper, count: setup.rows) } ?? .growing(count: setup.rows)
    sectorGrid = DensityGrid(x: time, y: sector, layers: 2)
    if let size = setup.fileSize {
      offsetGrid = DensityGrid(x: time, y: .fixed(lower: 0, upper: size, count: setup.rows), layers: 2)
    }
    let bandwidthAxis: BinAxis
    if let range = setup.timeRange {
      // A round bin width (1, 2, 2.5 or 5 × 10^k ns) so the caption can name it.
      let span = Double(max(range.upper - range.lower, 1))
      let rough = max(span / Double(setup.bandwidthBins), setup.expectedOperations.map { span * Double(setup.completionsPerBin) / Double(max($0, 1)) } ?? 0)
      let width = UInt64(PlotAxis.niceStep(min(rough, span)).rounded(.up))
      let count = Int((range.upper - range.lower) / max(width, 1)) + 1
      bandwidthAxis = .fixed(origin: range.lower / max(width, 1) * max(width, 1), width: width, count: min(count + 1, setup.bandwidthBins + 2))
    } else {
      bandwidthAxis = .growing(count: setup.bandwidthBins)
    }
    completedBytes = DensityGrid(x: bandwidthAxis, y: .fixed(lower: 0, upper: 0, count: 1))
  }

  /// Adds one operation that passed the analysis' filters.
  @inline(__always)
  public mutating func add(_ accepted: AccessAnalyzer.Accepted) {
    let operation = accepted.operation
    let time = operation.issueOrderTime
    let decode = setup.decodeBoundary.map { time >= $0 } ?? false
    let layer = decode ? 1 : 0
    operations += 1
    if decode { decodeOperations += 1 }
    if time < firstTime { firstTime = time }
    if time > lastTime { lastTime = time }
    sectorGrid.add(x: time, y: operation.sector, layer: layer)
    if let mapping = accepted.mapping, offsetGrid != nil {
      offsetGrid!.add(x: time, y: mapping.logicalStart, layer: layer)
    }
    if operation.completeTime != BlockOperation.noTime {
      completions += 1
      if operation.completeTime > lastTime { lastTime = operation.completeTime }
      completedBytes.add(x: operation.completeTime, y: 0, weight: accepted.countedBytes)
    }
    if points != nil {
      if points!.count < setup.pointLimit {
        points!.append(
          Operation(
            time: time, sector: operation.sector, sectors: operation.sectors, fileOffset: accepted.mapping?.logicalStart,
            fileBytes: accepted.mapping?.fileBytes ?? accepted.countedBytes, decode: decode))
      } else {
        points = nil
      }
    }
  }
}
