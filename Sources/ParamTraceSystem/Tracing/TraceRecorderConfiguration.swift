import ParamTraceCore

/// Which block-layer events a recording captures (`paramtrace record --actions`).
public enum TraceActions: String, Sendable {
  /// Block tracepoints in a private tracefs instance: `block_bio_queue`, `block_bio_backmerge`,
  /// `block_bio_frontmerge`, `block_split`, `block_rq_merge` and
  /// `block_rq_insert/issue/requeue/complete`, saved
  /// as tracepoint text (spec §3.2, §3.5). Several recorders can run at once.
  case tracepoints
  /// The top-level ftrace `blk` tracer (the whole Q…C lifecycle, blktrace's actions), saved as
  /// per-CPU blktrace binary files (spec §3.1, "binary trick"). One at a time per machine.
  case full
}

/// How a tracepoint recording empties its ring buffers (`paramtrace record --drain`).
public enum TraceDrainKind: String, Sendable {
  /// Each CPU's `trace_pipe_raw` pages, saved as they are (`trace.raw.cpuN`, with the event
  /// layouts in `trace.raw.formats`): the kernel formats nothing, so it keeps up at NVMe rates.
  case raw
  /// `trace_pipe` text (`trace.tp.txt`): readable with any tool, but the kernel formats every
  /// event, which costs a core at a few hundred thousand events a second.
  case text
}

/// What to record and where (see `TraceRecorder`).
public struct TraceRecorderConfiguration: Sendable {
  /// The whole disk to trace, `major << 20 | minor` as traces carry it (not a partition:
  /// request events carry the whole disk's number and absolute sectors).
  public var disk: DeviceNumber
  /// More whole disks to trace with `disk` (`.tracepoints` only): a model whose files lie on
  /// several disks.
  public var extraDisks: [DeviceNumber] = []
  /// Tracepoints (default) or the full `blk` tracer.
  public var actions: TraceActions = .tracepoints
  /// Ring-buffer size per CPU, in KiB (tracefs `buffer_size_kb`; the kernel rounds to pages).
  ///
  /// 16 MiB per CPU is kernel memory (not page cache, not in the workload's cgroup) taken for
  /// the run: 32 MiB on a 2-CPU machine, small next to the models this tool studies; lower it
  /// on machines with many CPUs. The drain empties the ring every 50 ms, and a ring entry of
  /// a block event is about 70–90 bytes, so 16 MiB holds ~200k events per CPU: about 2 s of
  /// the heaviest per-CPU event rate seen on NVMe (~100k events/s), which covers the drain
  /// thread being starved by a workload that saturates every CPU or stalled on its own disk
  /// write. Smaller buffers lose events under such stalls (reported, never hidden).
  public var bufferKiBPerCPU: Int = 16384
  /// `.raw`: hand the recording to larger rings when the rate seen in the first seconds needs
  /// more than `bufferKiBPerCPU` (`RingHandoff`), up to this many KiB per CPU; nil keeps the
  /// rings as they are (an explicit `--buffer-kib`).
  public var handoffCapKiB: Int?
  /// Raw pages (default) or text, for `.tracepoints`.
  public var drain: TraceDrainKind = .raw
  /// Also record the scheduler's task events (fork, exec, exit, newtask, rename), so the
  /// workload's tasks come from the trace (on by default; off only to compare).
  public var recordTaskEvents = true
  /// Directory for the trace files; created when missing. Must be on a disk filesystem:
  /// tmpfs and ramfs are refused (their pages would take memory from the workload).
  public var outputDirectory: String

  /// A tracepoint recording of `disk` into `outputDirectory` with the default buffer.
  public init(disk: DeviceNumber, outputDirectory: String) {
    self.disk = disk
    self.outputDirectory = outputDirectory
  }
}
