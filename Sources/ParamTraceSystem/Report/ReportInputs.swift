import Glibc
import ParamTraceCore

/// One experiment directory named on `report`'s command line, directly or through a sweep.
public struct ReportEntry: Sendable {
  /// The directory's path.
  public var directory: String
  /// Its name (the row's name).
  public var name: String
  /// The sweep's label and repetition, when it came from `sweep.json`.
  public var label: String?
  public var repetition: Int?
  /// The status and error the sweep recorded.
  public var sweepStatus: ExperimentSummary.Status?
  public var sweepError: String?
  /// The memory configuration the sweep asked for (used when the run left no manifest).
  public var sweepKind: ExperimentSummary.MemoryKind?
  public var sweepBytes: UInt64?
  /// The run's values of the sweep's other axes (used when the manifest has none).
  public var sweepAxes: [SweepAxisValue] = []
}

/// An experiment read from disk: its row and the documents the plots need.
public struct LoadedExperiment: Sendable {
  /// Where it came from.
  public var entry: ReportEntry
  /// Its row of the table.
  public var summary: ExperimentSummary
  /// Its documents, nil when missing or unreadable.
  public var manifest: ParsedJSON?
  public var analysis: ParsedJSON?
}

/// What a sweep decided by (`sweep.json`), so its report judges the cliff as the sweep did.
public struct SweepFindings: Sendable, Hashable {
  /// The sweep's `--thrash-share`.
  public var thrashShareThreshold: Double?
}

/// A directory that holds no experiment, or a document that cannot be read.
public struct ReportInputError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// Finds experiment directories and reads them for `paramtrace report`.
public enum ReportInputs {
  /// The experiments that `paths` name, in order: each path is an experiment directory
  /// (with manifest.json), a sweep directory (with sweep.json: its runs in its order, failed
  /// ones included), or a directory holding such directories one level down (sorted by name,
  /// numbers compared as numbers).
  ///
  /// - Throws: `ReportInputError` for a path that is missing, not a directory, or holds no
  ///   experiment.
  public static func discover(_ paths: [String]) throws -> (entries: [ReportEntry], findings: SweepFindings?) {
    var entries: [ReportEntry] = []
    var findings: SweepFindings?
    for path in paths {
      let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
      guard isDirectory(trimmed) else {
        throw ReportInputError(
          exists(trimmed)
            ? "\(path) is not a directory. Name an experiment directory (written by `paramtrace record --out DIR`) or a sweep directory."
            : "\(path): no such directory.")
      }
      if exists(trimmed + "/sweep.json") {
        let sweep = try sweepEntries(trimmed)
        entries += sweep.entries
        findings = findings ?? sweep.findings
      } else if exists(trimmed + "/manifest.json") {
        entries.append(ReportEntry(directory: trimmed, name: basename(trimmed)))
      } else {
        var found: [ReportEntry] = []
        for child in subdirectories(trimmed) {
          let full = trimmed + "/" + child
          if exists(full + "/sweep.json") {
            let sweep = try sweepEntries(full)
            found += sweep.entries
            findings = findings ?? sweep.findings
          } else if exists(full + "/manifest.json") {
            found.append(ReportEntry(directory: full, name: child))
          }
        }
        guard !found.isEmpty else {
          throw ReportInputError(
            "\(path) holds no experiment: no manifest.json or sweep.json in it or in the directories one level down. Record one with `paramtrace record --out DIR -- COMMAND` or `paramtrace sweep`.")
        }
        entries += found
      }
    }
    return (entries, findings)
  }

  static func sweepEntries(_ directory: String) throws -> (entries: [ReportEntry], findings: SweepFindings?) {
    let path = directory + "/sweep.json"
    guard let document = ParsedJSON.parse(try readWholeFile(path)), document["format"]?.string == "paramtrace-sweep" else {
      throw ReportInputError("\(path): not a paramtrace sweep file (format \"paramtrace-sweep\"). Was it written by `paramtrace sweep`?")
    }
    guard (document["version"]?.int ?? 0) <= 1 else {
      throw ReportInputError("\(path): sweep format version \(document["version"]?.int ?? 0) is newer than this paramtrace reads (1). Update paramtrace.")
    }
    var kinds: [String: (ExperimentSummary.MemoryKind, UInt64?)] = [:]
    for configuration in document["configurations"]?.array ?? [] {
      guard let label = configuration["label"]?.string else { continue }
      kinds[label] = (memoryKind(configuration["kind"]?.string), configuration["bytes"]?.uint64)
    }
    var entries: [ReportEntry] = []
    for run in document["runs"]?.array ?? [] {
      guard let name = run["directory"]?.string else { continue }
      let label = run["label"]?.string
      var entry = ReportEntry(directory: name.hasPrefix("/") ? name : directory + "/" + name, name: basename(name), label: label)
      entry.repetition = run["repetition"]?.int
      entry.sweepStatus = run["status"]?.string.flatMap(ExperimentSummary.Status.init(rawValue:))
      entry.sweepError = run["error"]?.string
      let configured = (run["memory_label"]?.string ?? label).flatMap { kinds[$0] }
      entry.sweepKind = run["kind"]?.string.map(memoryKind) ?? configured?.0
      entry.sweepBytes = run["bytes"]?.uint64 ?? configured?.1
      for (axis, value) in run["axes"]?.members ?? [] {
        if let text = value.string { entry.sweepAxes.append(SweepAxisValue(name: axis, value: text)) }
      }
      entries.append(entry)
    }
    // The cliff itself is judged again from the runs (by the same rule), so only the
    // threshold is taken; sweeps before issue 11 kept it inside `cliff` only.
    let threshold = document["thrash_share_threshold"]?.double ?? document[path: "cliff", "thrash_share_threshold"]?.double
    return (entries, threshold.map { SweepFindings(thrashShareThreshold: $0) })
  }

  static func memoryKind(_ text: String?) -> ExperimentSummary.MemoryKind {
    switch text {
    case "budget", "cgroup": .budget
    case "lock": .lock
    default: .none
    }
  }

  /// Reads an entry's manifest.json and analysis.json into its row. A missing manifest makes
  /// a failed row (unless the sweep said otherwise); an unreadable one says why.
  public static func load(_ entry: ReportEntry) -> LoadedExperiment {
    var problem: String?
    var manifest: ParsedJSON?
    if exists(entry.directory + "/manifest.json") {
      manifest = (try? readWholeFile(entry.directory + "/manifest.json")).flatMap(ParsedJSON.parse)
      if manifest == nil { problem = "manifest.json is not readable JSON" }
    } else if !isDirectory(entry.directory) {
      problem = "no directory \(entry.directory)"
    }
    let analysis = exists(entry.directory + "/analysis.json") ? (try? readWholeFile(entry.directory + "/analysis.json")).flatMap(ParsedJSON.parse) : nil
    var status = entry.sweepStatus
    if problem != nil, status == .ok { status = .failed }
    var summary = ExperimentSummary(
      experiment: entry.name, label: entry.label, repetition: entry.repetition, manifest: manifest, analysis: analysis, sweepStatus: status,
      error: entry.sweepError ?? problem)
    if summary.axes.isEmpty { summary.axes = entry.sweepAxes }
    if manifest == nil, let kind = entry.sweepKind {
      summary.memoryKind = kind
      summary.requestedBytes = entry.sweepBytes
    }
    return LoadedExperiment(entry: entry, summary: summary, manifest: manifest, analysis: analysis)
  }

  // MARK: - Files

  static func exists(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0
  }

  static func isDirectory(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
  }

  static func basename(_ path: String) -> String {
    let parts = path.split(separator: "/")
    return parts.last.map(String.init) ?? path
  }

  /// Names of the subdirectories, sorted with numbers compared as numbers (r2 before r10).
  static func subdirectories(_ path: String) -> [String] {
    (directoryEntryNames(path) ?? []).filter { !$0.hasPrefix(".") && isDirectory(path + "/" + $0) }.sorted(by: naturalOrder)
  }

  /// `a` before `b`, runs of digits compared by value.
  static func naturalOrder(_ a: String, _ b: String) -> Bool {
    func chunks(_ text: String) -> [(isNumber: Bool, text: String)] {
      var out: [(Bool, String)] = []
      for character in text {
        let digit = character.isASCII && character.isNumber
        if let last = out.last, last.0 == digit {
          out[out.count - 1].1.append(character)
        } else {
          out.append((digit, String(character)))
        }
      }
      return out
    }
    let left = chunks(a)
    let right = chunks(b)
    for (x, y) in zip(left, right) where x.text != y.text {
      if x.isNumber, y.isNumber {
        let xs = x.text.drop { $0 == "0" }
        let ys = y.text.drop { $0 == "0" }
        if xs.count != ys.count { return xs.count < ys.count }
        if xs != ys { return xs < ys }
        continue
      }
      return x.text < y.text
    }
    return left.count != right.count ? left.count < right.count : a < b
  }
}
