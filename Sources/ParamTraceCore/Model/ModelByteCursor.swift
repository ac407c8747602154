/// Why a parser stopped early: the prefix ran out (read more) or the file is bad.
enum ModelParseStop: Error {
  case needMore(UInt64)
  case failed(ModelFileError)
}

extension ModelReadStep {
  /// Runs a format's `parse` over `prefix`: a header that goes past the prefix becomes
  /// `.needMoreBytes`, anything wrong with it a thrown `ModelFileError`.
  static func parsing(
    _ prefix: UnsafeRawBufferPointer, fileSize: UInt64, source: String, limits: ModelReadLimits,
    _ parse: (inout ModelByteCursor) throws(ModelParseStop) -> ModelMap
  ) throws(ModelFileError) -> ModelReadStep {
    var cursor = ModelByteCursor(bytes: prefix, fileSize: fileSize, source: source, limits: limits)
    do throws(ModelParseStop) {
      return .done(try parse(&cursor))
    } catch {
      switch error {
      case .needMore(let count): return .needMoreBytes(count)
      case .failed(let failure): throw failure
      }
    }
  }

  /// `read` over the bytes of an array (the readers' convenience overloads).
  static func withBytes(
    _ prefix: [UInt8], _ read: (UnsafeRawBufferPointer) throws(ModelFileError) -> ModelReadStep
  ) throws(ModelFileError) -> ModelReadStep {
    let result = prefix.withUnsafeBytes { bytes in Result { () throws(ModelFileError) in try read(bytes) } }
    return try result.get()
  }
}

/// Reads little- or big-endian fields from a file prefix, checking every length against both
/// the prefix (ask for more) and the real file size (damaged file).
struct ModelByteCursor {
  let bytes: UnsafeRawBufferPointer
  /// Bytes usable: the prefix, but never past the file's end.
  let available: Int
  let fileSize: UInt64
  let source: String
  let limits: ModelReadLimits
  var bigEndian = false
  var position = 0

  init(bytes: UnsafeRawBufferPointer, fileSize: UInt64, source: String, limits: ModelReadLimits) {
    self.bytes = bytes
    self.fileSize = fileSize
    self.available = Int(min(UInt64(bytes.count), fileSize))
    self.source = source
    self.limits = limits
  }

  /// Bytes of the file after the cursor.
  var remainingInFile: UInt64 { fileSize - UInt64(position) }

  func error(_ reason: ModelFileError.Reason, at offset: Int? = nil) -> ModelParseStop {
    .failed(ModelFileError(reason, source: source, byteOffset: UInt64(offset ?? position)))
  }

  /// Makes sure `count` bytes after the cursor are in the prefix.
  func require(_ count: UInt64, _ what: @autoclosure () -> String) throws(ModelParseStop) {
    let (end, overflow) = UInt64(position).addingReportingOverflow(count)
    guard !overflow, end <= fileSize else {
      throw error(.pastEndOfFile(what: what(), end: overflow ? UInt64.max : end))
    }
    guard end <= UInt64(available) else {
      guard end <= limits.maxHeaderBytes else { throw error(.headerTooLarge(size: end, limit: limits.maxHeaderBytes)) }
      throw .needMore(end)
    }
  }

  mutating func skip(_ count: UInt64, _ what: @autoclosure () -> String) throws(ModelParseStop) {
    try require(count, what())
    position += Int(count)
  }

  mutating func u8(_ what: @autoclosure () -> String) throws(ModelParseStop) -> UInt8 {
    try require(1, what())
    defer { position += 1 }
    return bytes[position]
  }

  mutating func u16(_ what: @autoclosure () -> String) throws(ModelParseStop) -> UInt16 {
    try require(2, what())
    defer { position += 2 }
    let raw = bytes.loadUnaligned(fromByteOffset: position, as: UInt16.self)
    return bigEndian ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw)
  }

  mutating func u32(_ what: @autoclosure () -> String) throws(ModelParseStop) -> UInt32 {
    try require(4, what())
    defer { position += 4 }
    let raw = bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)
    return bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
  }

  mutating func u64(_ what: @autoclosure () -> String) throws(ModelParseStop) -> UInt64 {
    try require(8, what())
    defer { position += 8 }
    let raw = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
    return bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)
  }

  /// `count` raw bytes after the cursor, which must already be checked with `require`.
  func slice(_ count: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
  }
}
