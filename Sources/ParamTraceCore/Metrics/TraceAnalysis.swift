/// How to analyze a trace.
public struct AnalysisOptions: Sendable, Hashable {
  public var counting: CountingMode = .completion
  public var order: OperationOrder = .issue
  public var filter = OperationFilter()
  /// In a trace without completions, how close a second dispatch of a sector must follow the
  /// one before to be merged into it in the estimate (`--reissue-window-ms`).
  public var reissueWindowNanoseconds: UInt64 = 20_000_000
  /// Window for peak bandwidth: `--window`, or chosen from the run's length (default).
  public var peakWindow = PeakWindow.fromRunLength
  /// Start of the decode phase on the trace's clock (`--decode-from`); operations issued
  /// before it belong to the load phase.
  public var decodeFromNanoseconds: UInt64?
  /// Where `decodeFromNanoseconds` came from, in words, for the phase table and the JSON's
  /// `phases.source` (`record` passes llama.cpp's load time); nil means `--decode-from`.
  public var decodeFromSource: String?
  /// Text of a trace marker (tracefs `trace_marker`) that starts the decode phase; the first
  /// marker containing it is used when `decodeFromNanoseconds` is not given.
  public var decodeMarker: String?
  /// The disk's read-around window in bytes (what one page fault may read around itself),
  /// when known: the read-order analysis treats short runs up to it as read-around.
  public var readAroundWindowBytes: UInt64?
  /// How many forward passes the workload made (llama.cpp's timing lines), to compare with
  /// the passes found in the trace; nil when unknown.
  public var expectedForwardPasses: ExpectedForwardPasses?
  /// The traced model's tensor layout: bytes are attributed to tensors and layers. Needs
  /// `filter.extents` (file offsets come from them).
  public var model: ModelLayout?
  /// `ARCH.expert_used_count` of the model (experts routed per token), for the expert figures.
  public var expertsUsedPerToken: Int?
  /// llama.cpp's timing lines of the traced run: tokens and tokens/s for the disk-wait figures.
  public var timings: LlamaTimings?
  /// The device bandwidth for the I/O-bound ceiling (a probe's, or the user's); nil takes the
  /// run's own peak completion bandwidth, a lower bound of the device.
  public var deviceBandwidth: DeviceBandwidth?
  /// When the workload started and ended on the trace's clock (`record` knows); nil takes
  /// `record`'s trace markers, else the trace's first and last event.
  public var workloadStartNanoseconds: UInt64?
  public var workloadEndNanoseconds: UInt64?
  public init() {}

  /// Actions the analysis needs no events of: pass as `DecoderOptions.countedOnly`.
  public var actionsNotNeeded: BlockActionSet {
    counting == .naive ? [] : RequestAssembler.actionsNotNeeded
  }

  /// True when figures are to be split into load and decode.
  public var splitsPhases: Bool { decodeFromNanoseconds != nil || decodeMarker != nil }
}

/// The load/decode split (docs/metrics.md "Phases"): llama.cpp reads the whole model at load
/// (MAP_POPULATE); thrashing shows in decode.
public struct PhaseSplit: Sendable {
  /// Where decode starts, on the trace's clock; nil when the marker never appeared.
  public var boundaryNanoseconds: UInt64?
  /// How the boundary was found, in words.
  public var source: String
  public var load: AccessFigures
  public var decode: AccessFigures
  /// Per-tensor figures of each phase, with a model.
  public var loadTensors: TensorFigures?
  public var decodeTensors: TensorFigures?
}

/// The result of analyzing one trace: the figures, how they were counted, and what in the
/// input did not fit.
public struct TraceAnalysis: Sendable {
  public var options: AnalysisOptions
  public var figures: AccessFigures
  public var assembly: AssemblyCounters
  public var diagnostics: TraceDiagnostics
  /// True when the trace had no completions and operations were counted at dispatch.
  public var countedAtDispatch: Bool
  /// Plain-language warnings a reader of the numbers must see.
  public var warnings: [String]
  /// Load and decode figures, when asked for.
  public var phases: PhaseSplit?
  /// Bytes per tensor and layer, with a model.
  public var tensors: TensorFigures?
  /// What was read of each file of the model (one row for a single-file model), with a model.
  public var files: [ModelFileFigures]?
  /// The workload's tasks and what each read, with `filter.taskTreeRoots`.
  public var tasks: WorkloadTaskFigures?
  /// Disk wait and the I/O-bound ceiling, when the analysis is filtered to a file (extents).
  public var diskWait: DiskWaitFigures?

  /// The counting rule actually used, as the JSON's `counting` key reports it.
  public var countingName: String { options.counting.rawValue }

  /// How an operation was counted, in one sentence.
  public var countingRule: String {
    switch options.counting {
    case .completion:
      countedAtDispatch
        ? "every dispatch is an operation, less re-issues after a requeue line (the trace has no completions)"
        : "one operation per request, counted at its completion"
    case .dispatch: "every D (issue) line is an operation; requeued requests count again (--counting dispatch)"
    case .naive: "every trace line with a sector is an operation (--counting naive, the notebook's first pipeline)"
    }
  }
}

/// Runs the analysis pipeline: events → requests → filter → figures, one batch at a time.
public struct TraceAnalysisRun {
  public let options: AnalysisOptions
  private var assembler: RequestAssembler
  private var analyzer: AccessAnalyzer
  private var load: AccessAnalyzer?
  private var decode: AccessAnalyzer?
  private var attribution: TensorAttribution?
  private var loadAttribution: TensorAttribution?
  private var decodeAttribution: TensorAttribution?
  private var fileAttribution: ModelFileAttribution?
  private var boundary: UInt64?
  private var boundarySource: String
  /// How many markers were looked through for `options.decodeMarker`.
  private var markersSearched = 0
  private var operations = ContiguousArray<BlockOperation>()
  /// The workload's task tree, with `filter.taskTreeRoots`.
  private var tree: WorkloadTaskTree?
  private var otherOwners = OtherOwnerTally()
  /// When the counted reads were in flight, for the disk-busy shares (with extents: the
  /// model's reads).
  private var busy = BusyTime()
  private let measuresBusyTime: Bool
  /// The first and last event time of the trace, the phase windows' ends when nothing better is known.
  private var firstEventTime = UInt64.max
  private var lastEventTime: UInt64 = 0

  public init(options: AnalysisOptions) {
    self.options = options
    assembler = RequestAssembler(mode: options.counting, order: options.order)
    assembler.reissueWindowNanoseconds = options.reissueWindowNanoseconds
    analyzer = AccessAnalyzer(filter: options.filter, peakWindow: options.peakWindow)
    if options.splitsPhases {
      load = AccessAnalyzer(filter: options.filter, peakWindow: options.peakWindow)
      decode = AccessAnalyzer(filter: options.filter, peakWindow: options.peakWindow)
    }
    if let model = options.model, options.filter.extents != nil {
      let window = options.readAroundWindowBytes ?? 0
      let used = options.expertsUsedPerToken
      attribution = TensorAttribution(layout: model, readAroundWindowBytes: window, expertsUsedPerToken: used)
      fileAttribution = ModelFileAttribution(layout: model)
      if options.splitsPhases {
        loadAttribution = TensorAttribution(layout: model, readAroundWindowBytes: window, expertsUsedPerToken: used)
        decodeAttribution = TensorAttribution(layout: model, readAroundWindowBytes: window, expertsUsedPerToken: used)
      }
    }
    measuresBusyTime = options.filter.extents != nil
    boundary = options.decodeFromNanoseconds
    // How, not where: the phase table prints the boundary's time next to it.
    boundarySource =
      if options.decodeFromNanoseconds != nil { options.decodeFromSource ?? "given with --decode-from" } else if let marker = options.decodeMarker {
        "first trace marker containing \"\(marker)\""
      } else { "" }
    operations.reserveCapacity(1 << 14)
    if !options.filter.taskTreeRoots.isEmpty { tree = WorkloadTaskTree(roots: options.filter.taskTreeRoots) }
  }

  /// Processes events in time order; `accepted` sees every operation that passes the filter.
  ///
  /// `markers` are the trace markers read so far, up to the end of this batch at least
  /// (every operation emitted from this batch has an earlier time than any later marker).
  @inline(__always)
  public mutating func consume(
    _ events: ContiguousArray<BlockEvent>, markers: [TraceMarker] = [], accepted: (AccessAnalyzer.Accepted) -> Void = { _ in }
  ) {
    // Markers are looked through again only when there are new ones, not for every batch.
    if boundary == nil, let text = options.decodeMarker, markers.count != markersSearched {
      markersSearched = markers.count
      if let marker = markers.first(where: { $0.text.contains(text) }) {
        boundary = marker.time
        boundarySource += " (\"\(marker.text)\")"
      }
    }
    // Batches come in time order: one comparison per batch, not per event.
    if let first = events.first, first.time < firstEventTime { firstEventTime = first.time }
    if let last = events.last, last.time > lastEventTime { lastEventTime = last.time }
    operations.removeAll(keepingCapacity: true)
    assembler.consume(events, into: &operations)
    applyTaskEvents()
    account(accepted)
  }

  /// Grows the task tree with the task events of the batch just assembled, before its
  /// operations are judged (membership is bounded in time, so events later than an operation
  /// do not change its verdict).
  private mutating func applyTaskEvents() {
    guard !assembler.taskEvents.isEmpty else { return }
    let events = assembler.takeTaskEvents()
    guard tree != nil else { return }
    for event in events { tree!.apply(event) }
  }

  @inline(__always)
  private mutating func account(_ accepted: (AccessAnalyzer.Accepted) -> Void) {
    for operation in operations {
      guard let admitted = analyzer.admit(operation) else { continue }
      if tree != nil {
        guard let task = tree!.member(operation.ownerPid, at: operation.issueOrderTime) else {
          analyzer.reject(.owner)
          otherOwners.add(pid: operation.ownerPid, comm: operation.ownerComm, bytes: admitted.countedBytes)
          continue
        }
        tree!.credit(task, bytes: admitted.countedBytes)
      }
      let item = analyzer.count(admitted)
      accepted(item)
      if measuresBusyTime { busy.add(operation) }
      let inDecode = boundary.map { operation.issueOrderTime >= $0 } ?? false
      if load != nil {
        if inDecode { decode!.add(operation) } else { load!.add(operation) }
      }
      if attribution != nil { attribute(operation, inDecode: inDecode) }
    }
  }

  private mutating func attribute(_ operation: BlockOperation, inDecode: Bool) {
    guard let extents = options.filter.extents else { return }
    let time = operation.issueOrderTime
    let phased = loadAttribution != nil
    let readahead = operation.flags.contains(.readahead)
    guard let slot = extents.slot(of: operation.device) else { return }
    extents.forEachPiece(sector: operation.sector, endSector: operation.endSector, slot: slot) { start, end in
      attribution!.add(pieceStart: start, pieceEnd: end, time: time, readahead: readahead)
      fileAttribution!.add(pieceStart: start, pieceEnd: end)
      if phased {
        if inDecode {
          decodeAttribution!.add(pieceStart: start, pieceEnd: end, time: time, readahead: readahead)
        } else {
          loadAttribution!.add(pieceStart: start, pieceEnd: end, time: time, readahead: readahead)
        }
      }
    }
    attribution!.endOperation()
    fileAttribution!.endOperation()
    if phased {
      if inDecode { decodeAttribution!.endOperation() } else { loadAttribution!.endOperation() }
    }
  }

  /// Ends the input and returns the analysis.
  public mutating func finish(
    diagnostics: TraceDiagnostics, markers: [TraceMarker] = [], accepted: (AccessAnalyzer.Accepted) -> Void = { _ in }
  ) -> TraceAnalysis {
    operations.removeAll(keepingCapacity: true)
    assembler.finish(into: &operations)
    applyTaskEvents()
    account(accepted)
    var counters = assembler.counters
    counters.addCountedOnly(diagnostics)
    var phases: PhaseSplit?
    if var load, var decode {
      phases = PhaseSplit(
        boundaryNanoseconds: boundary, source: boundarySource, load: load.result(), decode: decode.result(),
        loadTensors: loadAttribution?.result(), decodeTensors: decodeAttribution?.result())
    }
    var analysis = TraceAnalysis(
      options: options, figures: analyzer.result(), assembly: counters, diagnostics: diagnostics,
      countedAtDispatch: options.counting == .completion && counters.completionLines == 0 && counters.countedAtDispatch > 0,
      warnings: [], phases: phases, tensors: attribution?.result(), files: fileAttribution?.result(),
      tasks: tree.map {
        WorkloadTaskFigures(roots: $0.roots, tasks: $0.tasks, taskEvents: $0.eventsApplied, otherOwners: otherOwners.sorted)
      })
    // Passes from the decode boundary on generate tokens (the per-token expert figures).
    analysis.tensors?.experts?.decodeFromNanoseconds = boundary
    if options.filter.extents != nil { analysis.diskWait = measureDiskWait(analysis, markers: markers) }
    analysis.warnings = Self.warnings(for: analysis)
    return analysis
  }

  /// Why a trace without completions gives a range (docs/metrics.md "Traces without
  /// completions").
  static func withoutCompletionsWarning(_ analysis: TraceAnalysis) -> String {
    let f = analysis.figures
    let window = formatFixed(Double(analysis.options.reissueWindowNanoseconds) / 1e6, 0) + " ms"
    var text =
      "The trace has no completion lines: every dispatch was counted (\(HumanUnits.grouped(f.operations)) operations)"
      + ", less those after a requeue line (\(HumanUnits.grouped(analysis.assembly.requeues)) requeues)."
    if f.repeatedDispatches > 0 {
      text +=
        " \(HumanUnits.grouped(f.repeatedDispatches)) of them dispatch sectors dispatched within \(window) before, with no requeue line between:"
        + " each is a re-issue after an unrecorded requeue or a genuine re-read, and the trace cannot tell which."
        + " Merging them all gives \(HumanUnits.grouped(f.operations - f.repeatedDispatches)) operations and"
        + " \(HumanUnits.bytes(f.bytes - f.repeatedDispatchBytes)); the true count lies between (--reissue-window-ms sets the window)."
    }
    return text + " Latency and completion bandwidth are unavailable."
  }

  /// The disk-wait figures: phase windows from the workload's start and end (given, else
  /// `record`'s trace markers, else the trace's first and last event).
  private mutating func measureDiskWait(_ analysis: TraceAnalysis, markers: [TraceMarker]) -> DiskWaitFigures {
    let startMarker = markers.first { $0.text.contains(TraceMarkerText.workloadStart) }?.time
    let endMarker = markers.last { $0.text.contains(TraceMarkerText.workloadEnd) }?.time
    let traceStart = min(firstEventTime, analysis.figures.firstTimeNanoseconds ?? .max)
    let traceEnd = max(lastEventTime, analysis.figures.lastTimeNanoseconds ?? 0)
    let (start, end, source): (UInt64, UInt64, String) =
      if let given = options.workloadStartNanoseconds, let givenEnd = options.workloadEndNanoseconds {
        (given, givenEnd, "the workload's start and exit")
      } else if let startMarker, let endMarker, endMarker > startMarker {
        (startMarker, endMarker, "record's trace markers at the workload's start and exit")
      } else {
        (traceStart == .max ? 0 : traceStart, traceEnd, "the trace's first and last event")
      }
    // A split whose marker never came puts everything in the load phase.
    let split: UInt64? = analysis.phases.map { $0.boundaryNanoseconds ?? end }
    return DiskWaitFigures.measure(
      busy: &busy, boundary: split, start: start, end: end, windowSource: source, decode: analysis.phases?.decode,
      loadUniqueBytes: analysis.phases?.load.uniqueBytes, modelBytes: analysis.figures.fileSize, timings: options.timings,
      bandwidth: options.deviceBandwidth, runPeak: analysis.figures.peakBytesPerSecond, runPeakWindowNanoseconds: analysis.figures.windowNanoseconds)
  }

  static func warnings(for analysis: TraceAnalysis) -> [String] {
    var warnings: [String] = []
    let counters = analysis.assembly
    if let perRequest = counters.linesPerRequest, perRequest > 1.05 {
      let note =
        analysis.options.counting == .completion
        ? "each was counted once (counting lines, as the notebook did, would inflate operations and bytes about \(formatFixed(perRequest, 1))×)"
        : "counting lines inflates operations and bytes, and repeated sectors show up as backward gaps"
      warnings.append(
        "The input holds \(formatFixed(perRequest, 2)) lines with a sector per request (Q, G, I, D, C, M, R …); \(note).")
    }
    if analysis.countedAtDispatch {
      warnings.append(Self.withoutCompletionsWarning(analysis))
    }
    if analysis.diagnostics.lostEvents > 0 {
      let intervals = analysis.diagnostics.lostIntervals
      if intervals.isEmpty {
        warnings.append("The tracer lost \(analysis.diagnostics.lostEvents) events: every figure is incomplete. Record with larger buffers.")
      } else {
        let shown = intervals.prefix(5).map {
          "CPU \($0.cpu) \(formatFixed(Double($0.fromNanoseconds) / 1e9, 6))–\(formatFixed(Double($0.toNanoseconds) / 1e9, 6)) s\($0.events > 0 ? " (\($0.events))" : "")"
        }
        warnings.append(
          "The tracer lost \(analysis.diagnostics.lostEvents) events in \(intervals.count) \(intervals.count == 1 ? "interval" : "intervals"): "
            + shown.joined(separator: ", ") + (intervals.count > 5 ? ", …" : "")
            + ". Figures that include these intervals are incomplete (lost_intervals in the JSON); record with larger buffers.")
      }
    }
    if analysis.diagnostics.secondFormatLines > 0 {
      let d = analysis.diagnostics
      let formats = d.secondFormats.map(\.describedAsLines).joined(separator: ", ")
      warnings.append(
        "The input mixes formats: \(HumanUnits.grouped(d.secondFormatLines)) lines differ from the lines before them in their file (\(formats);"
          + " first: \(d.firstSecondFormatLine.map { "\($0.source):\($0.line ?? 0)" } ?? "?")). They were decoded too; if two tracers ran at once,"
          + " their requests are described twice. --strict makes this an error.")
    }
    if analysis.diagnostics.malformed > 0 {
      warnings.append(
        "\(analysis.diagnostics.malformed) malformed lines or records were skipped (first: \(analysis.diagnostics.samples.first?.description ?? "?")); --strict makes them an error.")
    }
    if counters.unfinishedRequests > 0 {
      warnings.append("\(counters.unfinishedRequests) requests were never seen completing (trace ended first, or completions were lost); they are not counted.")
    }
    if counters.completionsWithoutRequest > 0, analysis.options.counting == .completion {
      warnings.append("\(counters.completionsWithoutRequest) completions had no earlier line for their request (trace started mid-flight): counted, owner unknown.")
    }
    if let phases = analysis.phases, phases.boundaryNanoseconds == nil {
      warnings.append("No trace marker matched (\(phases.source)): every operation is in the load phase. Use --decode-from SECONDS.")
    }
    if let tasks = analysis.tasks, tasks.taskEvents == 0 {
      warnings.append(
        "The trace holds no task events (fork, exit…): only the root tasks \(tasks.roots.map(String.init).joined(separator: ", ")) were recognized as the workload, not their threads or children. Record with paramtrace record, which traces them.")
    }
    if let expected = analysis.options.expectedForwardPasses, let found = analysis.tensors?.order.passes.count, found != expected.count {
      warnings.append(
        "Found \(found) forward passes over the blocks, where the run made \(expected.count) (\(expected.rule)): "
          + (found < expected.count
            ? "passes whose blocks were all in the page cache read nothing from the disk and cannot be seen."
            : "some passes were split (reads that jumped back within a pass?)."))
    }
    if analysis.figures.operations == 0 {
      warnings.append("No operation passed the filters.")
    }
    return warnings
  }
}

/// `value` with exactly `digits` decimals, for human output (no Foundation formatting).
public func formatFixed(_ value: Double, _ digits: Int) -> String {
  guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
  var bytes: [UInt8] = []
  guard appendFixed(value, digits: digits, to: &bytes) else { return String(value) }
  return String(decoding: bytes, as: UTF8.self)
}

/// `value` with exactly `digits` decimals, rounded, as ASCII appended to `bytes` (no String in
/// between: the JSON writer prints every ratio this way); false, appending nothing, when the
/// scaled value does not fit in 64 bits.
@discardableResult
func appendFixed(_ value: Double, digits: Int, to bytes: inout [UInt8]) -> Bool {
  var scale: UInt64 = 1
  for _ in 0..<digits { scale *= 10 }
  let scaled = (abs(value) * Double(scale)).rounded()
  guard scaled < 9e18 else { return false }
  let whole = UInt64(scaled)
  if value < 0, whole != 0 { bytes.append(UInt8(ascii: "-")) }
  appendDecimal(whole / scale, to: &bytes)
  guard digits > 0 else { return true }
  bytes.append(UInt8(ascii: "."))
  var fraction = whole % scale
  var divisor = scale / 10
  while divisor > 0 {
    bytes.append(UInt8(ascii: "0") &+ UInt8(fraction / divisor))
    fraction %= divisor
    divisor /= 10
  }
  return true
}

/// The digits of `number`, most significant first, appended to `bytes`.
func appendDecimal(_ number: UInt64, to bytes: inout [UInt8]) {
  if number < 10 {
    bytes.append(UInt8(ascii: "0") &+ UInt8(number))
    return
  }
  var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
  var count = 0
  var rest = number
  withUnsafeMutableBytes(of: &digits) { buffer in
    while rest > 0 {
      buffer[23 - count] = UInt8(ascii: "0") &+ UInt8(rest % 10)
      rest /= 10
      count += 1
    }
    bytes.append(contentsOf: buffer[(24 - count)..<24])
  }
}
