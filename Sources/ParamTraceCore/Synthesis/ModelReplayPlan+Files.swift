extension ModelReplayPlan {
  /// The plan of a model in one or several GGUF files, with every step's `fileOffset` in the
  /// model's address space (the files at `ModelFiles.starts(ofSizes:)`), where `ModelReplay`
  /// maps each file; the hyperparameters come from the first file, which holds the metadata.
  public init(files: ModelFiles) throws(PlanError) {
    guard files.parts.count > 1 else {
      try self.init(map: files.first.map)
      return
    }
    let starts = ModelFiles.starts(ofSizes: files.parts.map(\.map.fileSize))
    var tensors: [ModelTensor] = []
    for (part, start) in zip(files.parts, starts) {
      for var tensor in part.map.tensors {
        tensor.fileOffset += start
        tensors.append(tensor)
      }
    }
    let first = files.first.map
    let combined = ModelMap(
      format: first.format, version: first.version, byteOrder: first.byteOrder, fileSize: starts.last! + files.parts.last!.map.fileSize,
      dataStart: first.dataStart, alignment: first.alignment, metadata: first.metadata, architecture: first.architecture, tensors: tensors)
    try self.init(map: combined)
  }
}
