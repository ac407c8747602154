import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct AnalyzeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "analyze",
    abstract: "Access-pattern figures of a block trace, each request counted once.",
    discussion: """
      Reads blktrace binary (NAME or NAME.blktrace.N), blkparse text, ftrace blk tracer text \
      (default or blk_classic), the kernel's binary blk output (options/bin), tracefs block \
      tracepoint text and the CHEOPS'25 bpftrace CSV; the format is detected, or named with \
      --format. Several inputs of one run are merged by time; '-' reads standard input.

      Counting: by default one operation per block request, counted at its completion, owned \
      by the task that queued it (never the completion's interrupt context). --counting \
      dispatch (every D line) and --counting naive (every line with a sector) reproduce the \
      notebook's pipelines for comparison.

      Sizes in the summary are binary (KiB, MiB, GiB); --json gives exact integers. Every figure is defined in docs/metrics.md; the formats, filters and JSON keys are in docs/analyze.md.

      EXAMPLES:
        paramtrace analyze run --extents model.extents.json --pid 4242
        paramtrace analyze run.blk.txt --counting naive --pid 4242
        paramtrace analyze trace.tp.txt --json --requests-csv ops.csv
        duckdb -c "select avg(latency_ns) from 'ops.csv'"
      """
  )

  @Argument(help: "Trace files; NAME opens NAME.blktrace.0, .1, …; '-' is standard input.")
  var inputs: [String]

  @Option(help: "Order operations by first 'issue' time (default) or by 'completion' time (as bcc's biopattern).")
  var order: OperationOrder = .issue

  @OptionGroup var selection: TraceSelection

  @Option(
    name: .customLong("reissue-window-ms"),
    help: "A trace without completions counts every dispatch; its estimate beside merges a dispatch of a sector dispatched this many milliseconds before or less (a re-issue after an unrecorded requeue, or a re-read).")
  var reissueWindowMilliseconds: Double = 20

  @Option(help: "Window for peak bandwidth, in seconds (default: a tenth of the run, between 0.01 and 1).")
  var window: Double?

  @Option(help: "The traced workload's output with llama.cpp's timing lines (record's workload.out): tokens and tokens/s for the disk-wait figures (bytes per token, the I/O-bound ceiling).")
  var timings: String?

  @Option(help: "Device bandwidth for the I/O-bound ceiling: a rate (1.5GiB/s, 800MB/s) or a `paramtrace probe --json` file (its best test). Default: the run's own peak completion bandwidth, a lower bound of the device.")
  var bandwidth: String?

  @Flag(help: "Print the analysis as JSON instead of the summary.")
  var json = false

  @Option(help: "Write one CSV row per operation to this file (DuckDB reads it as is).")
  var requestsCsv: String?

  func validate() throws {
    if let window { try PeakWindowArgument.validate(window) }
    if let bandwidth, DeviceBandwidth.parseRate(bandwidth) == nil, !isRegularFile(bandwidth) {
      throw ValidationError("--bandwidth \(bandwidth): expected a rate such as 1.5GiB/s or 800MB/s, or a file written by paramtrace probe --json.")
    }
    guard reissueWindowMilliseconds >= 0, reissueWindowMilliseconds.isFinite else {
      throw ValidationError("--reissue-window-ms \(reissueWindowMilliseconds): give a number of milliseconds, 0 or more (default 20).")
    }
  }

  func run() throws {
    let modelFiles = try selection.model.map(ModelFileSet.open)
    var options = AnalysisOptions()
    options.order = order
    options.peakWindow = PeakWindowArgument.rule(window)
    options.reissueWindowNanoseconds = UInt64(reissueWindowMilliseconds * 1e6)
    try selection.apply(to: &options, modelFiles: modelFiles)
    options.timings = try timings.map { LlamaTimings.parse(String(decoding: try readWholeFile($0, limit: 64 << 20), as: UTF8.self)) }
    options.deviceBandwidth = try bandwidth.map(Self.deviceBandwidth)

    // Decoding runs on a second thread while this one assembles and measures.
    var source: any EventBatchSource = PrefetchingEventSource(
      try TraceInputs.open(paths: inputs, format: selection.format, strict: selection.strict, countedOnly: options.actionsNotNeeded))
    var csv = try requestsCsv.map { try TextFileWriter(path: $0) }
    var csvBuffer = ""
    if csv != nil { csvBuffer = OperationCSV.header }
    var analysis = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    batch.reserveCapacity(1 << 16)
    let writeRow: (AccessAnalyzer.Accepted) -> Void = { item in
      if csv != nil { OperationCSV.appendRow(item, to: &csvBuffer) }
    }
    while try source.nextBatch(into: &batch) {
      analysis.consume(batch, markers: source.markers, accepted: writeRow)
      if csvBuffer.utf8.count > 1 << 20 {
        try csv?.write(csvBuffer)
        csvBuffer.removeAll(keepingCapacity: true)
      }
    }
    let result = analysis.finish(diagnostics: source.diagnostics, markers: source.markers, accepted: writeRow)
    if var file = csv {
      try file.write(csvBuffer)
      try file.close()
      csv = nil
    }
    let description = inputs.joined(separator: " ") + " (\(HumanUnits.grouped(result.assembly.events)) events)"
    if json {
      var document = result.json
      if case .object(var members) = document {
        members.insert(("tool_version", .string(ParamTraceVersion.current)), at: 1)
        members.insert(("inputs", .array(inputs.map { .string($0) })), at: 2)
        document = .object(members)
      }
      printJSON(document)
    } else {
      print(result.summary(inputDescription: description), terminator: "")
    }
    for warning in result.warnings where json { printError("warning: \(warning)") }
    if result.figures.operations == 0 { throw ExitCode(3) }
  }
}

extension AnalyzeCommand {
  /// `--bandwidth`: a rate, else a probe's JSON (its best test).
  static func deviceBandwidth(_ text: String) throws -> DeviceBandwidth {
    if let rate = DeviceBandwidth.parseRate(text) { return DeviceBandwidth(bytesPerSecond: rate, source: .user, detail: "--bandwidth \(text)") }
    guard let document = try? JSONReader.parse(readWholeFile(text)), let probe = ProbeReport(json: document) else {
      throw CommandError("--bandwidth \(text): not a rate and not a paramtrace probe JSON file. Write one with paramtrace probe PATH --json > FILE.")
    }
    guard let measured = probe.bandwidth else { throw CommandError("--bandwidth \(text): the probe measured nothing (every test was skipped).") }
    return measured
  }
}

extension TraceFormat: ExpressibleByArgument {}
extension CountingMode: ExpressibleByArgument {}
extension OperationOrder: ExpressibleByArgument {}
