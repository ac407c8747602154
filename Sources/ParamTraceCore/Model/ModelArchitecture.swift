/// The architecture keys of a GGUF file (spec §6.5), read as `<arch>.block_count` etc. for the
/// architecture named by `general.architecture`. Integer keys of any integer type are
/// accepted; a key stored as a per-layer array (some models vary it by layer) is nil here and
/// stays visible in the metadata.
public struct ModelArchitecture: Sendable, Hashable {
  /// `general.architecture` (`llama`, `qwen3moe`, …).
  public var name: String?
  /// `<arch>.block_count`: transformer blocks (n_layer).
  public var blockCount: Int?
  /// `<arch>.embedding_length` (n_embd).
  public var embeddingLength: Int?
  /// `<arch>.feed_forward_length` (n_ff).
  public var feedForwardLength: Int?
  /// `<arch>.attention.head_count`.
  public var headCount: Int?
  /// `<arch>.attention.head_count_kv`; when absent, equal to `headCount` (spec §6.5).
  public var headCountKV: Int?
  /// `<arch>.context_length`: the training context, in tokens.
  public var contextLength: Int?
  /// `<arch>.expert_count` (MoE models).
  public var expertCount: Int?
  /// `<arch>.expert_used_count`: experts chosen per token (MoE models).
  public var expertUsedCount: Int?

  public init() {}

  /// Reads the keys from GGUF metadata.
  public init(metadata: [ModelMetadataEntry]) {
    var values: [String: ModelMetadataValue] = [:]
    for entry in metadata { values[entry.key] = entry.value }
    guard let arch = values["general.architecture"]?.string else { return }
    name = arch
    func integer(_ suffix: String) -> Int? { values["\(arch).\(suffix)"]?.integer }
    blockCount = integer("block_count")
    embeddingLength = integer("embedding_length")
    feedForwardLength = integer("feed_forward_length")
    headCount = integer("attention.head_count")
    headCountKV = values["\(arch).attention.head_count_kv"] == nil ? headCount : integer("attention.head_count_kv")
    contextLength = integer("context_length")
    expertCount = integer("expert_count")
    expertUsedCount = integer("expert_used_count")
  }

  /// The fields with their GGUF key suffixes, in output order.
  public var fields: [(key: String, value: Int?)] {
    [
      ("block_count", blockCount), ("embedding_length", embeddingLength), ("feed_forward_length", feedForwardLength),
      ("head_count", headCount), ("head_count_kv", headCountKV), ("context_length", contextLength),
      ("expert_count", expertCount), ("expert_used_count", expertUsedCount),
    ]
  }
}
