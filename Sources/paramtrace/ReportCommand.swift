import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Turn experiment directories into the notebook's summary table, and an HTML page of plots.",
    discussion: """
      Each DIR is an experiment directory (manifest.json, from `paramtrace record`), a sweep \
      directory (sweep.json, from `paramtrace sweep`: its runs in order, failed ones as rows with \
      status failed), or a directory holding either one level down.

      The table has one row per experiment with the notebook's columns (experiment, lock or \
      budget asked and achieved, PID filter, sector filter, inference time, tokens/s, total \
      reads, bytes read, sequential %, backward %, page-cache Δ, plus llama.cpp's load time: its \
      total time, the inference time, leaves the load out) and the corrected ones (unique \
      bytes, re-read factor, decode re-read, logical sequential %, completion-based average and \
      peak bandwidth, p99 latency, median and p90 request size, lost events). Runs sharing a label (a sweep's repetitions, or \
      NAME-r1, NAME-r2 …) are summarized as median (min–max). Markdown shows binary units in \
      the headers; --format csv gives snake_case columns with units and one type per column \
      (DuckDB reads it as is); --format json the same with the statistics per configuration.

      --html OUT.html writes one self-contained page (inline CSS and SVG; no scripts, fonts or \
      network): per experiment, disk sector and file offset over time (one mark per operation \
      up to 4,000 operations, else binned into 280×140 cells; the caption says which), layer \
      over time, completion bandwidth over time, gap classes and request sizes; across \
      experiments, tokens/s and re-read factor against the budget, where the cliff shows. Each \
      trace is read once, with the filters its analysis used, in fixed memory.

      The cliff (a band on the plots, a note under the tables, `cliff` in the JSON) is judged by \
      the rule `sweep --find-cliff` narrows by: a budget thrashes when its decode phase re-reads \
      more than --thrash-share of the model per decode pass (prompt pass + eval runs), or when \
      its tokens/s are more than a third below the best with more memory; the cliff lies between \
      the largest budget that thrashes and the smallest larger one that is calm.

      EXAMPLES:
        paramtrace report runs/sweep1
        paramtrace report runs/lock20 runs/lock23 --format csv > table.csv
        paramtrace report runs/sweep1 --html report.html
      """
  )

  @Argument(help: "Experiment directories, sweep directories, or directories holding them.")
  var directories: [String]

  @Option(help: "Table format: markdown, csv or json.")
  var format: String = "markdown"

  @Option(help: "Also write the HTML page with plots to this file.")
  var html: String?

  @Option(help: "A budget thrashes when its decode phase re-reads more than this share of the model per decode pass (default: the sweep's, else 0.1).")
  var thrashShare: Double?

  func validate() throws {
    if directories.isEmpty { throw ValidationError("name at least one experiment or sweep directory.") }
    if !["markdown", "csv", "json"].contains(format) { throw ValidationError("--format must be markdown, csv or json.") }
    if let html, html.isEmpty { throw ValidationError("--html needs a file name.") }
    if let thrashShare, !(thrashShare >= 0 && thrashShare.isFinite) {
      throw ValidationError("--thrash-share must be a share such as 0.1 (10% of the model per decode pass).")
    }
  }

  func run() throws {
    let loaded: (experiments: [LoadedExperiment], findings: SweepFindings?)
    do { loaded = try ReportBuilder.load(directories) } catch { throw CommandError("\(error)") }
    let table = ReportBuilder.table(loaded.experiments, findings: loaded.findings, thrashShare: thrashShare)
    switch format {
    case "csv": print(table.csv, terminator: "")
    case "json": print(table.json.rendered())
    default: print(table.markdown, terminator: "")
    }
    guard let html else { return }
    let page = ReportBuilder.page(
      loaded.experiments, table: table, sources: directories, toolVersion: ParamTraceVersion.current
    ) { index, experiment in
      if loaded.experiments.count > 1 { printError("paramtrace: reading \(experiment.entry.directory) (\(index + 1) of \(loaded.experiments.count))") }
    }
    do {
      var writer = try TextFileWriter(path: html)
      try writer.write(page.html)
      try writer.close()
    } catch { throw CommandError("cannot write \(html): \(error)") }
    let plots = page.sweepPlots.count + page.sections.reduce(0) { $0 + $1.plots.count }
    printError("paramtrace: wrote \(html) (\(page.sections.count) experiment\(page.sections.count == 1 ? "" : "s"), \(plots) plots)")
  }
}
