/// The trace markers `record` writes into its trace (tracefs `trace_marker`), so that an
/// analysis of the trace alone finds the workload's start and exit.
public enum TraceMarkerText {
  /// Written just before the workload is started.
  public static let workloadStart = "paramtrace workload start"
  /// Written as soon as the workload has exited.
  public static let workloadEnd = "paramtrace workload end"
}
