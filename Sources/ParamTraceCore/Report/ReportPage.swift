/// The HTML report: one self-contained page (inline CSS and SVG; no scripts, fonts or
/// network) with the summary tables, the plots across a sweep, and each experiment's plots.
/// The same input gives the same bytes (no dates, no random ids).
public struct ReportPage: Sendable {
  /// One experiment's section.
  public struct Section: Sendable {
    /// The experiment's row.
    public var summary: ExperimentSummary
    /// The workload's command line, when known.
    public var command: [String]
    /// Its plots, in page order.
    public var plots: [Plot]

    public init(summary: ExperimentSummary, command: [String], plots: [Plot]) {
      self.summary = summary
      self.command = command
      self.plots = plots
    }
  }

  /// The page's heading and title.
  public var title: String
  /// The directories the report was made from, as given.
  public var sources: [String]
  /// The summary tables.
  public var table: SummaryTable
  /// Plots across the experiments (empty for one).
  public var sweepPlots: [Plot]
  /// One section per experiment.
  public var sections: [Section]
  /// The tool's version, printed in the footer.
  public var toolVersion: String

  public init(title: String = "paramtrace report", sources: [String], table: SummaryTable, sweepPlots: [Plot], sections: [Section], toolVersion: String) {
    self.title = title
    self.sources = sources
    self.table = table
    self.sweepPlots = sweepPlots
    self.sections = sections
    self.toolVersion = toolVersion
  }

  static let style = """
    body { font-family: sans-serif; color: #222; background: #fff; margin: 24px auto; max-width: 1400px; padding: 0 16px; line-height: 1.4; }
    h1 { font-size: 24px; margin: 0 0 4px; }
    h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    p.meta, p.note { color: #555; font-size: 13px; margin: 4px 0; }
    nav { font-size: 13px; margin: 8px 0 16px; }
    nav a { margin-right: 12px; }
    .table-wrap { overflow-x: auto; margin: 6px 0 12px; }
    table { border-collapse: collapse; font-size: 12.5px; }
    th, td { border: 1px solid #d4d4d4; padding: 3px 7px; white-space: nowrap; }
    th { background: #f1f3f7; font-weight: 600; text-align: left; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    tr.failed td, tr.interrupted td { background: #fdecea; }
    ul.notes { font-size: 12.5px; color: #444; margin: 4px 0 12px; padding-left: 20px; }
    dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; font-size: 13px; margin: 6px 0 10px; }
    dl.facts dt { color: #555; }
    dl.facts dd { margin: 0; }
    code { font-size: 12px; background: #f5f5f5; padding: 1px 4px; word-break: break-all; }
    .warning { color: #8a4b00; }
    .plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 14px; align-items: start; }
    .plots.panels { grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 8px; }
    figure { margin: 0; border: 1px solid #e2e2e2; border-radius: 4px; padding: 4px; background: #fff; }
    figure svg { display: block; max-width: 100%; height: auto; }
    footer { margin-top: 32px; font-size: 12px; color: #777; }
    """

  /// The page as HTML.
  public var html: String {
    var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    // No favicon request, no scripts, nothing from the network.
    out += "<link rel=\"icon\" href=\"data:,\">\n"
    out += "<title>\(Self.escape(title))</title>\n<style>\n\(Self.style)\n</style>\n</head>\n<body>\n"
    out += "<h1>\(Self.escape(title))</h1>\n"
    let failed = table.rows.filter { $0.status != .ok }.count
    out += "<p class=\"meta\">\(table.rows.count) experiment\(table.rows.count == 1 ? "" : "s")"
    out += failed > 0 ? " (\(failed) not ok)" : ""
    out += " from " + sources.map { "<code>\(Self.escape($0))</code>" }.joined(separator: ", ") + ".</p>\n"
    out += "<nav><a href=\"#summary\">Summary</a>"
    if !sweepPlots.isEmpty { out += "<a href=\"#sweep\">Across experiments</a>" }
    for (index, section) in sections.enumerated() {
      out += "<a href=\"#experiment-\(index + 1)\">\(Self.escape(section.summary.experiment))</a>"
    }
    out += "</nav>\n"

    out += "<h2 id=\"summary\">Summary</h2>\n"
    for text in table.textTables {
      out += "<h3>\(Self.escape(text.title))</h3>\n" + Self.tableHTML(text, statuses: text.rows.count == table.rows.count ? table.rows.map(\.status) : nil)
    }
    out += "<ul class=\"notes\">\n" + table.notes.map { "<li>\(Self.escape($0))</li>\n" }.joined() + "</ul>\n"

    if !sweepPlots.isEmpty {
      out += "<h2 id=\"sweep\">Across experiments</h2>\n"
      out += "<p class=\"note\">Where the thrashing cliff shows: tokens/s falls and the re-read factor rises once the memory no longer holds the model's working set.</p>\n"
      // A sweep with other axes is drawn as small multiples: narrower panels, side by side.
      out += (table.axisNames.isEmpty ? "<div class=\"plots\">\n" : "<div class=\"plots panels\">\n") + sweepPlots.map(Self.figure).joined() + "</div>\n"
    }

    for (index, section) in sections.enumerated() {
      let row = section.summary
      out += "<h2 id=\"experiment-\(index + 1)\">\(Self.escape(row.experiment))</h2>\n<dl class=\"facts\">\n"
      var facts: [(String, String)] = [("status", Self.escape(row.status.rawValue + (row.error.map { ": " + $0 } ?? "")))]
      if !section.command.isEmpty {
        facts.append(("command", "<code>" + Self.escape(section.command.joined(separator: " ")) + "</code>"))
      }
      facts.append(
        ("memory", Self.escape(SummaryTable.memory(row.memoryKind, row.requestedBytes, row.achievedBytes, BinaryUnit(forLargest: Double(row.memoryBytes ?? 0))))
          + (row.memoryKind == .none ? "" : " " + BinaryUnit(forLargest: Double(row.memoryBytes ?? 0)).name + " (asked / achieved)")))
      if let tokens = row.tokensPerSecond { facts.append(("tokens/s", formatFixed(tokens, 2))) }
      var times: [String] = []
      if let load = row.loadSeconds { times.append("load \(formatFixed(load, 2)) s (llama.cpp's load time: model load and warm-up)") }
      if let total = row.inferenceSeconds, !row.inferenceIsWallTime { times.append("inference \(formatFixed(total, 2)) s (its total time, load left out)") }
      if let wall = row.wallSeconds { times.append("wall \(formatFixed(wall, 2)) s (start to exit)") }
      if !times.isEmpty { facts.append(("time", Self.escape(times.joined(separator: "; ")))) }
      if let operations = row.operations, let bytes = row.bytes {
        facts.append(("read", "\(HumanUnits.grouped(operations)) operations, \(HumanUnits.bytes(bytes))" + (row.rereadFactor.map { ", re-read ×" + formatFixed($0, 2) } ?? "")))
      }
      for warning in row.warnings { facts.append(("warning", "<span class=\"warning\">" + Self.escape(warning) + "</span>")) }
      out += facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>\n" }.joined() + "</dl>\n"
      out += "<div class=\"plots\">\n" + section.plots.map(Self.figure).joined() + "</div>\n"
    }
    out += "<footer>Made by paramtrace \(Self.escape(toolVersion)) (<code>paramtrace report --html</code>). Bytes are binary: 1 KiB = 1024 B.</footer>\n"
    out += "</body>\n</html>\n"
    return out
  }

  static func figure(_ plot: Plot) -> String {
    "<figure id=\"figure-\(escape(plot.id))\">\n" + plot.svg + "</figure>\n"
  }

  static func tableHTML(_ table: TextTable, statuses: [ExperimentSummary.Status]?) -> String {
    var out = "<div class=\"table-wrap\"><table>\n<thead><tr>"
    out += table.headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
    for (index, row) in table.rows.enumerated() {
      let status = statuses.map { $0[index] } ?? .ok
      out += status == .ok ? "<tr>" : "<tr class=\"\(status.rawValue)\">"
      for (column, cell) in row.enumerated() {
        out += table.numeric[column] ? "<td class=\"num\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
      }
      out += "</tr>\n"
    }
    return out + "</tbody>\n</table></div>\n"
  }

  static func escape(_ text: String) -> String { SVGWriter.escape(text) }
}
