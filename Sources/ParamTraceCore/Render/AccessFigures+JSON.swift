extension AccessFigures {
  /// The figures' JSON members (the same keys at the top level of an analysis and inside
  /// each phase).
  public var jsonMembers: [(String, JSONValue)] {
    let f = self
    return [
      ("operations", .number(f.operations)),
      ("bytes", .number(f.bytes)),
      ("unique_bytes", .number(f.uniqueBytes)),
      ("reread_factor", .optional(f.rereadFactor)),
      ("file_size", .optional(f.fileSize)),
      ("coverage", .optional(f.coverage)),
      ("passes", .optional(f.passes)),
      ("gaps", TraceAnalysis.gapsJSON(f.gaps)),
      ("logical_gaps", f.logicalGaps.map(TraceAnalysis.gapsJSON) ?? .null),
      ("extent_crossing_operations", .optional(f.extentCrossingOperations)),
      ("extent_boundaries_crossed", .optional(f.extentBoundariesCrossed)),
      (
        "bandwidth",
        .object([
          ("average_bytes_per_second", .optional(f.averageBytesPerSecond)),
          ("peak_bytes_per_second", .optional(f.peakBytesPerSecond)),
          ("peak_by_issue_bytes_per_second", .optional(f.peakByIssueBytesPerSecond)),
          ("window_seconds", .double(Double(f.windowNanoseconds) / 1e9)),
          ("window_rule", .string(f.windowReason.rawValue)),
          ("peak_is_average", .bool(f.peakIsAverage)),
          ("peak_by_issue_is_average", .bool(f.peakByIssueIsAverage)),
          ("span_ns", .number(f.spanNanoseconds)),
          ("from_completions", .bool(f.bandwidthFromCompletions)),
        ])
      ),
      ("latency_ns", TraceAnalysis.latencyJSON(f.latency)),
      ("queue_to_complete_ns", TraceAnalysis.latencyJSON(f.queueLatency)),
      (
        "request_sizes",
        .array(f.sizes.nonEmptyBuckets.map { .object([("min_bytes", .number($0.lowerBound)), ("count", .number($0.count))]) })
      ),
      // Exact, nearest rank (not from the buckets), so a paper can quote them.
      ("request_size_median_bytes", .optional(f.sizes.medianBytes)),
      ("request_size_p90_bytes", .optional(f.sizes.p90Bytes)),
      ("first_time_ns", .optional(f.firstTimeNanoseconds)),
      ("last_time_ns", .optional(f.lastTimeNanoseconds)),
      ("errors", .number(f.errors)),
    ]
  }
}
