/// How llama.cpp loaded the model (spec §11): `auto`, `none`, `mmap`, `mlock`, `mmap+mlock` or
/// `dio`, as asked on its command line (every spelling since 2023) or in its environment, and
/// as it reports it in its log. Recorded with each experiment, because the load mode decides
/// how the weights are read: page faults on a mapping (mmap, read again when evicted) or
/// read(2) into anonymous memory once (none, dio; decode then reads nothing from the file).
public struct LlamaLoadMode: Sendable, Hashable {
  /// The mode asked for, nil when the command line and environment say nothing (llama.cpp's
  /// default: `auto` since PR 26081, mmap before).
  public var requested: String?
  /// The words that asked for it (`--load-mode dio`, `--no-mmap --mlock`, `LLAMA_ARG_LOAD_MODE=none`).
  public var requestedBy: String?
  /// The mode llama.cpp's log line says it used (`load_tensors: … (load_mode = mmap)`; older
  /// builds print `(mmap = true)` or `(mmap = true, direct_io = false)`).
  public var reported: String?

  /// What was in effect: reported, else requested, else the default.
  public var effective: String { reported ?? requested ?? "auto" }

  /// Every mode llama.cpp knows.
  public static let modes = ["auto", "none", "mmap", "mlock", "mmap+mlock", "dio"]

  public init(requested: String? = nil, requestedBy: String? = nil, reported: String? = nil) {
    self.requested = requested
    self.requestedBy = requestedBy
    self.reported = reported
  }

  /// The mode `arguments` (the workload's command, program first) and `environment` ask for,
  /// and `output` (its log) reports. The last spelling on the command line wins, as in
  /// llama.cpp's argument parser; the environment counts only when the command says nothing.
  public init(arguments: [String], environment: [String: String] = [:], output: String = "") {
    var mmap: Bool?
    var mlock = false
    var directIO: Bool?
    var explicit: String?
    var words: [String] = []
    var index = 1
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      switch argument {
      case "-lm", "--load-mode":
        guard index < arguments.count else { continue }
        explicit = arguments[index]
        words = [argument, arguments[index]]
        index += 1
      case _ where argument.hasPrefix("--load-mode="):
        explicit = String(argument.dropFirst("--load-mode=".count))
        words = [argument]
      case "--no-mmap":
        mmap = false
        words.append(argument)
      case "--mmap":
        mmap = true
        words.append(argument)
      case "--mlock":
        mlock = true
        words.append(argument)
      case "-dio", "--direct-io":
        directIO = true
        words.append(argument)
      case "-ndio", "--no-direct-io":
        directIO = false
        words.append(argument)
      default: continue
      }
    }
    if let explicit {
      requested = explicit
    } else if directIO == true {
      requested = "dio"
    } else if mmap != nil || mlock {
      let mapped = mmap ?? true
      requested = mlock ? (mapped ? "mmap+mlock" : "mlock") : (mapped ? "mmap" : "none")
    }
    if requested != nil {
      requestedBy = words.joined(separator: " ")
    } else if let value = environment["LLAMA_ARG_LOAD_MODE"] {
      requested = value
      requestedBy = "LLAMA_ARG_LOAD_MODE=\(value)"
    } else if let value = environment["LLAMA_ARG_NO_MMAP"], !value.isEmpty, value != "0", value != "false" {
      requested = "none"
      requestedBy = "LLAMA_ARG_NO_MMAP=\(value)"
    }
    reported = Self.reportedMode(in: output)
  }

  /// The mode in llama.cpp's `loading model tensors` log line, if it printed one.
  static func reportedMode(in output: String) -> String? {
    for line in output.split(separator: "\n") where line.contains("loading model tensors") {
      if let mode = value(after: "load_mode = ", in: line) { return mode }
      if let mmap = value(after: "mmap = ", in: line) {
        if value(after: "direct_io = ", in: line) == "true" { return "dio" }
        return mmap == "true" ? "mmap" : "none"
      }
    }
    return nil
  }

  private static func value(after key: String, in line: Substring) -> String? {
    guard let range = line.firstRange(of: key) else { return nil }
    let value = line[range.upperBound...].prefix { $0 != ")" && $0 != "," && $0 != " " }
    return value.isEmpty ? nil : String(value)
  }
}
