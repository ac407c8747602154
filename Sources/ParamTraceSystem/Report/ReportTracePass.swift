import ParamTraceCore

/// Reads an experiment's trace once, with the filters its analysis used, and keeps only what
/// the plots need (`TracePlotData`: fixed-size grids, and the operations while they are few).
public enum ReportTracePass {
  /// The plot data, or why there is none (in words, for the plot's message).
  public static func run(_ experiment: LoadedExperiment, columns: Int = 280, rows: Int = 140) -> (data: TracePlotData?, problem: String?) {
    guard let manifest = experiment.manifest else { return (nil, "no manifest.json: the run left no trace") }
    let analysis = experiment.analysis
    let trace: ExperimentTrace
    do { trace = try ExperimentTrace.locate(manifest: manifest, directory: experiment.entry.directory) } catch {
      return (nil, error.description)
    }

    let (options, setup) = TracePlotData.plan(manifest: manifest, analysis: analysis, columns: columns, rows: rows)
    var data = TracePlotData(setup: setup)
    do {
      var source = try trace.open(countedOnly: options.actionsNotNeeded)
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
}
