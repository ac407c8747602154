import ParamTraceCore
import SystemPackage

/// The files of a raw ring-buffer recording (`record --drain raw`): one per CPU, `NAME.cpuN`,
/// beside the event layouts `NAME.formats` they need. A recording handed to larger rings
/// mid-run continues in `NAME.s1.cpuN` (with `NAME.s1.formats`), `NAME.s2.…`.
enum RawTraceFiles {
  /// `NAME.cpu0`, `.cpu1`, … and the handoff's later sets `NAME.s1.cpu0`, … when `path` is a
  /// stem `NAME` that does not exist but has them.
  static func members(ofStem path: String) -> [String] {
    guard exists(path + ".formats") else { return [] }
    var members: [String] = []
    var stem = path
    var segment = 0
    while exists(stem + ".formats") {
      var cpu = 0
      while exists("\(stem).cpu\(cpu)") {
        members.append("\(stem).cpu\(cpu)")
        cpu += 1
      }
      segment += 1
      stem = "\(path).s\(segment)"
    }
    return members
  }

  /// The stem of the handoff's set `segment` of a recording whose first set is `stem`.
  static func segmentStem(_ stem: String, _ segment: Int) -> String { segment == 0 ? stem : "\(stem).s\(segment)" }

  /// For `NAME.cpuN`: the formats file `NAME.formats` (when it exists) and N.
  static func formatsPath(forCPUFile file: String) -> (formats: String, cpu: UInt16)? {
    guard let dot = file.lastIndex(of: "."), file[dot...].hasPrefix(".cpu"),
      let cpu = UInt16(file[file.index(dot, offsetBy: 4)...])
    else { return nil }
    let formats = String(file[..<dot]) + ".formats"
    return exists(formats) ? (formats, cpu) : nil
  }

  /// The parsed layouts of `path`, with the error a user can act on.
  static func formats(at path: String) throws -> FtraceRawFormats {
    let bytes = try readWholeFile(path, limit: 16 << 20)
    do { return try FtraceRawFormats(parsing: String(decoding: bytes, as: UTF8.self)) } catch {
      throw TraceInputError(.rawFormats(error.description), path: path)
    }
  }

  private static func exists(_ path: String) -> Bool { (try? FilePath(path).stat()) != nil }
}
