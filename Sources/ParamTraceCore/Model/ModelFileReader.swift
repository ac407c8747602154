/// Reads the header of a model file of either format, detected from its first bytes: the
/// magic "GGUF", or a safetensors header length followed by `{`.
public enum ModelFileReader {
  /// Bytes needed to tell the formats apart.
  public static let detectionLength: UInt64 = 9

  /// The format of a file starting with `prefix` (at least `detectionLength` bytes, or the
  /// whole file when it is shorter); nil when it is neither.
  public static func detect(_ prefix: UnsafeRawBufferPointer, fileSize: UInt64) -> ModelMap.Format? {
    if prefix.count >= 4, prefix.prefix(4).elementsEqual(GGUFReader.magic) { return .gguf }
    if SafetensorsReader.looksLikeSafetensors(prefix, fileSize: fileSize) { return .safetensors }
    return nil
  }

  /// Reads the header from `prefix`, the first bytes of a file of `fileSize` bytes; answers
  /// `.needMoreBytes(n)` until the prefix holds the whole header.
  public static func read(
    prefix: UnsafeRawBufferPointer, fileSize: UInt64, source: String = "", limits: ModelReadLimits = ModelReadLimits()
  ) throws(ModelFileError) -> ModelReadStep {
    let needed = min(detectionLength, fileSize)
    guard UInt64(prefix.count) >= needed else { return .needMoreBytes(needed) }
    switch detect(prefix, fileSize: fileSize) {
    case .gguf: return try GGUFReader.read(prefix: prefix, fileSize: fileSize, source: source, limits: limits)
    case .safetensors: return try SafetensorsReader.read(prefix: prefix, fileSize: fileSize, source: source, limits: limits)
    case nil: throw ModelFileError(.unknownFormat, source: source, byteOffset: 0)
    }
  }

  /// Reads a whole header by calling `readPrefix(count)` for growing prefixes of the file
  /// (starting at `initialPrefix` bytes and at least doubling), so that only the header is
  /// read, never the tensor data. `readPrefix` returns the first `count` bytes of the file.
  ///
  /// - Throws: what `readPrefix` throws, or `ModelFileError`.
  public static func read(
    fileSize: UInt64, source: String = "", initialPrefix: UInt64 = 1 << 20, limits: ModelReadLimits = ModelReadLimits(),
    readPrefix: (UInt64) throws -> [UInt8]
  ) throws -> ModelMap {
    var count = min(max(initialPrefix, detectionLength), fileSize)
    while true {
      let prefix = try readPrefix(count)
      switch try read(prefix: prefix, fileSize: fileSize, source: source, limits: limits) {
      case .done(let map): return map
      case .needMoreBytes(let needed):
        let next = min(max(needed, min(count * 2, limits.maxHeaderBytes)), fileSize)
        // The readers only ask for bytes inside the file; a short read means the file shrank.
        guard next > UInt64(prefix.count) else {
          throw ModelFileError(.pastEndOfFile(what: "the header", end: needed), source: source, byteOffset: UInt64(prefix.count))
        }
        count = next
      }
    }
  }
}
