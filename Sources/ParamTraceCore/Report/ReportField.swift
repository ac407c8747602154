/// One value of a report cell: typed, so CSV and JSON never mix types within a column.
public enum ReportValue: Sendable, Hashable {
  case integer(Int64)
  case real(Double)
  case text(String)
  case absent

  /// The value as a Double, for statistics and plots.
  public var number: Double? {
    switch self {
    case .integer(let value): Double(value)
    case .real(let value): value
    default: nil
    }
  }
}

/// A column of the machine-readable report (CSV and JSON): a snake_case name with its unit,
/// its type, and how to read it from a row.
public struct ReportField: Sendable {
  /// The value type: integers stay integers (bytes, counts, nanoseconds); rates, ratios and
  /// percentages are reals; names are text.
  public enum Kind: Sendable, Hashable {
    case integer, real, text
  }

  /// CSV column and JSON key, with the unit: `bytes_read`, `inference_s`, `latency_p99_ns`.
  public var key: String
  /// Integer, real or text.
  public var kind: Kind
  /// True for measured numbers, which get a median and a spread over repetitions.
  public var isMeasurement: Bool
  /// Reads the column's value from a row.
  public var value: @Sendable (ExperimentSummary) -> ReportValue

  init(_ key: String, _ kind: Kind, measurement: Bool = false, _ value: @escaping @Sendable (ExperimentSummary) -> ReportValue) {
    self.key = key
    self.kind = kind
    isMeasurement = measurement
    self.value = value
  }

  /// The columns, in the order of the notebook's table, then the corrected figures.
  public static let all: [ReportField] = [
    ReportField("experiment", .text) { .text($0.experiment) },
    ReportField("label", .text) { .text($0.label) },
    ReportField("repetition", .integer) { integer($0.repetition) },
    ReportField("status", .text) { .text($0.status.rawValue) },
    ReportField("memory_kind", .text) { .text($0.memoryKind.rawValue) },
    ReportField("memory_requested_bytes", .integer) { integer($0.requestedBytes) },
    ReportField("memory_achieved_bytes", .integer) { integer($0.achievedBytes) },
    ReportField("budget_pressure", .text) { text($0.budgetPressure?.verdict.rawValue) },
    ReportField("memory_peak_bytes", .integer, measurement: true) { integer($0.budgetPressure?.peakBytes) },
    ReportField("memory_limit_hits", .integer, measurement: true) { integer($0.budgetPressure?.limitHits) },
    ReportField("pid_filter_tasks", .integer) { integer($0.ownerTasks) },
    ReportField("sector_filter_file", .text) { text($0.sectorFilterFile) },
    ReportField("sector_filter_extents", .integer) { integer($0.sectorFilterExtents) },
    ReportField("inference_s", .real, measurement: true) { real($0.inferenceSeconds) },
    ReportField("inference_source", .text) { $0.inferenceSeconds == nil ? .absent : .text($0.inferenceIsWallTime ? "wall" : "llama_total") },
    ReportField("load_s", .real, measurement: true) { real($0.loadSeconds) },
    ReportField("wall_s", .real, measurement: true) { real($0.wallSeconds) },
    ReportField("tokens_per_s", .real, measurement: true) { real($0.tokensPerSecond) },
    ReportField("operations", .integer, measurement: true) { integer($0.operations) },
    ReportField("bytes_read", .integer, measurement: true) { integer($0.bytes) },
    ReportField("sequential_pct", .real, measurement: true) { real($0.sequentialPercent) },
    ReportField("backward_pct", .real, measurement: true) { real($0.backwardPercent) },
    ReportField("page_cache_delta_bytes", .integer, measurement: true) { $0.pageCacheDeltaBytes.map { .integer($0) } ?? .absent },
    ReportField("unique_bytes", .integer, measurement: true) { integer($0.uniqueBytes) },
    ReportField("reread_factor", .real, measurement: true) { real($0.rereadFactor) },
    ReportField("decode_reread_factor", .real, measurement: true) { real($0.decodeRereadFactor) },
    ReportField("decode_bytes", .integer, measurement: true) { integer($0.decodeBytes) },
    ReportField("decode_passes", .integer, measurement: true) { integer($0.decodePasses) },
    ReportField("decode_reread_per_pass", .real, measurement: true) { real($0.decodeSharePerPass) },
    ReportField("cliff_verdict", .text) { text($0.cliffVerdict?.rawValue) },
    ReportField("logical_sequential_pct", .real, measurement: true) { real($0.logicalSequentialPercent) },
    ReportField("avg_bandwidth_bytes_per_s", .real, measurement: true) { real($0.averageBytesPerSecond) },
    ReportField("peak_bandwidth_bytes_per_s", .real, measurement: true) { real($0.peakBytesPerSecond) },
    ReportField("latency_p99_ns", .integer, measurement: true) { integer($0.latencyP99Nanoseconds) },
    ReportField("request_size_median_bytes", .integer, measurement: true) { integer($0.requestSizeMedianBytes) },
    ReportField("request_size_p90_bytes", .integer, measurement: true) { integer($0.requestSizeP90Bytes) },
    ReportField("lost_events", .integer, measurement: true) { integer($0.lostEvents) },
    ReportField("load_mode", .text) { text($0.loadMode) },
    ReportField("model_files", .integer) { integer($0.modelFiles) },
    ReportField("experts_per_layer_per_token", .real, measurement: true) { real($0.experts?.perLayerPerToken) },
    ReportField("expert_reuse_pct", .real, measurement: true) { real($0.experts?.reusePercent) },
    ReportField("hot10_expert_share_pct", .real, measurement: true) { real($0.experts?.hotTenPercent) },
    ReportField("expert_bytes_per_token", .real, measurement: true) { real($0.experts?.expertBytesPerToken) },
    ReportField("dense_bytes_per_token", .real, measurement: true) { real($0.experts?.denseBytesPerToken) },
    ReportField("expert_readahead_pct", .real, measurement: true) { real($0.experts?.readaheadPercent) },
    ReportField("error", .text) { text($0.error) },
  ]

  /// The measured columns (median and spread over repetitions).
  public static var measurements: [ReportField] { all.filter(\.isMeasurement) }

  /// The column named `key`.
  public static func named(_ key: String) -> ReportField? { all.first { $0.key == key } }

  private static func integer<T: BinaryInteger>(_ value: T?) -> ReportValue {
    guard let value, let exact = Int64(exactly: value) else { return .absent }
    return .integer(exact)
  }

  private static func real(_ value: Double?) -> ReportValue {
    guard let value, value.isFinite else { return .absent }
    return .real(value)
  }

  private static func text(_ value: String?) -> ReportValue { value.map { .text($0) } ?? .absent }
}
