import ParamTraceCore

/// Puts a report together: the table from the experiments' documents, and for the HTML page
/// one streaming pass over each experiment's trace for its plots.
public enum ReportBuilder {
  /// The experiments `paths` name, read, and the sweep's own findings.
  public static func load(_ paths: [String]) throws -> (experiments: [LoadedExperiment], findings: SweepFindings?) {
    let (entries, findings) = try ReportInputs.discover(paths)
    return (entries.map(ReportInputs.load), findings)
  }

  /// The summary table, its cliff judged with `thrashShare` when given, else with the
  /// threshold the sweep used, else the default.
  public static func table(_ experiments: [LoadedExperiment], findings: SweepFindings?, thrashShare: Double? = nil) -> SummaryTable {
    SummaryTable(
      rows: experiments.map(\.summary), thrashShare: thrashShare ?? findings?.thrashShareThreshold ?? ThrashingCliff.defaultThreshold)
  }

  /// The HTML page: summary tables, plots across the experiments, and each experiment's
  /// plots. `progress` hears about each trace before it is read.
  public static func page(
    _ experiments: [LoadedExperiment], table: SummaryTable, sources: [String], toolVersion: String,
    progress: (Int, LoadedExperiment) -> Void = { _, _ in }
  ) -> ReportPage {
    var sections: [ReportPage.Section] = []
    for (index, experiment) in experiments.enumerated() {
      progress(index, experiment)
      let pass: (data: TracePlotData?, problem: String?) =
        experiment.manifest == nil ? (nil, "no manifest.json: \(experiment.summary.error ?? "the run left nothing")") : ReportTracePass.run(experiment)
      var experimentPlots = ExperimentPlots(
        id: "e\(index + 1)", summary: experiment.summary, manifest: experiment.manifest, analysis: experiment.analysis, data: pass.data,
        traceProblem: pass.problem)
      let residencyPath = experiment.entry.directory + "/residency.json"
      if ReportInputs.exists(residencyPath) { experimentPlots.residency = (try? readWholeFile(residencyPath)).flatMap(ParsedJSON.parse) }
      let plots = experimentPlots.plots
      let command = (experiment.manifest?["command"]?.array ?? []).compactMap(\.string)
      sections.append(ReportPage.Section(summary: experiment.summary, command: command, plots: plots))
    }
    let sweep = experiments.count > 1 ? SweepPlots.plots(table) : []
    return ReportPage(sources: sources, table: table, sweepPlots: sweep, sections: sections, toolVersion: toolVersion)
  }
}
