import ParamTraceCore

extension ManifestBuilder {
  /// `workload_tasks`: how the workload's tasks were known (the trace's task events, or /proc
  /// polling on kernels without them), the tasks with what each read, and the tasks that the
  /// trace's tree and /proc disagree on.
  static func tasksJSON(analysis: TraceAnalysis?, workload: WorkloadResult?, recording: TraceRecordingResult) -> JSONValue {
    guard let workload else { return .null }
    let polled = Set(workload.taskIDs)
    guard let tasks = analysis?.tasks, !recording.taskEvents.isEmpty else {
      return .object([
        ("source", .string("/proc polling")),
        ("why", .string(recording.taskEvents.isEmpty ? "this kernel has no sched_process_fork event" : "no analysis")),
        ("polled_pids", .array(workload.taskIDs.map { .int(Int64($0)) })),
      ])
    }
    let inTree = Set(tasks.tasks.map(\.pid))
    // /proc sees only what lives across one of its looks; the trace sees every creation. A
    // task /proc saw that the tree lacks means lost or missing task events.
    let procOnly = polled.subtracting(inTree).sorted()
    let traceOnly = inTree.subtracting(polled).sorted()
    guard case .object(var members) = tasks.json else { return .null }
    members.insert(("task_events_recorded", .array(recording.taskEvents.map { .string($0) })), at: 1)
    members.append(("polled_pids", .array(workload.taskIDs.map { .int(Int64($0)) })))
    members.append(("seen_by_proc_only", .array(procOnly.map { .int(Int64($0)) })))
    members.append(("seen_by_trace_only_count", .number(traceOnly.count)))
    members.append(("seen_by_trace_only", .array(traceOnly.prefix(200).map { .int(Int64($0)) })))
    return .object(members)
  }
}
