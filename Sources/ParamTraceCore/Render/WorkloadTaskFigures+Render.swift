extension WorkloadTaskFigures {
  /// At most this many tasks are listed in the JSON (a workload that forks thousands keeps a
  /// bounded file); `tasks_listed` says when the list is cut.
  static let jsonTaskLimit = 10_000

  /// `workload_tasks` in the analysis JSON.
  public var json: JSONValue {
    let listed = tasks.prefix(Self.jsonTaskLimit)
    return .object([
      ("source", .string(taskEvents > 0 ? "trace task events" : "roots only (no task events in the trace)")),
      ("roots", .array(roots.map { .int(Int64($0)) })),
      ("task_events", .number(taskEvents)),
      ("tasks_total", .number(tasks.count)),
      ("tasks_listed", .number(listed.count)),
      ("processes", .number(processes)),
      ("threads", .number(threads)),
      ("tasks", .array(listed.map(Self.taskJSON))),
      (
        "other_owners",
        .array(
          otherOwners.prefix(1000).map {
            .object([
              ("pid", .int(Int64($0.pid))), ("comm", .string($0.comm.description)), ("operations", .number($0.operations)),
              ("bytes", .number($0.bytes)),
            ])
          })
      ),
    ])
  }

  static func counted(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }

  static func taskJSON(_ task: WorkloadTaskTree.Task) -> JSONValue {
    .object([
      ("pid", .int(Int64(task.pid))),
      ("parent", task.parent.map { .int(Int64($0)) } ?? .null),
      ("process", .int(Int64(task.process))),
      ("kind", .string(task.kind.rawValue)),
      ("comm", .string(task.names.last?.description ?? "")),
      ("names", .array(task.names.map { .string($0.description) })),
      ("created_ns", .optional(task.createdNanoseconds)),
      ("exit_ns", .optional(task.exitNanoseconds)),
      ("pid_reused_ns", .optional(task.reusedNanoseconds)),
      ("operations", .number(task.operations)),
      ("bytes", .number(task.bytes)),
    ])
  }

  /// Lines for the summary: the tasks that read most (all of them when few), then the others
  /// in one line, then the owners outside the workload.
  public func summaryLines(limit: Int = 12) -> [String] {
    var lines: [String] = []
    let source = taskEvents > 0 ? "from the trace's task events" : "roots only: the trace has no task events"
    lines.append(
      "Workload tasks (\(source)): \(tasks.count) (\(Self.counted(processes, "process", "processes")), "
        + "\(Self.counted(threads, "thread", "threads")), \(tasks.count - processes - threads) not told apart)")
    let ranked = tasks.sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.pid < $1.pid }
    lines.append(
      "  " + HumanUnits.pad("pid", 8) + HumanUnits.pad("parent", 8) + "  " + HumanUnits.padRight("kind", 8)
        + HumanUnits.padRight("comm", 18) + HumanUnits.pad("ops", 9) + HumanUnits.pad("bytes", 12))
    for task in ranked.prefix(limit) {
      var names = task.names.map(\.description)
      if names.isEmpty { names = ["?"] }
      let comm = names.count > 1 ? names.last! + " (was " + names.dropLast().joined(separator: ", ") + ")" : names[0]
      lines.append(
        "  " + HumanUnits.pad(String(task.pid), 8) + HumanUnits.pad(task.parent.map(String.init) ?? "-", 8) + "  "
          + HumanUnits.padRight(task.kind.rawValue, 8) + HumanUnits.padRight(comm, 18) + HumanUnits.pad(HumanUnits.grouped(task.operations), 9)
          + HumanUnits.pad(HumanUnits.bytes(task.bytes), 12))
    }
    if ranked.count > limit {
      let rest = ranked.dropFirst(limit)
      lines.append(
        "  … \(rest.count) more tasks: \(HumanUnits.grouped(rest.reduce(0) { $0 + $1.operations })) ops, "
          + HumanUnits.bytes(rest.reduce(0) { $0 + $1.bytes }))
    }
    if !otherOwners.isEmpty {
      let shown = otherOwners.prefix(5).map { "\($0.comm.isEmpty ? "?" : $0.comm.description) (pid \($0.pid)) \(HumanUnits.bytes($0.bytes))" }
      let more = otherOwners.count > 5 ? ", … \(otherOwners.count - 5) more" : ""
      lines.append("  Read by tasks outside the workload: " + shown.joined(separator: ", ") + more)
    }
    lines.append("")
    return lines
  }
}
