import Glibc
import ParamTraceCore

/// Facts about the machine an experiment ran on, for the manifest.
enum ExperimentEnvironment {
  static func kernel() -> JSONValue {
    var names = utsname()
    uname(&names)
    func field<T>(_ value: T) -> String {
      withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
    return .object([
      ("sysname", .string(field(names.sysname))), ("release", .string(field(names.release))),
      ("version", .string(field(names.version))), ("machine", .string(field(names.machine))),
    ])
  }

  static func cpuCount() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

  /// First line of a small kernel file, trimmed; nil when unreadable.
  static func firstLine(_ path: String) -> String? {
    guard let bytes = try? readWholeFile(path, limit: 1 << 16) else { return nil }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init)
  }

  /// `[none] mq-deadline` → `mq-deadline`, the selected scheduler.
  static func selectedScheduler(_ line: String?) -> String? {
    guard let line else { return nil }
    if let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"), open < close {
      return String(line[line.index(after: open)..<close])
    }
    return line
  }
}
