extension ModelCatalog {
  /// The mixture-of-experts entries. Their data sections are exact by the published type counts
  /// and sizes below; their headers are not: the placeholder vocabulary (SentencePiece-like,
  /// so real llama.cpp tokenizes with it) replaces the real BPE vocabulary and merges.
  public static let mixtureOfExperts: [ModelCatalogEntry] = [
    ModelCatalogEntry(
      name: "gpt-oss-20b.MXFP4",
      summary: "OpenAI gpt-oss-20b as ggml-org's gpt-oss-20b-mxfp4.gguf: 24 layers, 32 experts (top-4) in MXFP4",
      provenance: """
        verified against published numbers: the keys sliding_window 128, expert_feed_forward_length \
        2880, YaRN factor 32 over 4096, and the 201,088-token vocabulary from a public load log \
        (llama.cpp#15297); 72 expert tensors in MXFP4 (17 bytes per 32) in every gpt-oss-20b GGUF \
        (hermes-agent#116681); 12.1 GB listed for the MXFP4 file (bartowski's model card), which \
        this layout's 12,096,558,336 data bytes plus header match. Derived: the other widths from \
        the model's config (n_embd 2880, 64 heads of 64, 8 KV heads, 32 experts, 4 used), the \
        459 tensors (19 per block: attention with biases, sinks, router with bias, experts with \
        biases), Q8_0 for attention, embeddings and output, F32 for the rest (289 F32, 98 Q8_0, \
        72 MXFP4), the (layer, name) order and file_type 38 (MXFP4_MOE): not compared with the real \
        file's tensor list.
        """,
      publishedFileSize: nil,
      recipe: .moe(
        ModelMoERecipe(
          family: .gptOss, generalName: "gpt-oss-20b", layers: 24, embedding: 2880, feedForward: 2880, expertFeedForward: 2880,
          experts: 32, expertsUsed: 4, heads: 64, kvHeads: 8, headDimension: 64, vocabulary: 201_088, contextLength: 131_072,
          rmsEpsilon: 1e-5, ropeFrequencyBase: 150_000, fileTypeID: 38))),
    ModelCatalogEntry(
      name: "Qwen3-30B-A3B.Q4_K_M",
      summary: "Qwen3-30B-A3B quantized to Q4_K_M by llama-quantize: 48 layers, 128 experts (top-8)",
      provenance: """
        verified against a public load log of Qwen3-30B-A3B Q4_K_M (llama.cpp#14235): 579 tensors, \
        241 F32, 289 Q4_K, 49 Q6_K, 17.28 GiB, n_embd 2048, 48 layers, 32 heads, 4 KV heads, head \
        dim 128, n_ff 6144, 128 experts, 8 used, rms eps 1e-6, context 40960. This layout has \
        exactly those counts and 18,550,716,416 data bytes = 17.277 GiB, which pins the vocabulary \
        (151,936, from the model's config) to within ~1 %. Derived: expert width 768, the 12 \
        tensors per block, Q6_K for attn_v and ffn_down_exps by use_more_bits over the layer \
        number (24 each, plus output: 49), the router left F32, the (layer, name) order; the \
        header (real BPE vocabulary) is not reproduced, so no file size is claimed.
        """,
      publishedFileSize: nil,
      recipe: .moe(
        ModelMoERecipe(
          family: .qwen3moe, generalName: "Qwen3 30B A3B", layers: 48, embedding: 2048, feedForward: 6144, expertFeedForward: 768,
          experts: 128, expertsUsed: 8, heads: 32, kvHeads: 4, headDimension: 128, vocabulary: 151_936, contextLength: 40_960,
          rmsEpsilon: 1e-6, ropeFrequencyBase: 1_000_000, fileTypeID: 15))),
  ]
}
