/// A mixture-of-experts GGUF as its publisher wrote it: hyperparameters, the type of every tensor,
/// the tensor order and the architecture's keys, with a placeholder vocabulary (spec §11).
///
/// Experts are stacked (`blk.N.ffn_{gate,up,down}_exps.weight`, ne `[.., .., n_expert]`), so
/// expert e of a tensor is the contiguous slice `[e·size/n, (e+1)·size/n)` of its data, which
/// is what `replay` reads for the experts a token is routed to. The router
/// (`ffn_gate_inp.weight`, `[n_embd, n_expert]`) stays F32, as llama-quantize leaves it.
public struct ModelMoERecipe: Sendable, Hashable {
  /// The architecture and the publisher's type mix.
  public enum Family: String, Sendable, Hashable {
    /// OpenAI's gpt-oss in ggml-org's MXFP4 file: experts MXFP4 (as released), attention,
    /// embeddings and output Q8_0, vectors, biases and the router F32; attention sinks; biases
    /// on attention, router and every expert.
    case gptOss = "gpt-oss"
    /// Qwen3 MoE quantized by llama-quantize to Q4_K_M: q/k norms per head, no biases.
    case qwen3moe
  }

  public var family: Family
  /// `general.name`.
  public var generalName: String
  /// n_layer.
  public var layers: Int
  /// n_embd.
  public var embedding: Int
  /// `feed_forward_length`: the dense n_ff key (no tensor uses it in these models).
  public var feedForward: Int
  /// `expert_feed_forward_length`: rows of each expert's gate and up matrices.
  public var expertFeedForward: Int
  /// n_expert.
  public var experts: Int
  /// Experts chosen per token (top-k).
  public var expertsUsed: Int
  /// n_head and n_head_kv.
  public var heads: Int
  public var kvHeads: Int
  /// `attention.key_length` = `value_length`: head_dim, not n_embd / n_head in these models.
  public var headDimension: Int
  /// Tokens: rows of token_embd and output.
  public var vocabulary: Int
  public var contextLength: Int
  public var rmsEpsilon: Float
  public var ropeFrequencyBase: Float
  /// `general.file_type` (llama_ftype): 15 Q4_K_M, 38 MXFP4_MOE.
  public var fileTypeID: UInt32

  public init(
    family: Family, generalName: String, layers: Int, embedding: Int, feedForward: Int, expertFeedForward: Int, experts: Int,
    expertsUsed: Int, heads: Int, kvHeads: Int, headDimension: Int, vocabulary: Int, contextLength: Int, rmsEpsilon: Float,
    ropeFrequencyBase: Float, fileTypeID: UInt32
  ) {
    self.family = family
    self.generalName = generalName
    self.layers = layers
    self.embedding = embedding
    self.feedForward = feedForward
    self.expertFeedForward = expertFeedForward
    self.experts = experts
    self.expertsUsed = expertsUsed
    self.heads = heads
    self.kvHeads = kvHeads
    self.headDimension = headDimension
    self.vocabulary = vocabulary
    self.contextLength = contextLength
    self.rmsEpsilon = rmsEpsilon
    self.ropeFrequencyBase = ropeFrequencyBase
    self.fileTypeID = fileTypeID
  }

  /// The GGUF architecture name (`general.architecture`), the prefix of its keys.
  public var architecture: String { family.rawValue }

  /// The file: architecture keys, then the vocabulary, then the tensors.
  public var fileSpec: GGUFFileSpec {
    let arch = architecture
    func key(_ suffix: String, _ value: Int) -> GGUFMetadataPair { GGUFMetadataPair("\(arch).\(suffix)", .uint32(UInt32(value))) }
    var metadata: [GGUFMetadataPair] = [
      GGUFMetadataPair("general.architecture", .string(arch)),
      GGUFMetadataPair("general.name", .string(generalName)),
      key("block_count", layers),
      key("context_length", contextLength),
      key("embedding_length", embedding),
      key("feed_forward_length", feedForward),
      key("attention.head_count", heads),
      key("attention.head_count_kv", kvHeads),
      GGUFMetadataPair("\(arch).rope.freq_base", .float32(ropeFrequencyBase)),
      GGUFMetadataPair("\(arch).attention.layer_norm_rms_epsilon", .float32(rmsEpsilon)),
      key("expert_used_count", expertsUsed),
      key("attention.key_length", headDimension),
      key("attention.value_length", headDimension),
      key("rope.dimension_count", headDimension),
      GGUFMetadataPair("general.file_type", .uint32(fileTypeID)),
      key("expert_count", experts),
      key("expert_feed_forward_length", expertFeedForward),
    ]
    if family == .gptOss {
      // From a public load log of the real file (llama.cpp#15297): SWA window and YaRN.
      metadata += [
        key("attention.sliding_window", 128),
        GGUFMetadataPair("\(arch).rope.scaling.type", .string("yarn")),
        GGUFMetadataPair("\(arch).rope.scaling.factor", .float32(32)),
        key("rope.scaling.original_context_length", 4096),
      ]
    }
    metadata.append(GGUFMetadataPair("general.quantization_version", .uint32(2)))
    metadata += ModelPlaceholderVocabulary(count: vocabulary).metadata
    return GGUFFileSpec(version: 3, metadata: metadata, tensors: tensors)
  }

  /// The tensors in file order with their types. Both files were written by llama.cpp tools
  /// that keep tensors sorted by (layer, name) (spec §7): output, output_norm, token_embd, then
  /// blk.0, blk.1, … each sorted by name.
  public var tensors: [GGUFTensorSpec] {
    var names = ["output.weight", "output_norm.weight", "token_embd.weight"]
    for layer in 0..<layers {
      names += layerKinds.map { "blk.\(layer).\($0)" }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
    return names.map { name in
      let ne = shape(of: name)
      return GGUFTensorSpec(name: name, ne: ne, type: type(of: name, ne: ne))
    }
  }

  /// A block's tensors (name after `blk.N.`).
  var layerKinds: [String] {
    var kinds = [
      "attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight", "ffn_gate_inp.weight",
      "ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_down_exps.weight",
    ]
    switch family {
    case .gptOss:
      kinds += [
        "post_attention_norm.weight", "attn_sinks.weight", "attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_output.bias",
        "ffn_gate_inp.bias", "ffn_gate_exps.bias", "ffn_up_exps.bias", "ffn_down_exps.bias",
      ]
    case .qwen3moe:
      kinds += ["ffn_norm.weight", "attn_q_norm.weight", "attn_k_norm.weight"]
    }
    return kinds
  }

  /// ggml shape (`ne`, innermost first) of a tensor (spec §6.5, §11).
  public func shape(of name: String) -> [UInt64] {
    let embd = UInt64(embedding)
    let query = UInt64(heads * headDimension)
    let kv = UInt64(kvHeads * headDimension)
    let ff = UInt64(expertFeedForward)
    let n = UInt64(experts)
    let vocab = UInt64(vocabulary)
    let parts = name.split(separator: ".")
    let kind = parts.count >= 4 ? String(parts[2]) : String(parts[0])
    let isBias = parts.last == "bias"
    switch (kind, isBias) {
    case ("token_embd", _), ("output", _): return [embd, vocab]
    case ("attn_q", false): return [embd, query]
    case ("attn_q", true): return [query]
    case ("attn_k", false), ("attn_v", false): return [embd, kv]
    case ("attn_k", true), ("attn_v", true): return [kv]
    case ("attn_output", false): return [query, embd]
    case ("attn_sinks", _): return [UInt64(heads)]
    case ("attn_q_norm", _), ("attn_k_norm", _): return [UInt64(headDimension)]
    case ("ffn_gate_inp", false): return [embd, n]
    case ("ffn_gate_inp", true): return [n]
    case ("ffn_gate_exps", false), ("ffn_up_exps", false): return [embd, ff, n]
    case ("ffn_down_exps", false): return [ff, embd, n]
    case ("ffn_gate_exps", true), ("ffn_up_exps", true): return [ff, n]
    case ("ffn_down_exps", true): return [embd, n]
    default: return [embd]  // norms, attn_output.bias
    }
  }

  /// The type the publisher's tools gave a tensor.
  public func type(of name: String, ne: [UInt64]) -> GGMLType {
    // Vectors, biases and the router stay F32 in both files.
    guard ne.count >= 2, name.hasSuffix(".weight"), !name.hasSuffix("ffn_gate_inp.weight") else { return .f32 }
    switch family {
    case .gptOss:
      return name.contains("_exps") ? .mxfp4 : .q8_0
    case .qwen3moe:
      // llama-quantize's Q4_K_M rule (spec §7) with the counter in (layer, name) order, i.e.
      // the layer number: attn_v and ffn_down(_exps) get Q6_K when use_more_bits holds;
      // output Q6_K. (The 70B attn_v bump keys on the model size, not on GQA, and 8-expert
      // models' Q8_0 attn_v/attn_k applies to n_expert == 8 only: neither applies here.)
      if name == "output.weight" { return .q6_K }
      let layer = Int(name.split(separator: ".").dropFirst().first ?? "") ?? 0
      let bumped = name.hasSuffix("attn_v.weight") || name.hasSuffix("ffn_down_exps.weight")
      return bumped && ModelFileType.useMoreBits(layer, layers) ? .q6_K : .q4_K
    }
  }
}

extension GGMLType {
  static let mxfp4 = GGMLType(id: 39)!
}
