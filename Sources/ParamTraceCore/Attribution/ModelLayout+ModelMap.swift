extension ModelLayout {
  /// The layout of a parsed GGUF or safetensors file.
  public init(_ map: ModelMap, path: String? = nil) {
    self.init(
      path: path, fileSize: map.fileSize, dataStart: map.dataStart,
      tensors: map.tensors.map {
        Tensor(name: $0.name, start: $0.fileOffset, end: $0.fileEnd, layer: $0.layer, expertCount: $0.expertCount)
      })
  }
}
