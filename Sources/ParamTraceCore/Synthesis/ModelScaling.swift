/// Shrinks a GGUF layout for quick experiments (`synth --scale F`) so that real llama.cpp still
/// loads it: llama.cpp checks every tensor's shape against the hyperparameters, so the
/// hyperparameters shrink with the tensors instead of the tensors alone.
///
/// With w = √F, each width shrinks by w, so every matrix (n_embd × n_embd, n_embd × n_ff,
/// n_embd × n_vocab) and the file shrink by about F:
/// - n_embd → round_up(n_embd·w, B), B = the largest block of the file's types (256 with any
///   k-quant, 32 for MXFP4/Q8_0 files such as gpt-oss), times head_dim × n_head/n_head_kv when
///   n_embd = n_head × head_dim (llama): whole blocks for every quantized type, head_dim and
///   the GQA ratio unchanged (n_head and n_head_kv shrink by the same factor;
///   rope.dimension_count stays head_dim). When n_embd ≠ n_head × head_dim (gpt-oss, Qwen3
///   MoE) the heads shrink by w on their own, in whole GQA groups, and `attn_sinks` (one value
///   per head) with them;
/// - n_ff (and expert_feed_forward_length) → round_up(n_ff·w, B);
/// - n_vocab → max(512, round(n_vocab·w)), with a placeholder SentencePiece vocabulary of that
///   size replacing every `tokenizer.ggml.*` key (BPE merges and special-token ids of the old
///   vocabulary would not fit it);
/// - layer count, expert counts, tensor names, order and types are kept; each dimension equal
///   to one of the widths above is replaced by the new width, other dimensions are kept.
public enum ModelScaling {
  /// Why a layout cannot be scaled.
  public struct ScalingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
  }

  /// One width that changed, for the report.
  public struct Change: Sendable, Hashable {
    public var key: String
    public var from: Int
    public var to: Int
  }

  /// `spec` shrunk by `factor` (0 < factor ≤ 1; 1 returns it unchanged) and what changed.
  public static func scaled(_ spec: GGUFFileSpec, by factor: Double) throws(ScalingError) -> (GGUFFileSpec, [Change]) {
    guard factor > 0, factor <= 1 else { throw ScalingError(message: "--scale \(factor): give a factor in (0, 1], e.g. 0.25.") }
    if factor == 1 { return (spec, []) }
    guard let arch = spec.value("general.architecture").flatMap(stringValue) else {
      throw ScalingError(message: "no general.architecture: --scale needs the architecture keys to shrink consistently.")
    }
    func integer(_ suffix: String) -> Int? { spec.value("\(arch).\(suffix)")?.integer }
    guard let embedding = integer("embedding_length"), let heads = integer("attention.head_count"), heads > 0 else {
      throw ScalingError(
        message: "\(arch).embedding_length or \(arch).attention.head_count is missing or per-layer: --scale supports only fixed widths.")
    }
    let kvHeads = spec.value("\(arch).attention.head_count_kv") == nil ? heads : (integer("attention.head_count_kv") ?? -1)
    guard kvHeads > 0, heads % kvHeads == 0 else {
      throw ScalingError(message: "\(arch).attention.head_count_kv is per-layer or does not divide head_count: cannot scale.")
    }
    let headDim = integer("attention.key_length") ?? embedding / heads
    let valueDim = integer("attention.value_length") ?? headDim
    let group = heads / kvHeads
    let width = factor.squareRoot()

    var changes: [Change] = []
    var dimensionMap: [UInt64: UInt64] = [:]
    var conflict: String?
    func map(_ from: Int, _ to: Int, _ what: String) {
      guard from > 0, from != to else { return }
      if let existing = dimensionMap[UInt64(from)], existing != UInt64(to) {
        conflict = "two widths of \(from) would shrink differently (\(what))"
      }
      dimensionMap[UInt64(from)] = UInt64(to)
    }
    var result = spec

    // Heads shrink with n_embd when n_embd = n_head × head_dim (llama and most others).
    // Whole blocks of the widest block type present (256 when there is none to go by).
    let block = spec.tensors.filter { $0.type.blockSize > 1 }.map { Int($0.type.blockSize) }.max() ?? 256
    let headsFollowEmbedding = embedding == heads * headDim
    let step = headsFollowEmbedding ? lcm(block, headDim * group) : block
    let newEmbedding = max(step, roundUp(Double(embedding) * width, step))
    let newHeads = headsFollowEmbedding ? newEmbedding / headDim : max(group, roundUp(Double(heads) * width, group))
    let newKVHeads = newHeads / group
    map(embedding, newEmbedding, "embedding_length")
    map(heads * headDim, newHeads * headDim, "query width")
    map(kvHeads * headDim, newKVHeads * headDim, "key width")
    map(kvHeads * valueDim, newKVHeads * valueDim, "value width")
    result.set("\(arch).embedding_length", spec.value("\(arch).embedding_length")!.replacingInteger(with: newEmbedding))
    changes.append(Change(key: "\(arch).embedding_length", from: embedding, to: newEmbedding))
    if newHeads != heads {
      result.set("\(arch).attention.head_count", spec.value("\(arch).attention.head_count")!.replacingInteger(with: newHeads))
      changes.append(Change(key: "\(arch).attention.head_count", from: heads, to: newHeads))
      if let value = spec.value("\(arch).attention.head_count_kv") {
        result.set("\(arch).attention.head_count_kv", value.replacingInteger(with: newKVHeads))
        changes.append(Change(key: "\(arch).attention.head_count_kv", from: kvHeads, to: newKVHeads))
      }
    }
    for suffix in ["feed_forward_length", "expert_feed_forward_length", "expert_shared_feed_forward_length"] {
      guard let value = spec.value("\(arch).\(suffix)") else { continue }
      guard let length = value.integer else {
        throw ScalingError(message: "\(arch).\(suffix) is per-layer (an array): --scale supports only fixed widths.")
      }
      let newLength = max(block, roundUp(Double(length) * width, block))
      map(length, newLength, suffix)
      result.set("\(arch).\(suffix)", value.replacingInteger(with: newLength))
      changes.append(Change(key: "\(arch).\(suffix)", from: length, to: newLength))
    }

    // The vocabulary: from the token list, else vocab_size, else token_embd's rows.
    let vocabulary =
      spec.value("tokenizer.ggml.tokens")?.arrayCount ?? integer("vocab_size")
      ?? spec.tensors.first { $0.name == "token_embd.weight" }.flatMap { $0.ne.count > 1 ? Int($0.ne[1]) : nil }
    if let vocabulary {
      let newVocabulary = max(512, Int((Double(vocabulary) * width).rounded()))
      map(vocabulary, newVocabulary, "vocabulary")
      changes.append(Change(key: "tokenizer.ggml.tokens (count)", from: vocabulary, to: newVocabulary))
      if let value = spec.value("\(arch).vocab_size") { result.set("\(arch).vocab_size", value.replacingInteger(with: newVocabulary)) }
      result.metadata = replacingTokenizer(result.metadata, with: ModelPlaceholderVocabulary(count: newVocabulary).metadata)
    }
    if let conflict { throw ScalingError(message: "cannot scale: \(conflict).") }

    result.tensors = spec.tensors.map { tensor in
      var scaled = tensor
      scaled.ne = tensor.ne.map { dimensionMap[$0] ?? $0 }
      // Attention sinks: one per query head (gpt-oss).
      if tensor.name.hasSuffix(".attn_sinks.weight"), tensor.ne == [UInt64(heads)] { scaled.ne = [UInt64(newHeads)] }
      return scaled
    }
    return (result, changes.filter { $0.from != $0.to })
  }

  /// `metadata` with every `tokenizer.ggml.*` key removed and `replacement` put where the first
  /// one was (at the end when there was none).
  static func replacingTokenizer(_ metadata: [GGUFMetadataPair], with replacement: [GGUFMetadataPair]) -> [GGUFMetadataPair] {
    let first = metadata.firstIndex { $0.key.hasPrefix("tokenizer.ggml.") }
    var kept = metadata.filter { !$0.key.hasPrefix("tokenizer.ggml.") }
    let position = first.map { index in metadata[..<index].filter { !$0.key.hasPrefix("tokenizer.ggml.") }.count } ?? kept.count
    kept.insert(contentsOf: replacement, at: position)
    return kept
  }

  private static func stringValue(_ value: GGUFValue) -> String? {
    switch value {
    case .string(let text): return text
    case .encoded(.string, let bytes) where bytes.count >= 8: return String(decoding: bytes.dropFirst(8), as: UTF8.self)
    default: return nil
    }
  }

  private static func roundUp(_ value: Double, _ step: Int) -> Int {
    Int((value / Double(step)).rounded(.up)) * step
  }

  private static func lcm(_ a: Int, _ b: Int) -> Int {
    guard a > 0, b > 0 else { return max(a, b, 1) }
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return a / x * b
  }
}
