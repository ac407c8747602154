import Glibc
import ParamTraceCore

/// Builds `manifest.json`: the experiment's command, configuration, environment and every
/// measurement, with absent values as null (never as zero).
enum ManifestBuilder {
  static let version = 1

  static func build(
    configuration: ExperimentConfiguration, disk: DeviceNumber, modelPath: String?,
    modelExtents: (map: FileExtentMap, details: FileExtentDetails)?, cgroup: MemoryCgroup?, locker: MemoryLocker?,
    lockedAtEnd: UInt64?, pressure: BudgetPressure?, recording: TraceRecordingResult, workload: WorkloadResult?, timings: LlamaTimings,
    memory: [(String, JSONValue)], analysis: TraceAnalysis?, fileOnly: AccessFigures?, probe: ProbeReport? = nil, interrupted: Bool,
    warnings: [String], settings: [(String, JSONValue)] = [], proactiveReclaim: ProactiveReclaim = ProactiveReclaim(schemes: [])
  ) -> JSONValue {
    let details = modelExtents?.details
    let budget: JSONValue
    if let cgroup {
      budget = .object([
        ("kind", .string("cgroup")), ("requested_bytes", .number(cgroup.requestedLimitBytes)),
        ("achieved_bytes", .number(cgroup.achievedLimitBytes)), ("cgroup", .string(cgroup.path)),
        ("layout", .string(cgroup.layout.description)), ("swap_excluded", .bool(cgroup.swapExcluded)),
      ])
    } else if let locker {
      budget = .object([
        ("kind", .string("lock")), ("requested_bytes", .number(locker.requestedBytes)), ("achieved_bytes", .number(locker.lockedBytes)),
        ("locked_at_end_bytes", .optional(lockedAtEnd)), ("forced", .bool(configuration.forceLock)),
      ])
    } else {
      budget = .object([("kind", .string("none")), ("requested_bytes", .null), ("achieved_bytes", .null)])
    }
    var members: [(String, JSONValue)] = [
      ("paramtrace_manifest_version", .number(version)),
      ("tool_version", .string(configuration.toolVersion)),
      ("created_unix_seconds", .number(UInt64(time(nil)))),
      ("command", .array(configuration.command.map { .string($0) })),
    ]
    members.append(("configuration", configurationJSON(configuration)))
    members.append(("environment", environmentJSON(disk: disk, details: details, proactiveReclaim: proactiveReclaim)))
    let modelSource = configuration.model != nil ? configuration.modelSource : modelPath != nil ? "the workload's mappings" : nil
    members.append(("model", modelJSON(modelPath: modelPath, source: modelSource, modelExtents: modelExtents)))
    members.append(("budget", budget))
    // Did the budget bite? Null without a cgroup budget (a lock has no limit counter).
    members.append(("budget_pressure", pressure?.json ?? .null))
    members.append(("trace", traceJSON(recording)))
    members.append(("workload", workloadJSON(workload)))
    members.append(("timings", timingsJSON(timings)))
    members.append(("load_mode", loadModeJSON(configuration: configuration, workload: workload)))
    members.append(("memory", .object(memory)))
    members.append(("analysis", analysisJSON(analysis, fileOnly: fileOnly)))
    // `record --probe`: what the model's disk delivers to O_DIRECT reads (the ceiling's bandwidth).
    members.append(("probe", probe?.json ?? .null))
    members.append(("workload_tasks", tasksJSON(analysis: analysis, workload: workload, recording: recording)))
    // Settings the run changed and put back (read_ahead), and whether its budget could bite.
    members += settings
    members.append(("interrupted", .bool(interrupted)))
    members.append(("warnings", .array(warnings.map { .string($0) })))
    return .object(members)
  }

  static func configurationJSON(_ configuration: ExperimentConfiguration) -> JSONValue {
    var members: [(String, JSONValue)] = [("memory", .string(configuration.memoryDescription))]
    members.append(("budget_bytes", .optional(configuration.budgetBytes)))
    members.append(("lock_bytes", .optional(configuration.lockBytes)))
    members.append(("force_lock", .bool(configuration.forceLock)))
    members.append(("cold", .bool(configuration.cold)))
    members.append(("drop_caches", .bool(configuration.dropCaches)))
    members.append(("actions", .string(configuration.actions.rawValue)))
    members.append(("buffer_kib_per_cpu", .optional(configuration.bufferKiBPerCPU)))
    members.append(("output_directory", .string(configuration.outputDirectory)))
    members.append(("read_ahead_kb", .optional(configuration.readAheadKilobytes)))
    members.append(("sweep_axes", SweepAxisValue.json(configuration.sweepAxes)))
    return .object(members)
  }

  static func environmentJSON(disk: DeviceNumber, details: FileExtentDetails?, proactiveReclaim: ProactiveReclaim) -> JSONValue {
    var members: [(String, JSONValue)] = [("kernel", ExperimentEnvironment.kernel())]
    members.append(("cpus", .number(ExperimentEnvironment.cpuCount())))
    members.append(("traced_disk", .string(disk.description)))
    members.append(("disk_name", details?.diskName.map { JSONValue.string($0) } ?? .null))
    members.append(("scheduler", details?.scheduler.map { JSONValue.string($0) } ?? .null))
    members.append(("read_ahead_kb", .optional(details?.readAheadKilobytes)))
    members.append(("filesystem", details?.filesystemType.map { JSONValue.string($0) } ?? .null))
    members.append(("partition_start_sector", .optional(details?.partitionStartSector)))
    // DAMON pageout schemes running during the run (empty: none): they evict page cache
    // whatever the budget.
    members.append(("proactive_reclaim", proactiveReclaim.json))
    return .object(members)
  }

  static func modelJSON(modelPath: String?, source: String?, modelExtents: (map: FileExtentMap, details: FileExtentDetails)?) -> JSONValue {
    var members: [(String, JSONValue)] = [("path", modelPath.map { JSONValue.string($0) } ?? .null)]
    members.append(("source", source.map { JSONValue.string($0) } ?? .null))
    members.append(("size_bytes", .optional(modelExtents?.map.contentSize)))
    members.append(("extent_count", .optional(modelExtents?.map.extents.count)))
    // A model in several files has an address space with page-aligned gaps between files
    // (the extents' logical offsets are in it), and may lie on several disks: then each extent
    // has a fourth column, its disk's index in `devices`.
    members.append(("address_space_bytes", .optional(modelExtents?.map.fileSize)))
    members.append(("devices", .array((modelExtents?.map.devices ?? []).map { .string($0.description) })))
    var extents = JSONValue.null
    let several = !(modelExtents?.map.otherDevices.isEmpty ?? true)
    if let map = modelExtents?.map {
      extents = .array(
        map.extents.map { extent in
          JSONValue.array(
            [.number(extent.logicalOffset), .number(extent.sector), .number(extent.length)] + (several ? [.number(Int(extent.disk))] : []))
        })
    }
    members.append(("extents", extents))
    members.append(("extent_columns", .array((["logical_offset", "sector", "length"] + (several ? ["disk"] : [])).map { JSONValue.string($0) })))
    return .object(members)
  }

  static func traceJSON(_ recording: TraceRecordingResult) -> JSONValue {
    var perCPU: [(String, JSONValue)] = []
    for (cpu, stats) in recording.perCPUStats.sorted(by: { $0.key < $1.key }) {
      perCPU.append(("cpu\(cpu)", .object(stats.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number($0.value)) })))
    }
    var members: [(String, JSONValue)] = [("format", .string(recording.format.rawValue))]
    members.append(("files", .array(recording.files.map { JSONValue.string($0) })))
    members.append(("task_events", .array(recording.taskEvents.map { .string($0) })))
    members.append(("task_file", recording.taskFile.map { JSONValue.string($0) } ?? .null))
    members.append(("lost_task_events", .number(recording.lostTaskEvents)))
    members.append(("buffer_kib_per_cpu", .optional(recording.bufferKiBPerCPU)))
    members.append(("buffer_reason", recording.bufferReason.map { JSONValue.string($0) } ?? .null))
    members.append(("buffer_kib_at_start", .optional(recording.bufferKiBAtStart)))
    members.append(("buffer_handoff_cap_kib", .optional(recording.handoffCapKiB)))
    members.append(("buffer_handoffs", .array(recording.handoffs.map(handoffJSON))))
    members.append(
      (
        "lost_by_cpu",
        .object(
          recording.perCPUStats.sorted { $0.key < $1.key }.map { cpu, stats in ("cpu\(cpu)", .number(TraceRingStats(fields: stats).lost)) })
      ))
    members.append(("recorder_cpu", recording.recorderCPU.map(cpuJSON) ?? .null))
    members.append(("recorder_cpu_during_workload", recording.recorderCPUDuringWorkload.map(cpuJSON) ?? .null))
    members.append(("instance", .string(recording.instance)))
    members.append(("lost_events", .number(recording.lostEvents)))
    members.append(("bytes_written", .number(recording.bytesWritten)))
    members.append(("per_cpu_stats", .object(perCPU)))
    return .object(members)
  }

  /// One handoff to larger rings (`RingHandoff.Decision`).
  static func handoffJSON(_ decision: RingHandoff.Decision) -> JSONValue {
    .object([
      ("at_seconds", .double(decision.atSeconds)), ("from_kib", .number(decision.fromKiB)), ("to_kib", .number(decision.toKiB)),
      ("bytes_per_second_per_cpu", .double(decision.bytesPerSecondPerCPU.rounded())),
      ("from_instance", .string(decision.fromInstance)), ("to_instance", .string(decision.toInstance)),
      ("files", .string(decision.stem + ".cpuN")),
      ("cut_by_cpu", .object(decision.cutByCPU.sorted { $0.key < $1.key }.map { ("cpu\($0.key)", .string($0.value)) })),
      ("overlap_ms", .double(decision.overlapMilliseconds)), ("events_lost_before", .number(decision.lostBefore)),
    ])
  }

  static func cpuJSON(_ cpu: RecorderCPU) -> JSONValue {
    .object([
      ("user_seconds", .double(cpu.userSeconds)), ("system_seconds", .double(cpu.systemSeconds)),
      ("wall_seconds", .double(cpu.wallSeconds)), ("share_of_one_core", .double(cpu.shareOfOneCore)),
    ])
  }

  static func workloadJSON(_ result: WorkloadResult?) -> JSONValue {
    guard let result else { return .null }
    return .object([
      ("exit_status", result.exitStatus.map { .int(Int64($0)) } ?? .null),
      ("signal", result.terminatingSignal.map { .int(Int64($0)) } ?? .null),
      ("wall_seconds", .double(result.wallSeconds)), ("start_monotonic_ns", .number(result.startMonotonicNanoseconds)),
      ("end_monotonic_ns", .number(result.endMonotonicNanoseconds)), ("major_faults", .number(result.majorFaults)),
      ("minor_faults", .number(result.minorFaults)), ("max_rss_kib", .number(result.maxRSSKiB)),
      ("user_seconds", .double(result.userSeconds)), ("system_seconds", .double(result.systemSeconds)),
      ("tasks", .array(result.taskIDs.map { .int(Int64($0)) })),
      ("mapped_model_files", .array(result.mappedModelFiles.map { .string($0) })),
      ("output", .string("workload.out")),
    ])
  }

  static func timingsJSON(_ t: LlamaTimings) -> JSONValue {
    .object([
      ("source", t.source.map { .string($0) } ?? .null), ("load_ms", .optional(t.loadMilliseconds)),
      ("prompt_eval_ms", .optional(t.promptEvalMilliseconds)), ("prompt_tokens", .optional(t.promptTokens)),
      ("prompt_tokens_per_second", .optional(t.promptTokensPerSecond)), ("eval_ms", .optional(t.evalMilliseconds)),
      ("eval_tokens", .optional(t.evalTokens)), ("eval_ms_per_token", .optional(t.evalMillisecondsPerToken)),
      ("eval_tokens_per_second", .optional(t.evalTokensPerSecond)), ("total_ms", .optional(t.totalMilliseconds)),
      ("total_tokens", .optional(t.totalTokens)),
    ])
  }

  static func analysisJSON(_ analysis: TraceAnalysis?, fileOnly: AccessFigures?) -> JSONValue {
    guard let analysis else { return .null }
    let f = analysis.figures
    return .object([
      ("file", .string("analysis.json")), ("summary", .string("summary.txt")),
      ("operations", .number(f.operations)), ("bytes", .number(f.bytes)), ("unique_bytes", .number(f.uniqueBytes)),
      ("reread_factor", .optional(f.rereadFactor)), ("passes", .optional(f.passes)),
      ("sequential_percent", .double(f.gaps.percent(f.gaps.sequential))),
      ("logical_sequential_percent", f.logicalGaps.map { .double($0.percent($0.sequential)) } ?? .null),
      ("average_bytes_per_second", .optional(f.averageBytesPerSecond)), ("peak_bytes_per_second", .optional(f.peakBytesPerSecond)),
      ("latency_p99_ns", .optional(f.latency?.p99)),
      ("request_size_median_bytes", .optional(f.sizes.medianBytes)), ("request_size_p90_bytes", .optional(f.sizes.p90Bytes)),
      ("decode_bytes", .optional(analysis.phases?.decode.bytes)),
      ("load_unique_bytes", .optional(analysis.phases?.load.uniqueBytes)),
      ("decode_reread_factor", .optional(analysis.phases?.decode.rereadFactor)),
      ("file_bytes_any_owner", .optional(fileOnly?.bytes)),
      ("owner_tasks", .number(analysis.options.filter.pids.count)),
    ])
  }
}

extension CgroupMemoryLayout {
  /// `v1 /sys/fs/cgroup/memory` or `v2 /sys/fs/cgroup`.
  public var description: String {
    switch self {
    case .v1(let root): "v1 \(root)"
    case .v2(let root): "v2 \(root)"
    }
  }
}
