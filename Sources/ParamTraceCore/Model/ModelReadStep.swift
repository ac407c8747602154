/// The result of reading a model header from a prefix of the file.
public enum ModelReadStep: Sendable, Hashable {
  /// The header was complete in the prefix.
  case done(ModelMap)
  /// The prefix ends inside the header: read at least this many bytes from the start of the
  /// file (never more than the file's size) and call again. Reading more than asked (for
  /// example doubling) saves calls, since the header's size is not known in advance.
  case needMoreBytes(UInt64)
}

/// Limits that keep a damaged or hostile header from making the reader allocate or read much.
public struct ModelReadLimits: Sendable, Hashable {
  /// Largest header (everything before the data section) accepted, in bytes. Real headers are
  /// a few MB (llama-2-7b: 741,056 B; 256k-token vocabularies: ~10 MB).
  public var maxHeaderBytes: UInt64 = 256 << 20
  /// Deepest nesting of GGUF metadata arrays.
  public var maxArrayNesting = 8

  public init() {}
}

/// Reads a model header from the first bytes of a file: `GGUFReader`, `SafetensorsReader`, or
/// `ModelFileReader` for either.
public protocol ModelHeaderReader {
  /// Reads the header from `prefix`, the first bytes of a file of `fileSize` bytes.
  static func read(
    prefix: UnsafeRawBufferPointer, fileSize: UInt64, source: String, limits: ModelReadLimits
  ) throws(ModelFileError) -> ModelReadStep
}

extension ModelHeaderReader {
  /// Reads the header from `prefix`, the first bytes of a file of `fileSize` bytes.
  public static func read(
    prefix: [UInt8], fileSize: UInt64, source: String = "", limits: ModelReadLimits = ModelReadLimits()
  ) throws(ModelFileError) -> ModelReadStep {
    try .withBytes(prefix) { bytes throws(ModelFileError) in
      try read(prefix: bytes, fileSize: fileSize, source: source, limits: limits)
    }
  }
}

extension GGUFReader: ModelHeaderReader {}
extension SafetensorsReader: ModelHeaderReader {}
extension ModelFileReader: ModelHeaderReader {}
