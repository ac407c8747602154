/// A SentencePiece-like vocabulary of placeholder tokens, shaped like Llama's: `<unk>`, `<s>`,
/// `</s>`, the 256 byte tokens `<0x00>`…`<0xFF>` (llama.cpp looks up `<0x0A>` for the newline
/// and byte tokens for byte fallback), then distinct lowercase placeholders.
///
/// Only the total length of the token text changes the header's size (scores and types are
/// fixed-size arrays), so `textBytes` sets it exactly: the placeholders get lengths of ⌊m⌋ and
/// ⌊m⌋+1 bytes, the longer ones first, where m is the mean that makes the total come out.
public struct ModelPlaceholderVocabulary: Sendable, Hashable {
  /// Tokens before the placeholders: 3 special tokens and 256 byte tokens.
  public static let fixedTokenCount = 259
  /// Text bytes of the fixed tokens: "<unk>" "<s>" "</s>" (12) + 256 × "<0xXX>" (6 each).
  public static let fixedTextBytes = 12 + 256 * 6
  /// Placeholder length when no total is asked for (Llama's vocabulary averages ~6.6 bytes).
  public static let defaultPlaceholderBytes = 6

  /// Number of tokens.
  public var count: Int
  /// Total bytes of all token strings.
  public var textBytes: Int

  /// A vocabulary of `count` tokens (at least 260) whose strings total `textBytes` bytes; nil
  /// means `defaultPlaceholderBytes` per placeholder.
  public init(count: Int, textBytes: Int? = nil) {
    self.count = max(count, Self.fixedTokenCount + 1)
    let placeholders = self.count - Self.fixedTokenCount
    let wanted = textBytes ?? (Self.fixedTextBytes + placeholders * Self.defaultPlaceholderBytes)
    // At 4+ bytes the placeholders stay distinct for up to 26^4 = 456,976 of them (see
    // `placeholder`), so the mean is clamped to at least 4.
    self.textBytes = max(wanted, Self.fixedTextBytes + placeholders * 4)
  }

  /// The token strings.
  public var tokens: [String] {
    var result: [String] = ["<unk>", "<s>", "</s>"]
    result.reserveCapacity(count)
    let hex: [Character] = Array("0123456789ABCDEF")
    for byte in 0..<256 { result.append("<0x\(hex[byte >> 4])\(hex[byte & 15])>") }
    let placeholders = count - Self.fixedTokenCount
    let budget = textBytes - Self.fixedTextBytes
    let short = budget / placeholders
    let longCount = budget - short * placeholders
    for index in 0..<placeholders {
      result.append(Self.placeholder(index, length: index < longCount ? short + 1 : short))
    }
    return result
  }

  /// `count` scores: 0 for special and byte tokens, then −1, −2, … as SentencePiece ranks merges.
  public var scores: [Float] {
    (0..<count).map { $0 < Self.fixedTokenCount ? 0 : -Float($0 - Self.fixedTokenCount + 1) }
  }

  /// `count` token types (spec §6.5): 2 unknown, 3 control, 6 byte, 1 normal.
  public var tokenTypes: [Int32] {
    (0..<count).map { index in
      switch index {
      case 0: 2
      case 1, 2: 3
      case 3..<Self.fixedTokenCount: 6
      default: 1
      }
    }
  }

  /// The tokenizer KVs llama.cpp needs for a SentencePiece vocabulary, in the order TheBloke's
  /// Llama-2 files have them: model, tokens, scores, token_type, bos, eos, unknown ids.
  public var metadata: [GGUFMetadataPair] {
    [
      GGUFMetadataPair("tokenizer.ggml.model", .string("llama")),
      GGUFMetadataPair("tokenizer.ggml.tokens", .strings(tokens)),
      GGUFMetadataPair("tokenizer.ggml.scores", .float32s(scores)),
      GGUFMetadataPair("tokenizer.ggml.token_type", .int32s(tokenTypes)),
      GGUFMetadataPair("tokenizer.ggml.bos_token_id", .uint32(1)),
      GGUFMetadataPair("tokenizer.ggml.eos_token_id", .uint32(2)),
      GGUFMetadataPair("tokenizer.ggml.unknown_token_id", .uint32(0)),
    ]
  }

  /// Placeholder `index` written in base 26 (`a`…`z`), left-padded with `a` to `length`
  /// characters. Distinct for distinct indices of one length while index < 26^length.
  static func placeholder(_ index: Int, length: Int) -> String {
    var digits: [UInt8] = []
    var value = index
    repeat {
      digits.append(UInt8(0x61 + value % 26))
      value /= 26
    } while value > 0
    while digits.count < length { digits.append(0x61) }
    return String(decoding: digits.reversed(), as: UTF8.self)
  }
}
