import ParamTraceCore

/// What a finished recording produced: the files to analyze and how much was lost.
public struct TraceRecordingResult: Sendable {
  /// The trace files `analyze` should read: `OUTDIR/trace.tp.txt` for tracepoints, or every
  /// `OUTDIR/trace.blktrace.N` (N = 0 ..< CPUs, some possibly empty) for the full tracer.
  public var files: [String]
  /// `.tracepoint` or `.blktrace`.
  public var format: TraceFormat
  /// Events the kernel could not hand over: the larger of the per-CPU ring counters (overrun
  /// + dropped events + commit overrun, growth during the run) and the `[LOST M EVENTS]`
  /// notices read from `trace_pipe` (both count the same losses). Never hidden: report it.
  public var lostEvents: Int
  /// Lost events according to the per-CPU `stats` counters (growth during the run).
  public var lostEventsInStats: Int = 0
  /// Lost events according to `CPU:N [LOST M EVENTS]` notices in the stream.
  public var lostEventsInStream: Int = 0
  /// `per_cpu/cpuN/stats` after the run, by CPU. Integer fields keep the kernel's names
  /// (`entries`, `overrun`, `commit overrun`, `bytes`, `dropped events`, `read events`);
  /// the two times become `oldest event ts (ns)` and `now ts (ns)`.
  public var perCPUStats: [Int: [String: Int]]
  /// Bytes written to `files`.
  public var bytesWritten: Int
  /// Trace lines (tracepoints, markers and LOST notices included) or blktrace records
  /// (notes excluded) written.
  public var records: Int = 0
  /// The tracefs instance used (`paramtrace-PID[-N]`), or `top-level (blk tracer)`.
  public var instance: String
  /// Bytes of the `blk` tracer's binary stream that were not records and were skipped
  /// (0 unless something else wrote into the top-level buffer).
  public var skippedBytes: Int = 0
  /// The task events recorded (`sched/sched_process_fork`…); empty when the kernel lacks them.
  /// With tracepoints they are in the trace itself; with the `blk` tracer in `taskFile`.
  public var taskEvents: [String] = []
  /// The text file of the task events, when they are not in `files` (the `blk` tracer).
  public var taskFile: String?
  /// Task events lost (the `blk` tracer's separate instance); included in `lostEvents`.
  public var lostTaskEvents = 0
  /// Every file an analysis reads: `files`, then `taskFile`. Open them with the format
  /// detected per file when `taskFile` is set (it is tracepoint text).
  public var analysisFiles: [String] { files + (taskFile.map { [$0] } ?? []) }
  /// The format to open `analysisFiles` with: nil (detect each) when they mix formats.
  public var analysisFormat: TraceFormat? { taskFile == nil ? format : nil }
  /// The ring size per CPU at the end (after any handoff), at the start, the most a handoff
  /// could take, and why it was chosen (set by the experiment).
  public var bufferKiBPerCPU: Int?
  public var bufferKiBAtStart: Int?
  public var handoffCapKiB: Int?
  public var bufferReason: String?
  /// CPU time paramtrace itself spent while recording (set by the experiment): from tracing
  /// on to tracing off, which includes allocating and freeing the rings and the final drain.
  public var recorderCPU: RecorderCPU?
  /// The part of it spent while the workload ran: what could have taken a core from it.
  public var recorderCPUDuringWorkload: RecorderCPU?
  /// Handoffs to larger rings during the run (`RingHandoff`), in order.
  var handoffs: [RingHandoff.Decision] = []
  /// Things the caller should print (on stderr and in the manifest), for example lost events.
  public var warnings: [String] = []

  /// A result; the counters not named start at zero.
  public init(
    files: [String], format: TraceFormat, lostEvents: Int, perCPUStats: [Int: [String: Int]], bytesWritten: Int,
    instance: String
  ) {
    self.files = files
    self.format = format
    self.lostEvents = lostEvents
    self.perCPUStats = perCPUStats
    self.bytesWritten = bytesWritten
    self.instance = instance
  }
}
