extension TraceAnalysis {
  /// The readable report: the notebook's layout (operations, bytes, gap table, bandwidth),
  /// with the corrected figures beside it and every warning at the end.
  public func summary(inputDescription: String) -> String {
    let f = figures
    var lines: [String] = []
    lines.append("paramtrace analyze: \(inputDescription)")
    lines.append("Counting: \(countingRule); order: by \(options.order == .issue ? "first issue" : "completion") time")
    lines.append("Filter: \(filterDescription)")
    lines.append("")
    lines.append(row(countedAtDispatch ? "Operations (every dispatch):" : "Operations:", HumanUnits.grouped(f.operations)))
    lines.append(row("Bytes:", "\(HumanUnits.bytes(f.bytes)) (\(HumanUnits.grouped(f.bytes)) B)"))
    if countedAtDispatch {
      // A trace without completions gives a range, not one count (see the warning).
      let window = formatFixed(Double(options.reissueWindowNanoseconds) / 1e6, 0)
      lines.append(
        row(
          "Estimate, repeats merged:",
          "\(HumanUnits.grouped(f.operations - f.repeatedDispatches)) operations, \(HumanUnits.bytes(f.bytes - f.repeatedDispatchBytes))"
            + " (if the \(HumanUnits.grouped(f.repeatedDispatches)) dispatches of a sector within \(window) ms of the one before were re-issues)"))
    }
    var uniqueText = "\(HumanUnits.bytes(f.uniqueBytes))"
    if let coverage = f.coverage { uniqueText += " (\(formatFixed(coverage * 100, 1))% of the \(HumanUnits.bytes(f.fileSize ?? 0)) file)" }
    lines.append(row("Unique bytes:", uniqueText))
    var reread = f.rereadFactor.map { formatFixed($0, 2) } ?? "n/a"
    if let passes = f.passes { reread += "   passes over the file: \(formatFixed(passes, 2))" }
    lines.append(row("Re-read factor:", reread))
    lines.append("")
    lines.append(contentsOf: gapTable(f))
    if let crossings = f.extentCrossingOperations, let boundaries = f.extentBoundariesCrossed {
      lines.append(row("Extent boundaries crossed:", "\(HumanUnits.grouped(boundaries)) (by \(HumanUnits.grouped(crossings)) operations)"))
    }
    lines.append("")
    let bandwidthSource =
      f.bandwidthFromCompletions
      ? "from completion times"
      : options.counting == .completion ? "from dispatch times: the trace has no completions" : "from line times, as counted"
    lines.append("Bandwidth (\(bandwidthSource))")
    let average = f.averageBytesPerSecond.map { "\(HumanUnits.rate($0)) over \(formatFixed(Double(f.spanNanoseconds) / 1e9, 3)) s" } ?? "n/a"
    lines.append(row("  Average:", average))
    let window = formatFixed(Double(f.windowNanoseconds) / 1e9, 3) + " s"
    let why = Self.windowReason(f.windowReason)
    if let peak = f.peakBytesPerSecond {
      var text =
        f.peakIsAverage
        ? "\(HumanUnits.rate(peak)), the average: no \(window) window of completions (\(why)) was busier than the whole run"
        : "\(HumanUnits.rate(peak)) (largest \(window) window of completions: \(why))"
      if let issuePeak = f.peakByIssueBytesPerSecond {
        text += "; by issue time \(HumanUnits.rate(issuePeak))\(f.peakByIssueIsAverage ? " (the average)" : "")"
      }
      lines.append(row("  Peak:", text))
    } else if let issuePeak = f.peakByIssueBytesPerSecond {
      let average = f.peakByIssueIsAverage ? ", the average" : ""
      lines.append(row("  Peak:", "\(HumanUnits.rate(issuePeak)) by issue time\(average) (\(window) window: \(why); no completions to bin)"))
    }
    lines.append("")
    lines.append(latencyLine("Latency issue→complete (ms):", f.latency))
    lines.append(latencyLine("Latency queue→complete (ms):", f.queueLatency))
    lines.append("")
    if let median = f.sizes.medianBytes, let p90 = f.sizes.p90Bytes {
      lines.append(row("Request size:", "median \(HumanUnits.kibibytes(Double(median))) KiB, p90 \(HumanUnits.kibibytes(Double(p90))) KiB (exact)"))
    }
    let sizes = f.sizes.nonEmptyBuckets.map { "\(HumanUnits.size($0.lowerBound)): \(HumanUnits.grouped($0.count))" }
    lines.append(row("Request sizes (≥):", sizes.isEmpty ? "none" : sizes.joined(separator: ", ")))
    if let phases { lines.append(contentsOf: phaseTable(phases)) }
    if let tensors, let model = options.model {
      lines.append(contentsOf: tensors.summary(layout: model))
      if let phases { lines.append(contentsOf: Self.phasePassLines(phases, modelBytes: model.tensors.reduce(0) { $0 + $1.size })) }
      if let phases, phases.decode.operations == 0 {
        lines.append("  decode phase: read nothing from the model")  // not a row of zero passes
      } else if let decode = phases?.decodeTensors {
        lines.append("  decode phase: \(decode.order.verdict); per layer passes "
          + decode.layers.map { "\($0.layer):\($0.passes.map { formatFixed($0, 1) } ?? "-")" }.joined(separator: " "))
      }
      lines.append("")
      if let files { lines.append(contentsOf: ModelFileFigures.summary(files)) }
    }
    if let tasks { lines.append(contentsOf: tasks.summaryLines()) }
    lines.append(row("Trace lines:", actionLine))
    if let perRequest = assembly.linesPerRequest {
      lines.append(row("Lines per request:", "\(formatFixed(perRequest, 2)) lines with a sector per counted request"))
    }
    lines.append(row("Requests:", requestLine))
    let rejected = OperationFilter.Rejection.allCases.compactMap { reason -> String? in
      let n = f.rejected[reason] ?? 0
      return n == 0 ? nil : "\(reason.label) \(HumanUnits.grouped(n))"
    }
    lines.append(row("Filtered out:", rejected.isEmpty ? "none" : rejected.joined(separator: ", ")))
    if diagnostics.malformed > 0 || diagnostics.lostEvents > 0 || diagnostics.secondFormatLines > 0 {
      var problems = "\(diagnostics.malformed) malformed, \(diagnostics.lostEvents) lost events"
      if diagnostics.secondFormatLines > 0 {
        problems += ", \(HumanUnits.grouped(diagnostics.secondFormatLines)) lines of a second format (decoded)"
      }
      lines.append(row("Input problems:", problems))
    }
    if !warnings.isEmpty {
      lines.append("")
      lines.append("Warnings:")
      for warning in warnings { lines.append("  - \(warning)") }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private func phaseTable(_ phases: PhaseSplit) -> [String] {
    let boundary = phases.boundaryNanoseconds.map { "\(formatFixed(Double($0) / 1e9, 6)) s" } ?? "not found"
    var lines = ["Phases: decode from \(boundary) (\(phases.source))"]
    lines.append("  " + HumanUnits.padRight("phase", 8) + HumanUnits.pad("ops", 10) + HumanUnits.pad("bytes", 14) + HumanUnits.pad("unique", 14)
      + HumanUnits.pad("re-read", 9) + HumanUnits.pad("seq phys", 10) + HumanUnits.pad("seq log", 9) + HumanUnits.pad("avg rate", 14))
    for (name, f) in [("load", phases.load), ("decode", phases.decode)] {
      let logical = f.logicalGaps.map { HumanUnits.percent($0.percent($0.sequential)) } ?? "n/a"
      lines.append(
        "  " + HumanUnits.padRight(name, 8) + HumanUnits.pad(HumanUnits.grouped(f.operations), 10)
          + HumanUnits.pad(HumanUnits.bytes(f.bytes), 14) + HumanUnits.pad(HumanUnits.bytes(f.uniqueBytes), 14)
          + HumanUnits.pad(f.rereadFactor.map { formatFixed($0, 2) } ?? "n/a", 9)
          + HumanUnits.pad(HumanUnits.percent(f.gaps.percent(f.gaps.sequential)), 10) + HumanUnits.pad(logical, 9)
          + HumanUnits.pad(f.averageBytesPerSecond.map(HumanUnits.rate) ?? "n/a", 14))
    }
    lines.append("")
    return lines
  }

  private func row(_ label: String, _ value: String) -> String { HumanUnits.padRight(label, 31) + value }

  /// Why the peak window is what it is, in the summary's words.
  static func windowReason(_ reason: PeakWindow.Reason) -> String {
    switch reason {
    case .given: "set by --window"
    case .tenthOfRun: "a tenth of the run"
    case .shortest: "the shortest, as the run lasted under 0.1 s"
    case .longest: "the longest, as the run lasted over 10 s"
    }
  }

  private func gapTable(_ f: AccessFigures) -> [String] {
    let logical = f.logicalGaps
    var lines = [
      HumanUnits.padRight("Gap distribution", 33) + "physical (disk sectors)" + (logical == nil ? "" : "  logical (file offsets)")
    ]
    let rows: [(String, KeyPath<GapClasses, Int>)] = [
      ("  Sequential (gap=0)", \.sequential), ("  Small (<128 KiB)", \.small), ("  Medium (128 KiB-1 MiB)", \.medium),
      ("  Large (>=1 MiB)", \.large), ("  Backward", \.backward),
    ]
    for (label, path) in rows {
      var line = HumanUnits.padRight(label, 31) + cell(f.gaps, path)
      if let logical { line += "      " + cell(logical, path) }
      lines.append(line)
    }
    return lines
  }

  private func cell(_ gaps: GapClasses, _ path: KeyPath<GapClasses, Int>) -> String {
    "\(HumanUnits.pad(HumanUnits.grouped(gaps[keyPath: path]), 10)) (\(HumanUnits.percent(gaps.percent(gaps[keyPath: path]))))"
  }

  private func latencyLine(_ label: String, _ latency: LatencySummary?) -> String {
    guard let latency else { return row(label, "n/a") }
    let approx = latency.approximate ? " (±1.6%)" : ""
    return row(
      label,
      "p50 \(HumanUnits.milliseconds(latency.p50))  p90 \(HumanUnits.milliseconds(latency.p90))  "
        + "p99 \(HumanUnits.milliseconds(latency.p99))  max \(HumanUnits.milliseconds(latency.max))\(approx)")
  }

  private var actionLine: String {
    let parts = BlockAction.lifecycleOrder.filter { assembly.count($0) > 0 }.map { "\($0.letters) \(HumanUnits.grouped(assembly.count($0)))" }
    return parts.isEmpty ? "none" : parts.joined(separator: ", ")
  }

  private var requestLine: String {
    let a = assembly
    var parts = ["\(HumanUnits.grouped(a.completedRequests)) completed"]
    if a.countedAtDispatch > 0 { parts.append("\(HumanUnits.grouped(a.countedAtDispatch)) counted at dispatch") }
    if a.requeues > 0 { parts.append("\(HumanUnits.grouped(a.requeues)) requeues") }
    if a.reissuesWithoutRequeue > 0 { parts.append("\(HumanUnits.grouped(a.reissuesWithoutRequeue)) re-issues without R") }
    if a.mergedRequests > 0 { parts.append("\(HumanUnits.grouped(a.mergedRequests)) merged away") }
    if a.partialCompletions > 0 { parts.append("\(HumanUnits.grouped(a.partialCompletions)) partial completions") }
    if a.unfinishedRequests > 0 { parts.append("\(HumanUnits.grouped(a.unfinishedRequests)) unfinished") }
    if a.requestsWithoutData > 0 { parts.append("\(HumanUnits.grouped(a.requestsWithoutData)) without data") }
    return parts.joined(separator: ", ")
  }

  private var filterDescription: String {
    let filter = options.filter
    var parts = [filter.direction == .all ? "reads and writes" : filter.direction.rawValue]
    if !filter.devices.isEmpty { parts.append("device " + filter.devices.map(\.description).joined(separator: ",")) }
    if !filter.pids.isEmpty { parts.append("pid " + filter.pids.map(String.init).joined(separator: ",")) }
    if !filter.taskTreeRoots.isEmpty {
      parts.append("tasks of pid " + filter.taskTreeRoots.map(String.init).joined(separator: ",") + " and every task they created")
    }
    if !filter.comms.isEmpty { parts.append("comm " + filter.comms.map(\.description).joined(separator: ",")) }
    if let sectors = filter.sectors { parts.append("\(sectors.ranges.count) sector range(s)") }
    if let extents = filter.extents {
      parts.append("file \(extents.path ?? "?") (\(extents.extents.count) extents, \(HumanUnits.bytes(extents.contentSize)))")
    }
    if let from = filter.fromNanoseconds { parts.append("from \(formatFixed(Double(from) / 1e9, 6)) s") }
    if let to = filter.toNanoseconds { parts.append("to \(formatFixed(Double(to) / 1e9, 6)) s") }
    return parts.joined(separator: "; ")
  }
}
