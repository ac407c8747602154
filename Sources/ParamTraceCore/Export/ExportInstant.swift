/// A moment of the run worth a line across every track of a trace viewer: a trace marker, the
/// load/decode boundary, the workload's start and end, llama.cpp's phases.
public struct ExportInstant: Sendable, Hashable {
  /// Time on the trace's clock, in nanoseconds.
  public var time: UInt64
  /// What happened, as the viewer labels it.
  public var name: String
  /// Where the time comes from, or why it is only an estimate.
  public var detail: String

  public init(time: UInt64, name: String, detail: String) {
    self.time = time
    self.name = name
    self.detail = detail
  }

  /// The workload's start and exit and llama.cpp's phases, from an experiment's manifest.json
  /// (`workload.start_monotonic_ns`, the trace's clock, and the timing lines in `timings`).
  ///
  /// llama.cpp prints only durations: its load time counts from the workload's start; the
  /// prompt and eval phases are placed one after the other from the load's end, which ignores
  /// the short gaps between them (context creation, sampling), so they are marked as estimates.
  public static func workloadPhases(manifest: ParsedJSON) -> [ExportInstant] {
    guard let start = manifest[path: "workload", "start_monotonic_ns"]?.uint64 else { return [] }
    var instants = [ExportInstant(time: start, name: "workload starts", detail: "record started the workload (manifest.json)")]
    func milliseconds(_ key: String) -> UInt64? {
      guard let value = manifest[path: "timings", key]?.double, value >= 0, value.isFinite else { return nil }
      return UInt64(value * 1e6)
    }
    if let load = milliseconds("load_ms") {
      var at = start + load
      instants.append(ExportInstant(time: at, name: "llama.cpp load ends", detail: "llama.cpp's load time after the workload started"))
      let estimate = "estimated: llama.cpp's phase durations laid end to end from the load's end"
      if let prompt = milliseconds("prompt_eval_ms") {
        at += prompt
        let tokens = manifest[path: "timings", "prompt_tokens"]?.int.map { " (\($0) tokens)" } ?? ""
        instants.append(ExportInstant(time: at, name: "llama.cpp prompt eval ends\(tokens)", detail: estimate))
      }
      if let eval = milliseconds("eval_ms") {
        at += eval
        let tokens = manifest[path: "timings", "eval_tokens"]?.int.map { " (\($0) tokens)" } ?? ""
        instants.append(ExportInstant(time: at, name: "llama.cpp eval ends\(tokens)", detail: estimate))
      }
    }
    if let end = manifest[path: "workload", "end_monotonic_ns"]?.uint64, end >= start {
      instants.append(ExportInstant(time: end, name: "workload exits", detail: "record saw the workload exit (manifest.json)"))
    }
    return instants
  }
}
