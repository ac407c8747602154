import ParamTraceCore

/// Where `synth --like` takes a layout from: a catalog entry by name, or the header of a GGUF
/// file on disk (only its header is read).
public enum SynthSource {
  /// A layout and where it came from.
  public struct Resolved: Sendable {
    public var spec: GGUFFileSpec
    /// The catalog entry, when `like` named one.
    public var entry: ModelCatalogEntry?
    /// For a file: tensors whose offsets the copy places differently (normally none).
    public var differingOffsets: [String]
  }

  /// Resolves `like`: a catalog name (with or without `.gguf`) first, else a file path.
  ///
  /// - Throws: `SynthSourceError` (neither), `FileAccessError`, `ModelFileError`,
  ///   `GGUFFileSpec.CopyError`, `GGUFWriteError`.
  public static func resolve(_ like: String) throws -> Resolved {
    if let entry = ModelCatalog.entry(named: like) {
      return Resolved(spec: entry.fileSpec, entry: entry, differingOffsets: [])
    }
    let (map, header): (ModelMap, [UInt8])
    do {
      (map, header) = try readHeader(like)
    } catch let error as FileAccessError where error.errno == .noSuchFileOrDirectory {
      throw SynthSourceError(like: like)
    }
    if ModelFiles.announcedSplitCount(map) != nil { return try resolveSplit(like) }
    let spec = try GGUFFileSpec(copying: map, header: header)
    let layout = try GGUFWriter.layout(spec)
    return Resolved(spec: spec, entry: nil, differingOffsets: GGUFFileSpec.differingOffsets(layout, spec, map))
  }

  /// A split model as one file: the first split's metadata without the `split.*` keys, and the
  /// tensors of every split in order (`--split-max-size` splits the twin again).
  static func resolveSplit(_ like: String) throws -> Resolved {
    let files = try ModelFileSet.open(like)
    var spec = try GGUFFileSpec(copying: files.first.map, header: try readHeader(files.first.path).1)
    for part in files.parts.dropFirst() {
      spec.tensors += try GGUFFileSpec(copying: part.map, header: try readHeader(part.path).1).tensors
    }
    let splitKeys: Set = [ModelFiles.SplitKey.number, ModelFiles.SplitKey.count, ModelFiles.SplitKey.tensorCount]
    spec.metadata.removeAll { splitKeys.contains($0.key) }
    return Resolved(spec: spec, entry: nil, differingOffsets: [])
  }

  /// The layout of the model file at `path` and its header's bytes (up to the data start).
  static func readHeader(_ path: String) throws -> (ModelMap, [UInt8]) {
    let reader = try FilePrefixReader(path: path)
    let map = try ModelFileReader.read(fileSize: reader.size, source: path) { count in try reader.readPrefix(count: count) }
    return (map, try reader.readPrefix(count: map.dataStart))
  }
}

/// `--like` named neither a catalog entry nor a file.
public struct SynthSourceError: Error, CustomStringConvertible, Sendable {
  public var like: String
  public var description: String {
    "\(like): no such file and no catalog entry of that name. Known: " + ModelCatalog.all.map(\.name).joined(separator: ", ")
      + " (paramtrace synth --list describes them)."
  }
}
