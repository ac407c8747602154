import ParamTraceCore

/// Finds and reads the files of a model from what the user named (spec §11): a GGUF or
/// safetensors file, any split of a GGUF model (the others found by llama.cpp's naming rule
/// and checked against their `split.*` keys), a safetensors index JSON, or a directory holding
/// one of these. Reads only the headers.
public enum ModelFileSet {
  /// The model's files with their headers.
  ///
  /// - Throws: `ModelFilesError` (missing or mismatched files), `ModelFileError` (a damaged
  ///   header), `FileAccessError`.
  public static func open(_ path: String) throws -> ModelFiles {
    if let names = directoryEntryNames(path) { return try open(try chooseInDirectory(path, names)) }
    if path.hasSuffix(".json") { return try openIndex(path) }
    let map = try readHeader(path)
    // A file that says it is the only split (split.count = 1) is a single file, whatever its name.
    guard let announced = ModelFiles.announcedSplitCount(map), announced > 1 else { return ModelFiles(path: path, map: map) }
    guard let name = GGUFSplitName(path: path) else {
      throw ModelFilesError(
        "\(path): \(ModelFiles.SplitKey.count) = \(announced), but the name does not follow llama.cpp's rule <prefix>-%05d-of-%05d.gguf, by which the other splits are found. Rename the splits as gguf-split wrote them.")
    }
    var parts: [ModelFiles.Part] = []
    for number in 1...max(1, name.count) {
      let splitPath = name.path(ofSplit: number)
      if number == name.number {
        parts.append(.init(path: splitPath, map: map))
        continue
      }
      guard isRegularFile(splitPath) else {
        throw ModelFilesError(
          "\(splitPath): missing. \(path) is split \(name.number) of \(name.count) (\(ModelFiles.SplitKey.count) = \(announced)), and llama.cpp needs every split beside it. Copy the missing split there.")
      }
      parts.append(.init(path: splitPath, map: try readHeader(splitPath)))
    }
    return try ModelFiles.checkedSplit(parts, name: name)
  }

  /// The extents of every file, laid end to end as `ModelLayout(files)` lays them.
  ///
  /// - Throws: `FileExtentsError`, `ExtentMapError`.
  public static func extents(_ files: ModelFiles) throws -> (map: FileExtentMap, details: [FileExtentDetails]) {
    var maps: [FileExtentMap] = []
    var details: [FileExtentDetails] = []
    for part in files.parts {
      let resolved = try FileExtents.resolve(path: part.path)
      maps.append(resolved.map)
      details.append(resolved.details)
    }
    return (try FileExtentMap(concatenating: maps), details)
  }

  private static func readHeader(_ path: String) throws -> ModelMap {
    let reader = try FilePrefixReader(path: path)
    return try ModelFileReader.read(fileSize: reader.size, source: path) { count in try reader.readPrefix(count: count) }
  }

  private static func openIndex(_ indexPath: String) throws -> ModelFiles {
    let index = try SafetensorsIndex(try readWholeFile(indexPath, limit: 64 << 20), source: indexPath)
    let directory = indexPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    var parts: [ModelFiles.Part] = []
    for shard in index.shards {
      let shardPath = directory.isEmpty ? shard : directory + "/" + shard
      guard isRegularFile(shardPath) else {
        throw ModelFilesError(
          "\(indexPath): weight_map names the shard \(shard), but \(shardPath) is missing. Copy every shard of the model beside its index.")
      }
      parts.append(.init(path: shardPath, map: try readHeader(shardPath)))
    }
    return try index.checked(parts, indexPath: indexPath)
  }

  /// The model file in a directory: its safetensors index, the first split of a GGUF, or its
  /// only GGUF or safetensors file.
  private static func chooseInDirectory(_ directory: String, _ names: [String]) throws -> String {
    let base = directory.hasSuffix("/") ? directory : directory + "/"
    let indexes = names.filter { $0.hasSuffix(".safetensors.index.json") }
    let firstSplits = names.filter { GGUFSplitName(path: $0)?.number == 1 }
    let ggufs = names.filter { $0.hasSuffix(".gguf") && GGUFSplitName(path: $0) == nil }
    let safetensors = names.filter { $0.hasSuffix(".safetensors") }
    let candidates =
      !indexes.isEmpty ? indexes : !firstSplits.isEmpty ? firstSplits : !ggufs.isEmpty ? ggufs : safetensors.count == 1 ? safetensors : []
    guard candidates.count == 1 else {
      let found = candidates.isEmpty ? "no model file (.gguf, first split -00001-of-N.gguf, .safetensors.index.json, or one .safetensors)" : candidates.joined(separator: ", ")
      throw ModelFilesError("\(directory): holds \(found). Name the model file itself.")
    }
    return base + candidates[0]
  }

  private static func isRegularFile(_ path: String) -> Bool {
    (try? FilePrefixReader(path: path)) != nil
  }
}
