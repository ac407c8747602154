extension GGUFFileSpec {
  /// Why a file's layout cannot be copied.
  public struct CopyError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
  }

  /// The layout of an existing GGUF file (`synth --like FILE.gguf`): its version, every
  /// metadata value byte for byte (the vocabulary included), and its tensors' names, shapes and
  /// types in file order. `header` holds at least the file's first `map.dataStart` bytes.
  ///
  /// The copy's tensor offsets follow llama.cpp's placement rule; for a file written by
  /// llama.cpp or gguf-py they equal the original's (`differingOffsets` lists any that do not).
  public init(copying map: ModelMap, header: [UInt8]) throws(CopyError) {
    guard map.format == .gguf, let version = map.version else {
      throw CopyError(message: "not a GGUF file: synth copies GGUF layouts only.")
    }
    guard map.byteOrder == .little else {
      throw CopyError(message: "a big-endian GGUF: synth writes little-endian files only.")
    }
    let metadata: [GGUFMetadataPair]
    do throws(GGUFMetadataScanner.ScanError) {
      metadata = try GGUFMetadataScanner.scan(header: header)
    } catch {
      throw CopyError(message: error.description)
    }
    var tensors: [GGUFTensorSpec] = []
    for tensor in map.tensors {
      guard let type = GGMLType.all.first(where: { $0.name == tensor.typeName }) else {
        throw CopyError(message: "tensor \"\(tensor.name)\": type \(tensor.typeName) is not a ggml type this tool knows.")
      }
      tensors.append(GGUFTensorSpec(name: tensor.name, ne: tensor.shape, type: type))
    }
    self.init(version: UInt32(version), metadata: metadata, tensors: tensors)
  }

  /// Names of the tensors whose offset in `layout` differs from their offset in `map`.
  public static func differingOffsets(_ layout: GGUFLayout, _ spec: GGUFFileSpec, _ map: ModelMap) -> [String] {
    var original: [String: UInt64] = [:]
    for tensor in map.tensors { original[tensor.name] = tensor.fileOffset }
    return spec.tensors.indices.compactMap { index in
      original[spec.tensors[index].name] == layout.fileOffset(ofTensor: index) ? nil : spec.tensors[index].name
    }
  }
}
