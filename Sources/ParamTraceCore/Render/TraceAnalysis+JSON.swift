extension TraceAnalysis {
  /// The analysis as JSON. The keys documented in the README are stable; new keys may be
  /// added. Bytes are integers, times are nanoseconds, rates are bytes per second.
  /// For a trace without completions: the operations and bytes if every repeated dispatch
  /// within the re-issue window were a re-issue (the low end of the range); null otherwise.
  var dispatchEstimateJSON: JSONValue {
    guard countedAtDispatch else { return .null }
    let f = figures
    return .object([
      ("reissue_window_ns", .number(options.reissueWindowNanoseconds)),
      ("repeated_dispatches", .number(f.repeatedDispatches)),
      ("operations", .number(f.operations - f.repeatedDispatches)),
      ("bytes", .number(f.bytes - f.repeatedDispatchBytes)),
    ])
  }

  public var json: JSONValue {
    let f = figures
    var members: [(String, JSONValue)] = [
      ("paramtrace_analysis_version", .number(1)),
      ("counting", .string(countingName)),
      ("counting_rule", .string(countingRule)),
      ("counted_at_dispatch", .bool(countedAtDispatch)),
      ("dispatch_estimate", dispatchEstimateJSON),
      ("order", .string(options.order.rawValue)),
    ] + f.jsonMembers + [
      ("lines_per_request", .optional(assembly.linesPerRequest)),
      ("malformed_lines", .number(diagnostics.malformed)),
      ("second_format_lines", .number(diagnostics.secondFormatLines)),
      ("second_formats", .array(diagnostics.secondFormats.map { .string($0.rawValue) })),
      ("lost_events", .number(diagnostics.lostEvents)),
      ("lost_intervals", lostIntervalsJSON),
      ("events", .number(assembly.events)),
      ("action_counts", Self.actionCountsJSON(assembly)),
      (
        "requests",
        .object([
          ("completed", .number(assembly.completedRequests)),
          ("counted_at_dispatch", .number(assembly.countedAtDispatch)),
          ("requeues", .number(assembly.requeues)),
          ("reissues_without_requeue", .number(assembly.reissuesWithoutRequeue)),
          ("merged_away", .number(assembly.mergedRequests)),
          ("partial_completions", .number(assembly.partialCompletions)),
          ("completions_without_request", .number(assembly.completionsWithoutRequest)),
          ("unfinished", .number(assembly.unfinishedRequests)),
          ("without_data", .number(assembly.requestsWithoutData)),
        ])
      ),
      (
        "filtered_out",
        .object(OperationFilter.Rejection.allCases.map { (Self.snakeCase("\($0)"), .number(f.rejected[$0] ?? 0)) })
      ),
      ("filter", filterJSON),
      ("malformed_samples", .array(diagnostics.samples.map { .string($0.description) })),
      ("warnings", .array(warnings.map { .string($0) })),
    ]
    if let tensors, let model = options.model {
      members.append(("tensors", tensors.json(layout: model)))
    } else {
      members.append(("tensors", .null))
    }
    members.append(("files", files.map { .array($0.map(\.json)) } ?? .null))
    if let phases {
      members.append(
        (
          "phases",
          .object([
            ("boundary_ns", .optional(phases.boundaryNanoseconds)),
            ("source", .string(phases.source)),
            ("load", .object(phases.load.jsonMembers + phaseTensors(phases.loadTensors))),
            ("decode", .object(phases.decode.jsonMembers + phaseTensors(phases.decodeTensors))),
          ])
        ))
    } else {
      members.append(("phases", .null))
    }
    members.append(("workload_tasks", tasks?.json ?? .null))
    members.append(
      (
        "forward_passes",
        tensors.map { tensors in
          .object([
            ("found", .number(tensors.order.passes.count)),
            ("expected", .optional(options.expectedForwardPasses?.count)),
            ("expected_rule", options.expectedForwardPasses.map { .string($0.rule) } ?? .null),
            ("load_found", .optional(phases?.loadTensors?.order.passes.count)),
            ("decode_found", .optional(phases?.decodeTensors?.order.passes.count)),
          ])
        } ?? .null
      ))
    if f.operations == 0 { members.append(("empty", .bool(true))) }
    return .object(members)
  }

  /// Per-layer rows of one phase (the full tensor table is at the top level).
  private func phaseTensors(_ figures: TensorFigures?) -> [(String, JSONValue)] {
    guard let figures, let model = options.model, case .object(let members) = figures.json(layout: model) else { return [] }
    return [("tensors", .object(members.filter { ["layers", "read_order", "header_bytes", "padding_bytes"].contains($0.0) }))]
  }

  /// Where events were lost (raw recordings tell): CPU, interval and count.
  private var lostIntervalsJSON: JSONValue {
    .array(
      diagnostics.lostIntervals.map { interval -> JSONValue in
        .object([
          ("cpu", .number(Int(interval.cpu))), ("from_ns", .number(interval.fromNanoseconds)),
          ("to_ns", .number(interval.toNanoseconds)), ("events", .number(interval.events)),
        ])
      })
  }

  private var filterJSON: JSONValue {
    let filter = options.filter
    return .object([
      ("direction", .string(filter.direction.rawValue)),
      ("devices", .array(filter.devices.map { .string($0.description) })),
      ("pids", .array(filter.pids.map { .int(Int64($0)) })),
      ("task_tree_roots", .array(filter.taskTreeRoots.map { .int(Int64($0)) })),
      ("comms", .array(filter.comms.map { .string($0.description) })),
      (
        "sectors",
        filter.sectors.map { .array($0.ranges.map { .array([.number($0.start), .number($0.end)]) }) } ?? .null
      ),
      ("extents_file", filter.extents.map { .string($0.path ?? "") } ?? .null),
      ("extent_count", .optional(filter.extents?.extents.count)),
      ("from_ns", .optional(filter.fromNanoseconds)),
      ("to_ns", .optional(filter.toNanoseconds)),
    ])
  }

  static func snakeCase(_ name: String) -> String {
    name.reduce(into: "") { out, character in
      if character.isUppercase {
        out += "_" + character.lowercased()
      } else {
        out.append(character)
      }
    }
  }

  static func gapsJSON(_ gaps: GapClasses) -> JSONValue {
    .object([
      ("sequential", .number(gaps.sequential)),
      ("small", .number(gaps.small)),
      ("medium", .number(gaps.medium)),
      ("large", .number(gaps.large)),
      ("backward", .number(gaps.backward)),
      ("total", .number(gaps.total)),
    ])
  }

  static func latencyJSON(_ latency: LatencySummary?) -> JSONValue {
    guard let latency else {
      return .object([("p50", .null), ("p90", .null), ("p99", .null), ("max", .null), ("count", .number(0))])
    }
    return .object([
      ("p50", .number(latency.p50)),
      ("p90", .number(latency.p90)),
      ("p99", .number(latency.p99)),
      ("max", .number(latency.max)),
      ("mean", .double(latency.mean)),
      ("count", .number(latency.count)),
      ("approximate", .bool(latency.approximate)),
    ])
  }

  static func actionCountsJSON(_ counters: AssemblyCounters) -> JSONValue {
    .object(BlockAction.lifecycleOrder.filter { counters.count($0) > 0 }.map { ($0.letters, .number(counters.count($0))) })
  }
}
