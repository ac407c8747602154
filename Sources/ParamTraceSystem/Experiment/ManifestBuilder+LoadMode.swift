import Glibc
import ParamTraceCore

extension ManifestBuilder {
  /// `load_mode`: llama.cpp's load mode as its command line and environment asked for it and
  /// as its log reports it (`effective`: the log's word, else the request, else `auto`).
  static func loadModeJSON(configuration: ExperimentConfiguration, workload: WorkloadResult?) -> JSONValue {
    let output = workload.flatMap { try? readWholeFile($0.outputPath, limit: 64 << 20) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
    var environment: [String: String] = [:]
    for name in ["LLAMA_ARG_LOAD_MODE", "LLAMA_ARG_NO_MMAP"] {
      if let value = getenv(name) { environment[name] = String(cString: value) }
    }
    let mode = LlamaLoadMode(arguments: configuration.command, environment: environment, output: output)
    return .object([
      ("effective", .string(mode.effective)),
      ("requested", mode.requested.map { .string($0) } ?? .null),
      ("requested_by", mode.requestedBy.map { .string($0) } ?? .null),
      ("reported_by_log", mode.reported.map { .string($0) } ?? .null),
    ])
  }
}
