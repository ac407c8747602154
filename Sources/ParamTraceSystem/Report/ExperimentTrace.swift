import ParamTraceCore

/// The trace an experiment directory holds, as its manifest.json names it: the trace files,
/// then the task-event file when `record` kept task events apart (the `blk` tracer), and the
/// format to open them with.
public struct ExperimentTrace: Sendable, Hashable {
  /// Paths to open, trace files first.
  public var files: [String]
  /// The recording's format, or nil (detected per file) when a task file of another format
  /// comes with it.
  public var format: TraceFormat?

  /// Finds the files the manifest names in `directory` (so a moved or copied directory reads
  /// its own trace), else where the manifest says.
  ///
  /// - Throws: `ReportInputError` saying which file is missing, in words a plot can show.
  public static func locate(manifest: ParsedJSON, directory: String) throws(ReportInputError) -> ExperimentTrace {
    let listed = (manifest[path: "trace", "files"]?.array ?? []).compactMap(\.string)
    guard !listed.isEmpty else { throw ReportInputError("the manifest names no trace file") }
    var files: [String] = []
    for file in listed {
      guard let found = resolve(file, in: directory) else {
        throw ReportInputError("trace file \(ReportInputs.basename(file)) not found in \(directory)")
      }
      files.append(found)
    }
    var format = manifest[path: "trace", "format"]?.string.flatMap(TraceFormat.init(rawValue:))
    if let taskFile = manifest[path: "trace", "task_file"]?.string {
      guard let found = resolve(taskFile, in: directory) else {
        throw ReportInputError("task-event file \(ReportInputs.basename(taskFile)) not found in \(directory)")
      }
      files.append(found)
      format = nil
    }
    return ExperimentTrace(files: files, format: format)
  }

  /// Opens the files for one pass.
  public func open(strict: Bool = false, countedOnly: BlockActionSet) throws -> any EventBatchSource {
    try TraceInputs.open(paths: files, format: format, strict: strict, countedOnly: countedOnly)
  }

  /// The file of that name in the experiment directory, else `file` as the manifest names it;
  /// blktrace's `NAME` stands for `NAME.blktrace.N`.
  static func resolve(_ file: String, in directory: String) -> String? {
    func present(_ path: String) -> Bool { ReportInputs.exists(path) || ReportInputs.exists(path + ".blktrace.0") }
    let local = directory + "/" + ReportInputs.basename(file)
    if present(local) { return local }
    if file.hasPrefix("/"), present(file) { return file }
    if !file.hasPrefix("/"), present(directory + "/" + file) { return directory + "/" + file }
    return nil
  }
}
