import ParamTraceCore

/// What `export` reads besides the trace: an experiment directory's documents, the model file
/// its manifest names, and the files a fio log should name.
public enum ExportInputs {
  /// An experiment directory (`record --out DIR`): its documents and trace.
  public struct Experiment {
    public var directory: String
    public var manifest: ParsedJSON
    public var analysis: ParsedJSON?
    public var trace: ExperimentTrace
  }

  /// The experiment at `path`, or nil when `path` is not a directory with a manifest.json.
  ///
  /// - Throws: `ReportInputError` when the manifest is unreadable or its trace is missing.
  public static func experiment(at path: String) throws -> Experiment? {
    let directory = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    guard ReportInputs.isDirectory(directory), isRegularFile(directory + "/manifest.json") else { return nil }
    guard let manifest = (try? readWholeFile(directory + "/manifest.json")).flatMap(ParsedJSON.parse) else {
      throw ReportInputError("\(directory)/manifest.json is not readable JSON. Was the recording cut short? Record it again.")
    }
    let analysis = (try? readWholeFile(directory + "/analysis.json")).flatMap(ParsedJSON.parse)
    let trace: ExperimentTrace
    do { trace = try ExperimentTrace.locate(manifest: manifest, directory: directory) } catch {
      throw ReportInputError("\(directory): \(error.description). Copy the trace files back into the directory.")
    }
    return Experiment(directory: directory, manifest: manifest, analysis: analysis, trace: trace)
  }

  /// The model file the manifest names, where it can be opened from here: as written
  /// (absolute, or relative to this directory), else beside the experiment. Nil when absent.
  public static func modelPath(of experiment: Experiment) -> String? {
    guard let path = experiment.manifest[path: "model", "path"]?.string, !path.isEmpty else { return nil }
    if isRegularFile(path) { return path }
    let beside = experiment.directory + "/" + ReportInputs.basename(path)
    return isRegularFile(beside) ? beside : nil
  }

  /// The last component of `path` (a model's name for its process in the viewer).
  public static func fileName(_ path: String) -> String { ReportInputs.basename(path) }

  /// The traced disk's name (`vda`) when the manifest names it for `device`.
  public static func diskName(_ device: DeviceNumber, in experiment: Experiment?) -> String? {
    guard let experiment, let traced = experiment.manifest[path: "environment", "traced_disk"]?.string.flatMap(DeviceNumber.init(parsing:)),
      traced == device
    else { return nil }
    return experiment.manifest[path: "environment", "disk_name"]?.string
  }

  /// The files a fio log reads from, in the model's address space: the model's files with a
  /// model, else the files of the extents documents (`extentFiles`, one each), else the one
  /// file the extents describe. `rename` puts another name in the log: a file (one target) or
  /// a directory holding files of the same names (several).
  ///
  /// - Throws: `ReportInputError` when a name cannot be read by fio's parser.
  public static func fioTargets(model: ModelLayout?, extentFiles: [FileExtentMap], extents: FileExtentMap, rename: String?) throws
    -> [FioIologWriter.Target]
  {
    var targets: [FioIologWriter.Target]
    if let model {
      targets = model.parts.map { FioIologWriter.Target(path: $0.path ?? "model", start: $0.start, size: $0.size) }
    } else if extentFiles.count > 1 {
      let starts = ModelFiles.starts(ofSizes: extentFiles.map(\.fileSize))
      targets = zip(extentFiles, starts).map { FioIologWriter.Target(path: $0.path ?? "model", start: $1, size: $0.fileSize) }
    } else {
      targets = [FioIologWriter.Target(path: extents.path ?? "model", start: 0, size: extents.contentSize)]
    }
    if let rename {
      for index in targets.indices {
        targets[index].path = targets.count == 1 ? rename : rename + "/" + ReportInputs.basename(targets[index].path)
      }
    }
    for target in targets {
      if let problem = FioIologWriter.problem(withPath: target.path) {
        throw ReportInputError("fio log: \(problem). Name a copy of the model with --fio-target PATH.")
      }
    }
    return targets
  }
}
