/// A model file the catalog can reproduce: its name, what it is, how its layout was derived and
/// checked, and the recipe.
public struct ModelCatalogEntry: Sendable, Hashable {
  /// The file's name without `.gguf` (`llama-2-7b-chat.Q4_K_M`).
  public var name: String
  /// One line: what the file is.
  public var summary: String
  /// How the layout was derived and what it was checked against.
  public var provenance: String
  /// The file's size when it is known from the spec or public logs, to check the recipe against.
  public var publishedFileSize: UInt64?
  public var recipe: ModelRecipe

  /// The file's layout.
  public var fileSpec: GGUFFileSpec { recipe.fileSpec }
}

/// Known model files whose exact layout `synth --like NAME` reproduces (spec §7). All are
/// derived from one rule set: convert.py's tensor order (from the Hugging Face shards, or Meta's
/// checkpoint), the quantize type rule with its file-order counter, and TheBloke's 19 KVs.
public enum ModelCatalog {
  /// Total bytes of the 32,000 Llama-2 token strings in the twins. TheBloke's 7B file starts its
  /// data at 741,056; everything else in its header is known (24 fixed bytes, 512,810 bytes of
  /// KVs without the token text, 17,286 of tensor infos), which leaves 210,936 bytes for the
  /// token text plus 0–31 bytes of padding: any total in 210,905…210,936 puts the data at
  /// exactly 741,056. The 13B file of the same conversion has the same vocabulary and 21,590
  /// bytes of tensor infos; its data starts at 745,344, making it the 7,865,956,224 bytes Hugging
  /// Face lists for it (a size recalled, not checked against a source here), only for totals up
  /// to 210,920, and 32 bytes later above. This value satisfies both: the 7B header
  /// ends 16 bytes before its data (padding), the 13B header exactly at its data. The real
  /// vocabulary's text was not read.
  public static let llama2TokenTextBytes = 210_920

  /// transformers 4.31's default `max_shard_size` ("10GB").
  public static let huggingFaceShardBytes: UInt64 = 10_000_000_000

  /// Every entry.
  public static let all: [ModelCatalogEntry] = [
    llama2("llama-2-7b-chat", size: .b7, fileType: .q4_K_M, published: 4_081_004_224,
      provenance: """
        spec §7: 291 tensors, 4,081,004,224 bytes, data at 741,056, every offset; order from the HF \
        shards (computed by transformers' 10 GB rule, matching §7), Q6_K from use_more_bits over the \
        file-order counter. Header size exact by the choice of token text length.
        """),
    llama2("llama-2-7b-chat", size: .b7, fileType: .q5_K_M, published: nil,
      provenance: """
        same conversion and rule as Q4_K_M with Q5_K default; the header has the same size, so data \
        starts at 741,056. Types and order agree with a public load log of this file (zylon-ai/\
        private-gpt#1363: blk.2.ffn_down q6_K at tensor 110, blk.19 attn_v q5_K, blk.29 ffn_down q6_K).
        """),
    llama2("llama-2-7b-chat", size: .b7, fileType: .q6_K, published: nil,
      provenance: "same conversion; every 2-D tensor Q6_K. Derived, not checked against the real file."),
    llama2("llama-2-7b-chat", size: .b7, fileType: .q8_0, published: nil,
      provenance: "same conversion; every 2-D tensor Q8_0 (output stays Q8_0). Derived, not checked against the real file."),
    llama2("llama-2-13b-chat", size: .b13, fileType: .q4_K_M, published: nil,
      provenance: """
        13B from the same 2023 pipeline: 3 HF shards by the 10 GB rule (shard 1: embeddings, blocks \
        0–14 and block 15's q/k; shard 2: the rest of 15, 16–29, block 30 up to ffn_up; shard 3: \
        output, the rest of 30, 31–39, output_norm). Order checked against a public load log of \
        llama-2-13b-chat.Q5_K_M (SciSharp/LLamaSharp#189: tensors 0–9, 46–62, 158–170). Data start \
        (745,344) follows from the token text length chosen for both files (see llama2TokenTextBytes).
        """),
    llama2("llama-2-13b-chat", size: .b13, fileType: .q5_K_M, published: nil,
      provenance: """
        as the 13B Q4_K_M with Q5_K default; its types at tensors 0–9, 46–62 and 158–170 agree with the \
        public load log (SciSharp/LLamaSharp#189).
        """),
    llama2("llama-2-13b-chat", size: .b13, fileType: .q8_0, published: nil,
      provenance: "as the 13B Q4_K_M, every 2-D tensor Q8_0. Derived, not checked against the real file."),
    ModelCatalogEntry(
      name: "llama-2-7b-chat.Q4_K_M.meta-order",
      summary: "7B Q4_K_M converted from Meta's consolidated.00.pth: blocks in numeric order",
      provenance: """
        spec §7's Meta order (q, k, v, output, gate, down, up, attn_norm, ffn_norm per block; \
        token_embd, output_norm, output first, as in Meta's checkpoint); the counter then follows the \
        layer number, so Q6_K layers are the literal use_more_bits set. Not compared with a real file.
        """,
      publishedFileSize: nil,
      recipe: LlamaSize.b7.recipe(fileType: .q4_K_M, order: .metaCheckpoint, tokenTextBytes: llama2TokenTextBytes)),
    ModelCatalogEntry(
      name: "llama-2-7b-chat.Q4_K_M.quantize-2024",
      summary: "7B Q4_K_M as llama-quantize writes it since Nov 2024: sorted by (layer, name), GGUF v3",
      provenance: """
        spec §7: output, output_norm, token_embd, then blk.0, blk.1, … each sorted by name; Q6_K \
        layers are the literal use_more_bits set. Same 19 KVs (a real re-quantized file carries more). \
        Not compared with a real file.
        """,
      publishedFileSize: nil,
      recipe: LlamaSize.b7.recipe(fileType: .q4_K_M, order: .quantizeSorted, version: 3, tokenTextBytes: llama2TokenTextBytes)),
  ] + mixtureOfExperts

  /// The entry named `name` (with or without `.gguf`, any case).
  public static func entry(named name: String) -> ModelCatalogEntry? {
    var key = name.lowercased()
    if key.hasSuffix(".gguf") { key.removeLast(5) }
    return all.first { $0.name.lowercased() == key }
  }

  /// Llama-2 sizes (HF config.json values).
  enum LlamaSize {
    case b7, b13

    func recipe(fileType: ModelFileType, order: ModelTensorOrder, version: UInt32 = 2, tokenTextBytes: Int?) -> ModelLlamaRecipe {
      switch self {
      case .b7:
        ModelLlamaRecipe(
          generalName: "LLaMA v2", layers: 32, embedding: 4096, feedForward: 11008, heads: 32, kvHeads: 32, vocabulary: 32000,
          fileType: fileType, order: order, version: version, tokenTextBytes: tokenTextBytes)
      case .b13:
        ModelLlamaRecipe(
          generalName: "LLaMA v2", layers: 40, embedding: 5120, feedForward: 13824, heads: 40, kvHeads: 40, vocabulary: 32000,
          fileType: fileType, order: order, version: version, tokenTextBytes: tokenTextBytes)
      }
    }

    var label: String {
      switch self {
      case .b7: "7B"
      case .b13: "13B"
      }
    }
  }

  /// TheBloke's Llama-2 chat GGUF of this size and mix (Sept 2023 convert.py from the HF shards).
  static func llama2(_ base: String, size: LlamaSize, fileType: ModelFileType, published: UInt64?, provenance: String) -> ModelCatalogEntry {
    ModelCatalogEntry(
      name: "\(base).\(fileType.rawValue)",
      summary: "TheBloke's Llama-2 \(size.label) chat \(fileType.rawValue) (GGUF v2, 2023): blocks in string order",
      provenance: provenance, publishedFileSize: published,
      recipe: size.recipe(
        fileType: fileType, order: .huggingFaceShards(maxShardBytes: huggingFaceShardBytes), tokenTextBytes: llama2TokenTextBytes))
  }
}
