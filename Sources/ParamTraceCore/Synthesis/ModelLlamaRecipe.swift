/// A llama.cpp quantization mix (`general.file_type`, spec §6.4) and the rule that picks each
/// tensor's type, as in llama.cpp's quantize code of Sept 2023 (the rule is unchanged in 2025
/// for these mixes; spec §7).
public enum ModelFileType: String, Sendable, Hashable, CaseIterable {
  case q4_K_M = "Q4_K_M"
  case q5_K_M = "Q5_K_M"
  case q6_K = "Q6_K"
  case q8_0 = "Q8_0"

  /// `general.file_type` (llama_ftype).
  public var id: UInt32 {
    switch self {
    case .q4_K_M: 15
    case .q5_K_M: 17
    case .q6_K: 18
    case .q8_0: 7
    }
  }

  /// The type of every quantized tensor no rule singles out.
  public var defaultType: GGMLType {
    switch self {
    case .q4_K_M: .q4_K
    case .q5_K_M: .q5_K
    case .q6_K: .q6_K
    case .q8_0: .q8_0
    }
  }

  /// `use_more_bits(i, n)`: the first and last eighth, and every third in between.
  public static func useMoreBits(_ index: Int, _ count: Int) -> Bool {
    index < count / 8 || index >= 7 * count / 8 || (index - count / 8) % 3 == 2
  }

  /// The type of tensor `name` (GGUF name, ggml shape `ne`). `counter` is how many tensors of the
  /// same kind (attn_v or ffn_down) came before it in the order quantize saw them (file order),
  /// `count` how many there are (n_layer); `gqa` is n_head / n_head_kv.
  public func type(name: String, ne: [UInt64], counter: Int, count: Int, gqa: Int) -> GGMLType {
    guard ne.count >= 2 else { return .f32 }  // norms and other vectors stay F32
    let ne0 = ne[0]
    var type = defaultType
    if name == "output.weight" {
      type = ne0 % 256 != 0 ? .q8_0 : (type == .q8_0 ? .q8_0 : .q6_K)
    } else if name.hasSuffix("attn_v.weight") {
      if (self == .q4_K_M || self == .q5_K_M) && Self.useMoreBits(counter, count) { type = .q6_K }
      if gqa >= 4 && type == .q4_K { type = .q5_K }  // 70B: attn_v gets Q5_K
    } else if name.hasSuffix("ffn_down.weight") {
      if (self == .q4_K_M || self == .q5_K_M) && Self.useMoreBits(counter, count) { type = .q6_K }
    }
    // k-quants need whole 256-element blocks; quantize falls back otherwise.
    if ne0 % 256 != 0 {
      switch type {
      case .q4_K: type = .q5_0
      case .q5_K: type = .q5_1
      case .q6_K: type = .q8_0
      default: break
      }
    }
    return type
  }
}

/// The order in which a conversion wrote a llama model's tensors (spec §7).
public enum ModelTensorOrder: Sendable, Hashable {
  /// convert.py (2023) from Hugging Face safetensors shards: the shards in order, each with its
  /// tensors sorted by name (blocks 0, 1, 10, 11, …). The shards are those transformers'
  /// `save_pretrained` cut (4.31: `max_shard_size` "10GB" = 10^10 bytes of f16, tensors in
  /// module order, a new shard when the next tensor would not fit), which gives TheBloke's
  /// 7B order exactly (shard 1: embeddings and blocks 0–23; shard 2: lm_head, 24–31, norm).
  case huggingFaceShards(maxShardBytes: UInt64)
  /// convert.py from Meta's consolidated.*.pth: token_embd, output_norm, output, then blocks in
  /// numeric order, each as q, k, v, output, gate, down, up, attn_norm, ffn_norm.
  case metaCheckpoint
  /// llama-quantize since Nov 2024: sorted by (layer number, name): output, output_norm,
  /// token_embd, then blk.0, blk.1, … each alphabetically.
  case quantizeSorted
}

/// A llama-architecture GGUF as a known conversion wrote it: hyperparameters, quantization mix,
/// tensor order, and TheBloke-style metadata (19 KVs, spec §7) with a placeholder vocabulary.
public struct ModelLlamaRecipe: Sendable, Hashable {
  /// `general.name` ("LLaMA v2" in TheBloke's files).
  public var generalName: String
  /// n_layer (`llama.block_count`).
  public var layers: Int
  /// n_embd.
  public var embedding: Int
  /// n_ff.
  public var feedForward: Int
  /// n_head; head_dim = n_embd / n_head.
  public var heads: Int
  /// n_head_kv (equal to `heads` without GQA).
  public var kvHeads: Int
  /// n_vocab: token count, and rows of token_embd and output.
  public var vocabulary: Int
  /// `llama.context_length`.
  public var contextLength: Int
  /// `llama.attention.layer_norm_rms_epsilon` (1e-5 in the public load logs of these files).
  public var rmsEpsilon: Float
  /// The quantization mix.
  public var fileType: ModelFileType
  /// The conversion's tensor order.
  public var order: ModelTensorOrder
  /// GGUF version (2 for the 2023 files).
  public var version: UInt32
  /// Total bytes of the token strings; nil for ~6 bytes per placeholder. Chosen for TheBloke's
  /// files so that the header ends where the real one does (see `ModelCatalog`).
  public var tokenTextBytes: Int?

  public init(
    generalName: String, layers: Int, embedding: Int, feedForward: Int, heads: Int, kvHeads: Int, vocabulary: Int,
    contextLength: Int = 4096, rmsEpsilon: Float = 1e-5, fileType: ModelFileType, order: ModelTensorOrder,
    version: UInt32 = 2, tokenTextBytes: Int? = nil
  ) {
    self.generalName = generalName
    self.layers = layers
    self.embedding = embedding
    self.feedForward = feedForward
    self.heads = heads
    self.kvHeads = kvHeads
    self.vocabulary = vocabulary
    self.contextLength = contextLength
    self.rmsEpsilon = rmsEpsilon
    self.fileType = fileType
    self.order = order
    self.version = version
    self.tokenTextBytes = tokenTextBytes
  }

  /// The file: metadata in TheBloke's order and tensors in the recipe's order and types.
  public var fileSpec: GGUFFileSpec {
    let vocabulary = ModelPlaceholderVocabulary(count: self.vocabulary, textBytes: tokenTextBytes)
    var metadata: [GGUFMetadataPair] = [
      GGUFMetadataPair("general.architecture", .string("llama")),
      GGUFMetadataPair("general.name", .string(generalName)),
      GGUFMetadataPair("llama.context_length", .uint32(UInt32(contextLength))),
      GGUFMetadataPair("llama.embedding_length", .uint32(UInt32(embedding))),
      GGUFMetadataPair("llama.block_count", .uint32(UInt32(layers))),
      GGUFMetadataPair("llama.feed_forward_length", .uint32(UInt32(feedForward))),
      GGUFMetadataPair("llama.rope.dimension_count", .uint32(UInt32(embedding / heads))),
      GGUFMetadataPair("llama.attention.head_count", .uint32(UInt32(heads))),
      GGUFMetadataPair("llama.attention.head_count_kv", .uint32(UInt32(kvHeads))),
      GGUFMetadataPair("llama.attention.layer_norm_rms_epsilon", .float32(rmsEpsilon)),
      GGUFMetadataPair("general.file_type", .uint32(fileType.id)),
    ]
    metadata += vocabulary.metadata
    metadata.append(GGUFMetadataPair("general.quantization_version", .uint32(2)))
    return GGUFFileSpec(version: version, metadata: metadata, tensors: tensors)
  }

  /// The tensors in file order with their types.
  public var tensors: [GGUFTensorSpec] {
    let names = orderedNames
    var counters: [String: Int] = [:]
    return names.map { name in
      let ne = shape(of: name)
      var counter = 0
      for kind in ["attn_v.weight", "ffn_down.weight"] where name.hasSuffix(kind) {
        counter = counters[kind, default: 0]
        counters[kind] = counter + 1
      }
      let type = fileType.type(name: name, ne: ne, counter: counter, count: layers, gqa: heads / kvHeads)
      return GGUFTensorSpec(name: name, ne: ne, type: type)
    }
  }

  /// ggml shape (`ne`) of a tensor (spec §6.5).
  public func shape(of name: String) -> [UInt64] {
    let embd = UInt64(embedding)
    let kv = UInt64(embedding / heads * kvHeads)
    let ff = UInt64(feedForward)
    let vocab = UInt64(vocabulary)
    switch Self.kind(name) {
    case "token_embd", "output": return [embd, vocab]
    case "attn_q", "attn_output": return [embd, embd]
    case "attn_k", "attn_v": return [embd, kv]
    case "ffn_gate", "ffn_up": return [embd, ff]
    case "ffn_down": return [ff, embd]
    default: return [embd]  // attn_norm, ffn_norm, output_norm
    }
  }

  /// `attn_q` for `blk.3.attn_q.weight`, `output` for `output.weight`.
  static func kind(_ name: String) -> String {
    var parts = name.split(separator: ".")
    if parts.last == "weight" { parts.removeLast() }
    return parts.last.map(String.init) ?? name
  }

  // MARK: Orders

  /// The GGUF names in file order.
  public var orderedNames: [String] {
    switch order {
    case .huggingFaceShards(let limit):
      return huggingFaceShards(maxShardBytes: limit).flatMap { shard in
        shard.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.compactMap(Self.ggufName(huggingFace:))
      }
    case .metaCheckpoint:
      var names = ["token_embd.weight", "output_norm.weight", "output.weight"]
      for layer in 0..<layers {
        for kind in ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up", "attn_norm", "ffn_norm"] {
          names.append("blk.\(layer).\(kind).weight")
        }
      }
      return names
    case .quantizeSorted:
      var names = ["output.weight", "output_norm.weight", "token_embd.weight"]
      for layer in 0..<layers {
        for kind in ["attn_k", "attn_norm", "attn_output", "attn_q", "attn_v", "ffn_down", "ffn_gate", "ffn_norm", "ffn_up"] {
          names.append("blk.\(layer).\(kind).weight")
        }
      }
      return names
    }
  }

  /// The Hugging Face tensor names of each shard `save_pretrained` writes: the state dict in
  /// module order, sized as f16 (`rotary_emb.inv_freq` as 64 f32, as the 2023 Llama-2
  /// checkpoints stored it), a new shard whenever the next tensor would pass the limit.
  public func huggingFaceShards(maxShardBytes: UInt64) -> [[String]] {
    let embd = UInt64(embedding)
    let kv = UInt64(embedding / heads * kvHeads)
    let ff = UInt64(feedForward)
    var stateDict: [(String, UInt64)] = [("model.embed_tokens.weight", UInt64(vocabulary) * embd * 2)]
    for layer in 0..<layers {
      let prefix = "model.layers.\(layer)."
      stateDict += [
        (prefix + "self_attn.q_proj.weight", embd * embd * 2),
        (prefix + "self_attn.k_proj.weight", kv * embd * 2),
        (prefix + "self_attn.v_proj.weight", kv * embd * 2),
        (prefix + "self_attn.o_proj.weight", embd * embd * 2),
        (prefix + "self_attn.rotary_emb.inv_freq", embd / UInt64(heads) / 2 * 4),
        (prefix + "mlp.gate_proj.weight", ff * embd * 2),
        (prefix + "mlp.up_proj.weight", ff * embd * 2),
        (prefix + "mlp.down_proj.weight", ff * embd * 2),
        (prefix + "input_layernorm.weight", embd * 2),
        (prefix + "post_attention_layernorm.weight", embd * 2),
      ]
    }
    stateDict += [("model.norm.weight", embd * 2), ("lm_head.weight", UInt64(vocabulary) * embd * 2)]
    var shards: [[String]] = [[]]
    var size: UInt64 = 0
    for (name, bytes) in stateDict {
      if size + bytes > maxShardBytes && !shards[shards.count - 1].isEmpty {
        shards.append([])
        size = 0
      }
      shards[shards.count - 1].append(name)
      size += bytes
    }
    return shards
  }

  /// convert.py's name for a Hugging Face Llama tensor; nil for tensors it skips (inv_freq).
  static func ggufName(huggingFace name: String) -> String? {
    switch name {
    case "model.embed_tokens.weight": return "token_embd.weight"
    case "model.norm.weight": return "output_norm.weight"
    case "lm_head.weight": return "output.weight"
    default: break
    }
    let parts = name.split(separator: ".")
    guard parts.count >= 5, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]) else { return nil }
    let module = parts[3...].joined(separator: ".")
    let kind: String
    switch module {
    case "input_layernorm.weight": kind = "attn_norm"
    case "post_attention_layernorm.weight": kind = "ffn_norm"
    case "self_attn.q_proj.weight": kind = "attn_q"
    case "self_attn.k_proj.weight": kind = "attn_k"
    case "self_attn.v_proj.weight": kind = "attn_v"
    case "self_attn.o_proj.weight": kind = "attn_output"
    case "mlp.gate_proj.weight": kind = "ffn_gate"
    case "mlp.up_proj.weight": kind = "ffn_up"
    case "mlp.down_proj.weight": kind = "ffn_down"
    default: return nil
    }
    return "blk.\(layer).\(kind).weight"
  }
}

extension GGMLType {
  static let f32 = GGMLType(id: 0)!
  static let f16 = GGMLType(id: 1)!
  static let q5_0 = GGMLType(id: 6)!
  static let q5_1 = GGMLType(id: 7)!
  static let q8_0 = GGMLType(id: 8)!
  static let q4_K = GGMLType(id: 12)!
  static let q5_K = GGMLType(id: 13)!
  static let q6_K = GGMLType(id: 14)!
}
