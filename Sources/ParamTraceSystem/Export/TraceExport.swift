import ParamTraceCore

/// One streaming pass over a trace that writes its requests for other tools: the analysis
/// pipeline as `analyze` runs it (decoding on a second thread, request assembly, filters,
/// tensor attribution), with each request that passes the filters handed to the Perfetto and
/// fio writers and their bytes written out every megabyte. Memory stays fixed however long
/// the trace is.
public enum TraceExport {
  /// What to read and what to write.
  public struct Plan {
    /// Trace files and their format (nil: detected per file).
    public var paths: [String]
    public var format: TraceFormat?
    public var strict = false
    /// The analysis options: filters, model, decode boundary. Requests are written in issue order.
    public var options: AnalysisOptions
    /// Where to write the Perfetto JSON, and how.
    public var perfetto: (path: String, settings: PerfettoTraceWriter.Settings, deviceName: (DeviceNumber) -> String)?
    /// Where to write the fio iolog, and how reads are addressed.
    public var fio: (path: String, addressing: FioIologWriter.Addressing)?
    /// Moments to mark besides the trace's markers and the decode boundary (the workload's phases).
    public var instants: [ExportInstant] = []

    public init(paths: [String], format: TraceFormat?, options: AnalysisOptions) {
      self.paths = paths
      self.format = format
      self.options = options
    }
  }

  /// What was written.
  public struct Result {
    /// The analysis of the same pass (its warnings and counts).
    public var analysis: TraceAnalysis
    /// The trace's first event: time zero of the Perfetto file.
    public var origin: UInt64
    public var perfettoRequests = 0
    public var perfettoLeftOut = 0
    /// Residency samples written as counters.
    public var perfettoResidencySamples = 0
    /// Issue time of the first request the limit left out.
    public var perfettoCutTime: UInt64?
    public var fioReads = 0
    public var fioBytes: UInt64 = 0
    /// Last issue time written, for the summary.
    public var lastIssue: UInt64 = 0
    /// Sizes of the files written.
    public var perfettoFileBytes = 0
    public var fioFileBytes = 0
  }

  /// Reads the trace once and writes the files.
  ///
  /// - Throws: `TraceInputError`, `TraceParseError` (strict), `FileAccessError` (an output
  ///   that cannot be written).
  public static func run(_ plan: Plan) throws -> Result {
    var options = plan.options
    options.order = .issue  // both formats want requests in the order they were issued
    var source: any EventBatchSource = PrefetchingEventSource(
      try TraceInputs.open(paths: plan.paths, format: plan.format, strict: plan.strict, countedOnly: options.actionsNotNeeded))
    var perfettoFile = try plan.perfetto.map { try TextFileWriter(path: $0.path) }
    var fioFile = try plan.fio.map { try TextFileWriter(path: $0.path) }
    var perfetto = plan.perfetto.map {
      PerfettoTraceWriter(settings: $0.settings, model: options.model, extents: options.filter.extents, deviceName: $0.deviceName)
    }
    var fio = plan.fio.map { FioIologWriter($0.addressing) }
    var analysis = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    batch.reserveCapacity(1 << 16)
    var origin: UInt64?
    var lastIssue: UInt64 = 0
    var written = (perfetto: 0, fio: 0)

    let write: (AccessAnalyzer.Accepted) -> Void = { item in
      lastIssue = item.operation.issueOrderTime
      perfetto?.add(item)
      fio?.add(item)
    }
    func drain(all: Bool) throws {
      if perfetto != nil, all || perfetto!.out.wantsDrain {
        written.perfetto += perfetto!.out.bytes.count
        try perfettoFile?.write(bytes: perfetto!.out.take())
      }
      if fio != nil, all || fio!.out.wantsDrain {
        written.fio += fio!.out.bytes.count
        try fioFile?.write(bytes: fio!.out.take())
      }
    }

    while try source.nextBatch(into: &batch) {
      if origin == nil, let first = batch.first {
        origin = first.time
        perfetto?.begin(origin: first.time)
        fio?.begin()
      }
      analysis.consume(batch, markers: source.markers, accepted: write)
      try drain(all: false)
    }
    if origin == nil {
      // An empty trace still gives files the tools open.
      origin = 0
      perfetto?.begin(origin: 0)
      fio?.begin()
    }
    let result = analysis.finish(diagnostics: source.diagnostics, markers: source.markers, accepted: write)
    var instants = plan.instants
    instants += source.markers.map { ExportInstant(time: $0.time, name: $0.text, detail: "trace marker") }
    if let phases = result.phases, let boundary = phases.boundaryNanoseconds {
      instants.append(ExportInstant(time: boundary, name: "decode starts", detail: phases.source))
    }
    perfetto?.finish(instants: instants)
    fio?.finish()
    try drain(all: true)
    try perfettoFile?.close()
    try fioFile?.close()

    var summary = Result(analysis: result, origin: origin ?? 0)
    summary.perfettoRequests = perfetto?.requestsWritten ?? 0
    summary.perfettoLeftOut = perfetto?.requestsLeftOut ?? 0
    summary.perfettoResidencySamples = perfetto?.residencySamplesWritten ?? 0
    summary.perfettoCutTime = perfetto?.cutTime
    summary.fioReads = fio?.reads ?? 0
    summary.fioBytes = fio?.bytes ?? 0
    summary.lastIssue = lastIssue
    summary.perfettoFileBytes = written.perfetto
    summary.fioFileBytes = written.fio
    return summary
  }
}
