extension ModelLayout {
  /// The layout of a parsed GGUF or safetensors file.
  public init(_ map: ModelMap, path: String? = nil) {
    self.init(
      path: path, fileSize: map.fileSize, dataStart: map.dataStart,
      tensors: map.tensors.map {
        Tensor(name: $0.name, start: $0.fileOffset, end: $0.fileEnd, layer: $0.layer, expertCount: $0.expertCount)
      })
  }

  /// The layout of a model in one or several files, laid end to end in their order, each
  /// starting on a page (`ModelFiles.starts(ofSizes:)`).
  public init(_ files: ModelFiles) {
    var parts: [Part] = []
    var tensors: [Tensor] = []
    let starts = ModelFiles.starts(ofSizes: files.parts.map(\.map.fileSize))
    for (index, file) in files.parts.enumerated() {
      let start = starts[index]
      parts.append(Part(path: file.path, start: start, size: file.map.fileSize, dataStart: file.map.dataStart))
      for tensor in file.map.tensors {
        tensors.append(
          Tensor(
            name: tensor.name, start: start + tensor.fileOffset, end: start + tensor.fileEnd, layer: tensor.layer,
            expertCount: tensor.expertCount, part: index))
      }
    }
    self.init(parts: parts, tensors: tensors)
  }
}
