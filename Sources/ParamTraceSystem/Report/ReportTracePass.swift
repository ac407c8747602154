import ParamTraceCore

/// Reads an experiment's trace once, with the filters its analysis used, and keeps only what
/// the plots need (`TracePlotData`: fixed-size grids, and the operations while they are few).
public enum ReportTracePass {
  /// The plot data, or why there is none (in words, for the plot's message).
  public static func run(_ experiment: LoadedExperiment, columns: Int = 280, rows: Int = 140) -> (data: TracePlotData?, problem: String?) {
    guard let manifest = experiment.manifest else { return (nil, "no manifest.json: the run left no trace") }
    let analysis = experiment.analysis
    let listed = (manifest[path: "trace", "files"]?.array ?? []).compactMap(\.string)
    guard !listed.isEmpty else { return (nil, "the manifest names no trace file") }
    var files: [String] = []
    for file in listed {
      if let found = resolve(file, in: experiment.entry.directory) {
        files.append(found)
      } else {
        return (nil, "trace file \(ReportInputs.basename(file)) not found in \(experiment.entry.directory)")
      }
    }

    let (options, setup) = TracePlotData.plan(manifest: manifest, analysis: analysis, columns: columns, rows: rows)
    var data = TracePlotData(setup: setup)
    do {
      let format = manifest[path: "trace", "format"]?.string.flatMap(TraceFormat.init(rawValue:))
      var source = try TraceInputs.open(
        paths: files, format: format, strict: false, countedOnly: options.actionsNotNeeded)
      var run = TraceAnalysisRun(options: options)
      var batch = ContiguousArray<BlockEvent>()
      while try source.nextBatch(into: &batch) {
        run.consume(batch, markers: source.markers) { data.add($0) }
      }
      _ = run.finish(diagnostics: source.diagnostics, markers: source.markers) { data.add($0) }
    } catch {
      return (nil, "cannot read the trace: \(error)")
    }
    return (data, nil)
  }

  /// The file of that name in the experiment directory (so a moved or copied directory reads
  /// its own trace), else `file` as the manifest names it; blktrace's `NAME` stands for
  /// `NAME.blktrace.N`.
  static func resolve(_ file: String, in directory: String) -> String? {
    func present(_ path: String) -> Bool { ReportInputs.exists(path) || ReportInputs.exists(path + ".blktrace.0") }
    let local = directory + "/" + ReportInputs.basename(file)
    if present(local) { return local }
    if file.hasPrefix("/"), present(file) { return file }
    if !file.hasPrefix("/"), present(directory + "/" + file) { return directory + "/" + file }
    return nil
  }
}
