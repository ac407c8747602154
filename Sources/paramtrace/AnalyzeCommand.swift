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

  @Option(help: "Input format: \(TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: detected).")
  var format: TraceFormat?

  @Option(help: "completion (default: one operation per request), dispatch (every D line) or naive (every line).")
  var counting: CountingMode = .completion

  @Option(help: "Order operations by first 'issue' time (default) or by 'completion' time (as bcc's biopattern).")
  var order: OperationOrder = .issue

  @Option(name: .customLong("pid"), help: "Keep operations owned by this pid (repeatable).")
  var pids: [Int32] = []

  @Option(
    name: .customLong("read-around-kb"),
    help: "The largest read one page fault makes around itself, in KiB (2 × the disk's read_ahead_kb when the reader used POSIX_FADV_SEQUENTIAL, as llama.cpp does; record fills it in): with --model, shorter runs into the block stored next in the file count as read-around, not as steps of the read order.")
  var readAroundKiB: Int?

  @Option(
    name: .customLong("task-tree"),
    help: "Keep operations owned by this pid or any thread or process it created, from the trace's task events (fork, exit…; record writes them). Lists every task with what it read. Repeatable.")
  var taskTreeRoots: [Int32] = []

  @Option(name: .customLong("comm"), help: "Keep operations owned by tasks of this name (repeatable).")
  var comms: [String] = []

  @Option(name: .customLong("dev"), help: "Keep operations on this device, MAJ:MIN (repeatable).")
  var devices: [String] = []

  @Option(name: .customLong("sectors"), help: "Keep operations overlapping whole-disk sectors START-END, both included (repeatable).")
  var sectorRanges: [String] = []

  @Option(help: "Extents file of the traced file (paramtrace extents format): filters to the file and adds the logical view. For a model in several files, give one per file, in the model's order (repeatable).")
  var extents: [String] = []

  @Option(help: "The traced file, on this machine: resolves its extents here (FIEMAP and sysfs, as `paramtrace extents FILE`) instead of --extents.")
  var file: String?

  @Option(help: "The traced model (GGUF or safetensors; for several files its first split, any split, its safetensors index, or their directory): bytes per tensor, layer and file, and the read order. Resolves the extents of every file of the model here unless --extents or --file is given.")
  var model: String?

  @Flag(help: "Keep writes instead of reads.")
  var writes = false

  @Flag(help: "Keep reads and writes.")
  var all = false

  @Option(help: "Keep operations issued at or after this time, in seconds on the trace's clock.")
  var from: Double?

  @Option(help: "Keep operations issued before this time, in seconds on the trace's clock.")
  var to: Double?

  @Option(help: "Split every figure into load and decode at this time, in seconds on the trace's clock.")
  var decodeFrom: Double?

  @Option(help: "Split into load and decode at the first trace marker (tracefs trace_marker) containing this text.")
  var decodeMarker: String?

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

  @Flag(help: "Stop at the first malformed line or record (default: count, skip and report).")
  var strict = false

  func validate() throws {
    if writes && all { throw ValidationError("--writes and --all exclude each other: --all keeps reads and writes.") }
    if !extents.isEmpty && file != nil { throw ValidationError("--extents and --file exclude each other: --file resolves the extents itself.") }
    if let window { try PeakWindowArgument.validate(window) }
    guard reissueWindowMilliseconds >= 0, reissueWindowMilliseconds.isFinite else {
      throw ValidationError("--reissue-window-ms \(reissueWindowMilliseconds): give a number of milliseconds, 0 or more (default 20).")
    }
    if let from, !(from >= 0) { throw ValidationError("--from must be a non-negative number of seconds.") }
    if let to, !(to >= 0) { throw ValidationError("--to must be a non-negative number of seconds.") }
    if let decodeFrom, !(decodeFrom >= 0) { throw ValidationError("--decode-from must be a non-negative number of seconds.") }
    if decodeFrom != nil, decodeMarker != nil {
      throw ValidationError("--decode-from and --decode-marker exclude each other: give the time, or the marker text.")
    }
    if let from, let to, to <= from { throw ValidationError("--to must be later than --from.") }
    if let bandwidth, DeviceBandwidth.parseRate(bandwidth) == nil, !isRegularFile(bandwidth) {
      throw ValidationError("--bandwidth \(bandwidth): expected a rate such as 1.5GiB/s or 800MB/s, or a file written by paramtrace probe --json.")
    }
    for text in devices where DeviceNumber(parsing: text) == nil {
      throw ValidationError("--dev \(text): expected MAJ:MIN, e.g. 254:0 (see /sys/block/DEV/dev).")
    }
    for text in sectorRanges where Self.parseSectorRange(text) == nil {
      throw ValidationError("--sectors \(text): expected START-END in 512-byte sectors with START <= END, e.g. 33865728-33882111.")
    }
  }

  func run() throws {
    let modelFiles = try model.map(ModelFileSet.open)
    var options = AnalysisOptions()
    options.counting = counting
    options.order = order
    options.peakWindow = PeakWindowArgument.rule(window)
    options.reissueWindowNanoseconds = UInt64(reissueWindowMilliseconds * 1e6)
    options.filter = try makeFilter(modelFiles)
    options.decodeFromNanoseconds = decodeFrom.map { UInt64($0 * 1e9) }
    options.decodeMarker = decodeMarker
    options.readAroundWindowBytes = readAroundKiB.map { UInt64($0) * 1024 }
    options.timings = try timings.map { LlamaTimings.parse(String(decoding: try readWholeFile($0, limit: 64 << 20), as: UTF8.self)) }
    options.deviceBandwidth = try bandwidth.map(Self.deviceBandwidth)
    if let model, let files = modelFiles {
      options.model = ModelLayout(files)
      options.expertsUsedPerToken = files.first.map.architecture.expertUsedCount
      if let extents = options.filter.extents, extents.contentSize != files.totalSize {
        if files.parts.count > 1 {
          throw CommandError(
            "--model \(model): its \(files.parts.count) files are \(files.totalSize) bytes together but the extents describe \(extents.contentSize) bytes: they are not the same files. Pass the extents of every file of the model, in order (paramtrace extents MODEL --json writes them all), or --file MODEL.")
        }
        throw CommandError(
          "--model \(model) is \(files.totalSize) bytes but the extents describe a file of \(extents.contentSize) bytes: they are not the same file. Pass the extents of the model file (paramtrace extents MODEL --json), or --file MODEL.")
      }
    }

    // Decoding runs on a second thread while this one assembles and measures.
    var source: any EventBatchSource = PrefetchingEventSource(
      try TraceInputs.open(paths: inputs, format: format, strict: strict, countedOnly: options.actionsNotNeeded))
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
      print(document.rendered())
    } else {
      print(result.summary(inputDescription: description), terminator: "")
    }
    for warning in result.warnings where json { printError("warning: \(warning)") }
    if result.figures.operations == 0 { throw ExitCode(3) }
  }

  private func makeFilter(_ modelFiles: ModelFiles?) throws -> OperationFilter {
    var filter = OperationFilter()
    filter.direction = all ? .all : (writes ? .writes : .reads)
    filter.pids = pids
    filter.taskTreeRoots = taskTreeRoots
    filter.comms = comms.map(CommName.init)
    filter.devices = devices.compactMap(DeviceNumber.init(parsing:))
    if !sectorRanges.isEmpty {
      filter.sectors = SectorRanges(sectorRanges.compactMap(Self.parseSectorRange))
    }
    if !extents.isEmpty {
      let maps = try extents.flatMap { path in try ExtentsDocument.decodeFiles(try readWholeFile(path), source: path) }
      filter.extents = try FileExtentMap(concatenating: maps)
    } else if let file {
      filter.extents = try FileExtents.resolve(path: file).map
    } else if let modelFiles {
      filter.extents = try ModelFileSet.extents(modelFiles).map
    }
    filter.fromNanoseconds = from.map { UInt64($0 * 1e9) }
    filter.toNanoseconds = to.map { UInt64($0 * 1e9) }
    return filter
  }

  /// `--bandwidth`: a rate, else a probe's JSON (its best test).
  static func deviceBandwidth(_ text: String) throws -> DeviceBandwidth {
    if let rate = DeviceBandwidth.parseRate(text) { return DeviceBandwidth(bytesPerSecond: rate, source: .user, detail: "--bandwidth \(text)") }
    guard let document = try? JSONReader.parse(readWholeFile(text)), let probe = ProbeReport(json: document) else {
      throw CommandError("--bandwidth \(text): not a rate and not a paramtrace probe JSON file. Write one with paramtrace probe PATH --json > FILE.")
    }
    guard let measured = probe.bandwidth else { throw CommandError("--bandwidth \(text): the probe measured nothing (every test was skipped).") }
    return measured
  }

  /// `START-END`, both included, as a half-open `[START, END+1)`.
  static func parseSectorRange(_ text: String) -> (start: UInt64, end: UInt64)? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2, let start = UInt64(parts[0]), let end = UInt64(parts[1]), start <= end, end < UInt64.max else {
      return nil
    }
    return (start, end + 1)
  }
}

extension TraceFormat: ExpressibleByArgument {}
extension CountingMode: ExpressibleByArgument {}
extension OperationOrder: ExpressibleByArgument {}
