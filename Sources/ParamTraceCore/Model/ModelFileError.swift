/// A model file (GGUF or safetensors) whose header cannot be trusted: what is wrong, at which
/// byte of the file, and what to do.
public struct ModelFileError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Reason: Hashable, Sendable {
    /// Neither the GGUF magic nor a safetensors header.
    case unknownFormat
    /// A GGUF version other than 2 and 3 (1 is the Aug 2023 layout with u32 counts).
    case unsupportedGGUFVersion(UInt32)
    /// `what` would end at byte `end`, past the end of the file.
    case pastEndOfFile(what: String, end: UInt64)
    /// A count (`what`) larger than the bytes left in the file could hold (`limit`).
    case countTooLarge(what: String, count: UInt64, limit: UInt64)
    /// The header would be larger than the reader's limit.
    case headerTooLarge(size: UInt64, limit: UInt64)
    /// A GGUF metadata value type id outside 0–12.
    case badValueType(UInt32)
    /// Arrays nested deeper than the reader allows.
    case nestingTooDeep(limit: Int)
    /// A key or tensor name that is not UTF-8.
    case invalidUTF8(what: String)
    /// A key or name longer than the format allows.
    case nameTooLong(what: String, length: UInt64, limit: UInt64)
    /// The same metadata key twice.
    case duplicateKey(String)
    /// The same tensor name twice.
    case duplicateTensor(String)
    /// `general.alignment` that is not an integer power of two and a multiple of 8.
    case badAlignment(String)
    /// A ggml type id this reader does not know.
    case unknownTensorType(id: UInt32, tensor: String)
    /// A ggml type id that was removed from ggml and has no trustworthy size.
    case removedTensorType(id: UInt32, name: String, tensor: String)
    /// More than 4 dimensions (GGML_MAX_DIMS).
    case tooManyDimensions(count: UInt32, tensor: String)
    /// The dimensions' product, or the byte size, overflows a 64-bit signed integer.
    case dimensionsOverflow(tensor: String)
    /// `ne[0]` is not a multiple of the type's block size.
    case rowNotDivisible(tensor: String, ne0: UInt64, type: String, blockSize: UInt64)
    /// A GGUF tensor offset that is not a multiple of the alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: UInt64)
    /// A tensor whose data would end past the end of the file.
    case tensorPastEndOfFile(tensor: String, end: UInt64, fileSize: UInt64)
    /// Two tensors share bytes.
    case overlappingTensors(tensor: String, other: String)
    /// A safetensors header that is not the JSON the format requires; the text says why.
    case badSafetensorsHeader(String)
    /// A safetensors tensor entry that is wrong; the text says why.
    case badSafetensorsTensor(tensor: String, String)
    /// safetensors data that is not covered exactly once by the tensors.
    case safetensorsCoverage(String)
  }

  public var reason: Reason
  /// The file's name as the user gave it.
  public var source: String
  /// Byte offset in the file of the field or entry that is wrong.
  public var byteOffset: UInt64

  public init(_ reason: Reason, source: String = "", byteOffset: UInt64) {
    self.reason = reason
    self.source = source
    self.byteOffset = byteOffset
  }

  public var description: String {
    let place = "\(source.isEmpty ? "" : source + ": ")byte \(byteOffset)"
    let damaged = "The file is damaged or not what it claims to be; download or convert it again."
    return switch reason {
    case .unknownFormat:
      "\(place): not a model file paramtrace reads (GGUF starts with \"GGUF\"; safetensors with an 8-byte header length and '{'). Pass a .gguf or .safetensors file."
    case .unsupportedGGUFVersion(let version):
      version == 1
        ? "\(place): GGUF version 1 (Aug 2023, 32-bit counts) is not supported, as in llama.cpp. Convert the model again with a current llama.cpp."
        : "\(place): GGUF version \(version) is not supported (2 and 3 are). Update paramtrace, or check that this is a GGUF file."
    case .pastEndOfFile(let what, let end):
      "\(place): \(what) would end at byte \(end), past the end of the file. Was the file cut short? \(damaged)"
    case .countTooLarge(let what, let count, let limit):
      "\(place): \(what) is \(count), but the rest of the file can hold at most \(limit). \(damaged)"
    case .headerTooLarge(let size, let limit):
      "\(place): the header needs at least \(size) bytes, more than the \(limit) this reader accepts. \(damaged)"
    case .badValueType(let type):
      "\(place): metadata value type \(type) is not a GGUF type (0–12). \(damaged)"
    case .nestingTooDeep(let limit):
      "\(place): metadata arrays nested more than \(limit) deep. \(damaged)"
    case .invalidUTF8(let what):
      "\(place): \(what) is not valid UTF-8. \(damaged)"
    case .nameTooLong(let what, let length, let limit):
      "\(place): \(what) is \(length) bytes long, more than \(limit). \(damaged)"
    case .duplicateKey(let key):
      "\(place): metadata key \"\(key)\" appears twice. \(damaged)"
    case .duplicateTensor(let name):
      "\(place): tensor \"\(name)\" appears twice. \(damaged)"
    case .badAlignment(let value):
      "\(place): general.alignment is \(value); it must be an integer power of two and a multiple of 8. \(damaged)"
    case .unknownTensorType(let id, let tensor):
      "\(place): tensor \"\(tensor)\" has ggml type \(id), which this paramtrace does not know (it knows 0–3, 6–35, 39–41). Update paramtrace if ggml added type \(id)."
    case .removedTensorType(let id, let name, let tensor):
      "\(place): tensor \"\(tensor)\" has ggml type \(id) (\(name)), which ggml removed; its size is unknown. Convert the model again with a current llama.cpp."
    case .tooManyDimensions(let count, let tensor):
      "\(place): tensor \"\(tensor)\" has \(count) dimensions; GGUF allows at most 4. \(damaged)"
    case .dimensionsOverflow(let tensor):
      "\(place): tensor \"\(tensor)\" has dimensions whose product overflows 64 bits. \(damaged)"
    case .rowNotDivisible(let tensor, let ne0, let type, let blockSize):
      "\(place): tensor \"\(tensor)\" has rows of \(ne0) elements, not a multiple of \(type)'s block of \(blockSize). \(damaged)"
    case .misalignedTensor(let tensor, let offset, let alignment):
      "\(place): tensor \"\(tensor)\" starts at data offset \(offset), not a multiple of the alignment \(alignment). \(damaged)"
    case .tensorPastEndOfFile(let tensor, let end, let fileSize):
      "\(place): tensor \"\(tensor)\" would end at byte \(end), past the end of the \(fileSize)-byte file. Was the file cut short? \(damaged)"
    case .overlappingTensors(let tensor, let other):
      "\(place): tensor \"\(tensor)\" overlaps tensor \"\(other)\". \(damaged)"
    case .badSafetensorsHeader(let why):
      "\(place): bad safetensors header: \(why). \(damaged)"
    case .badSafetensorsTensor(let tensor, let why):
      "\(place): safetensors tensor \"\(tensor)\": \(why). \(damaged)"
    case .safetensorsCoverage(let why):
      "\(place): safetensors data is not covered exactly once by the tensors: \(why). \(damaged)"
    }
  }
}
