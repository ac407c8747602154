import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a trace's requests for Perfetto (Chrome JSON trace events) or as a fio replay log.",
    discussion: """
      Reads an experiment directory (its trace, the model's extents from manifest.json, the filters its analysis used, the model file when it is still where the manifest says or beside it) or trace files with the same flags as analyze (--extents, --model, --pid, --from …), and writes each request that passes the filters, counted once, in issue order.

      --perfetto OUT.json: Chrome's JSON trace-event format, for ui.perfetto.dev or chrome://tracing. One process per disk: each request an async slice from issue to completion, named by the tensor that got most of its bytes (or "outside the model"), with sector, bytes, file offset, layer, expert, owner and latency as args; counters of completed MiB/s and of the mean requests in flight per 10 ms. With a model, a process for it: the block being read, as slices and as a 'layer' counter; when the run sampled the page cache (record's residency.json, or --residency FILE), counters of each layer's resident MiB there, so evictions line up with the reads. Trace markers, the load/decode boundary and (for experiments) the workload's and llama.cpp's phases are instants across all tracks. Times are µs from the trace's first event. At most --limit requests are written (the first ones; the rest are counted and an instant marks the cut): the browser holds about 2 GB. Use --from/--to for a window.

      --fio OUT.iolog: the read requests as a fio iolog version 3, timestamps in µs from the first issue. By default addressed by offset in the model's files (a request over an extent boundary becomes one read per piece; a model in several files, one file each), to replay against a copy of the model: fio --name=replay --read_iolog=OUT.iolog --ioengine=libaio --iodepth=32 --direct=1. --fio-target names the copy. --physical writes disk offsets of whole requests instead, for fio's --replay_redirect=/dev/OTHER (add --readonly).

      EXAMPLES:
        paramtrace export runs/budget-2g --perfetto run.json
        paramtrace export run --extents model.extents.json --perfetto run.json
        paramtrace export run --model model.gguf --perfetto run.json --fio run.iolog
        paramtrace export runs/budget-2g --fio run.iolog --fio-target /mnt/b/m.gguf
        fio --name=replay --read_iolog=run.iolog --ioengine=libaio --direct=1
      """
  )

  @Argument(help: "An experiment directory (record --out DIR), or trace files as analyze takes them.")
  var inputs: [String]

  @OptionGroup var selection: TraceSelection

  @Option(help: "Write Chrome JSON trace events (Perfetto, chrome://tracing) to this file.")
  var perfetto: String?

  @Option(help: "Write the read requests as a fio iolog (version 3) to this file.")
  var fio: String?

  @Option(help: "Most requests in the Perfetto file (the first ones); 0 writes all.")
  var limit = 2_000_000

  @Option(help: "residency.json whose samples become counters of resident MiB per layer (default: the experiment directory's).")
  var residency: String?

  @Flag(help: "fio log with disk offsets of whole requests (for fio's replay_redirect), not file offsets.")
  var physical = false

  @Option(help: "The file the fio log names instead of the model's path (a copy of the model; for several files, the directory holding copies of the same names; with --physical, the device).")
  var fioTarget: String?

  func validate() throws {
    if perfetto == nil && fio == nil { throw ValidationError("name an output: --perfetto OUT.json, --fio OUT.iolog, or both.") }
    if limit < 0 { throw ValidationError("--limit must be 0 (no limit) or a number of requests.") }
    if fio == nil && (physical || fioTarget != nil) { throw ValidationError("--physical and --fio-target shape the fio log: add --fio OUT.iolog.") }
    if fio != nil && (selection.writes || selection.all) {
      throw ValidationError("--fio replays reads only (replaying writes would overwrite the target): leave out --writes and --all.")
    }
  }

  func run() throws {
    let experiment: ExportInputs.Experiment?
    do { experiment = inputs.count == 1 ? try ExportInputs.experiment(at: inputs[0]) : nil } catch { throw CommandError("\(error)") }
    var options = experiment.map { AnalysisOptions(experimentManifest: $0.manifest, analysis: $0.analysis) } ?? AnalysisOptions()
    let modelPath = selection.model ?? experiment.flatMap(ExportInputs.modelPath)
    if let experiment, modelPath == nil, let named = experiment.manifest[path: "model", "path"]?.string {
      printError("paramtrace: the model \(named) that manifest.json names is not here: requests are named by direction, not tensor. Pass --model PATH.")
    }
    try selection.apply(to: &options, modelFiles: try modelPath.map(ModelFileSet.open))

    var plan = TraceExport.Plan(
      paths: experiment?.trace.files ?? inputs, format: experiment == nil ? selection.format : experiment!.trace.format, options: options)
    plan.strict = selection.strict
    plan.instants = experiment.map { ExportInstant.workloadPhases(manifest: $0.manifest) } ?? []
    if let perfetto {
      var settings = PerfettoTraceWriter.Settings()
      settings.requestLimit = limit
      settings.modelName = (modelPath ?? options.filter.extents?.path).map(ExportInputs.fileName)
      settings.toolVersion = ParamTraceVersion.current
      settings.residency = try residencyTimeline(experiment: experiment)
      settings.windowStart = options.filter.fromNanoseconds
      settings.windowEnd = options.filter.toNanoseconds
      plan.perfetto = (perfetto, settings, { device in ExportInputs.diskName(device, in: experiment).map { "disk \($0) (\(device))" } ?? "disk \(device)" })
    }
    if let fio { plan.fio = (fio, try fioAddressing(options, experiment: experiment)) }

    let result = try TraceExport.run(plan)
    printSummary(result)
    if result.analysis.figures.operations == 0 { throw ExitCode(3) }
  }

  /// The residency samples to draw: `--residency`, else the experiment's residency.json when
  /// it has one. A file named but unreadable is an error; the experiment's own is skipped with
  /// a warning (the requests are still worth exporting).
  private func residencyTimeline(experiment: ExportInputs.Experiment?) throws -> ResidencyTimeline? {
    let path = residency ?? experiment.map { $0.directory + "/residency.json" }
    guard let path, residency != nil || isRegularFile(path) else { return nil }
    do {
      guard let document = ParsedJSON.parse(try readWholeFile(path)) else {
        throw ResidencyTimeline.ReadError(description: "it is not JSON")
      }
      return try ResidencyTimeline(document: document)
    } catch {
      let problem = "\(path): \(error)"
      if residency != nil { throw CommandError("--residency \(problem). Give the residency.json that record wrote.") }
      printError("paramtrace: warning: \(problem); the Perfetto file has no residency counters.")
      return nil
    }
  }

  private func fioAddressing(_ options: AnalysisOptions, experiment: ExportInputs.Experiment?) throws -> FioIologWriter.Addressing {
    if physical {
      if let fioTarget, let problem = FioIologWriter.problem(withPath: fioTarget) { throw CommandError("--fio-target: \(problem).") }
      return .devices { device in fioTarget ?? ExportInputs.diskName(device, in: experiment).map { "/dev/" + $0 } ?? "/dev/block/\(device)" }
    }
    guard let extents = options.filter.extents else {
      throw CommandError(
        "--fio addresses reads by offset in the model's files, which needs where the file lies on the disk: give --extents FILE.json, --file PATH or --model PATH (or an experiment directory), or --physical for disk offsets.")
    }
    let extentFiles = try selection.extents.flatMap { try ExtentsDocument.decodeFiles(try readWholeFile($0), source: $0) }
    do {
      return .files(try ExportInputs.fioTargets(model: options.model, extentFiles: extentFiles, extents: extents, rename: fioTarget), extents)
    } catch { throw CommandError("\(error)") }
  }

  private func printSummary(_ result: TraceExport.Result) {
    let analysis = result.analysis
    let seconds = { (time: UInt64) in formatFixed(Double(time >= result.origin ? time - result.origin : 0) / 1e9, 3) + " s" }
    printError(
      "paramtrace: \(HumanUnits.grouped(analysis.assembly.events)) events, \(HumanUnits.grouped(analysis.figures.operations)) requests passed the filters (\(analysis.countingRule))")
    if let perfetto {
      var line = "paramtrace: wrote \(perfetto): \(HumanUnits.grouped(result.perfettoRequests)) requests"
      if let cut = result.perfettoCutTime {
        line +=
          ", the first \(HumanUnits.grouped(limit)) of \(HumanUnits.grouped(result.perfettoRequests + result.perfettoLeftOut)) (up to \(seconds(cut)) of \(seconds(result.lastIssue)) into the trace): cut a window with --from/--to (seconds on the trace's clock: the cut is at \(formatFixed(Double(cut) / 1e9, 6))), or raise --limit"
      }
      if result.perfettoResidencySamples > 0 {
        line += "; \(HumanUnits.grouped(result.perfettoResidencySamples)) page-cache residency samples as counters per layer"
      }
      printError(line + ". Open it in ui.perfetto.dev.")
    }
    if let fio {
      printError(
        "paramtrace: wrote \(fio): \(HumanUnits.grouped(result.fioReads)) reads, \(HumanUnits.grouped(result.fioBytes)) bytes. Replay: fio --name=replay --read_iolog=\(fio) --ioengine=libaio --iodepth=32 --direct=1\(physical ? " --replay_redirect=/dev/OTHER --readonly" : "")")
    }
    for warning in analysis.warnings { printError("warning: \(warning)") }
  }
}
