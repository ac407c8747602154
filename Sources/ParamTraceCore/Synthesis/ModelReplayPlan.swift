/// The order in which llama.cpp's CPU decode touches a GGUF model's tensors for one token
/// (spec §8.3), as `replay` follows it: the token's embedding row, then layer by layer (in
/// layer order, whatever the file order) the tensors in graph order — attn_norm, attn_q,
/// attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down; for MoE layers
/// ffn_gate_inp and then the chosen experts' slices — then output_norm and output (token_embd
/// whole when the embeddings are tied).
public struct ModelReplayPlan: Sendable, Hashable {
  /// How a step reads its tensor.
  public enum Touch: Sendable, Hashable {
    /// One row of the embedding table, the token's (`get_rows`).
    case embeddingRow
    /// A vector such as a norm: read whole by one thread.
    case whole
    /// A matrix: every page, rows split across the threads (ggml's mul_mat).
    case rows
    /// Stacked experts: `used` of `count` expert slices, each split by rows (mul_mat_id).
    case experts(count: Int, used: Int)
  }

  /// One tensor read.
  public struct Step: Sendable, Hashable {
    public var name: String
    public var layer: Int?
    public var touch: Touch
    /// Absolute file offset of the tensor.
    public var fileOffset: UInt64
    public var byteSize: UInt64
    /// Bytes of one row.
    public var rowBytes: UInt64
    /// Rows (per expert for stacked experts).
    public var rows: UInt64

    /// Bytes of one expert's slice (the whole tensor when not stacked).
    public var sliceBytes: UInt64 {
      if case .experts(let count, _) = touch, count > 0 { return byteSize / UInt64(count) }
      return byteSize
    }
  }

  /// Why a model cannot be replayed.
  public struct PlanError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
  }

  /// The steps of one decode token, in order.
  public var steps: [Step]
  /// Rows of the embedding table: the vocabulary size.
  public var vocabularySize: UInt64
  /// Distinct layers, in layer order.
  public var layers: [Int]
  /// Bytes of llama.cpp's f16 KV cache per token of context: K and V, 2 bytes each, of
  /// n_embd_k_gqa = head_dim × n_head_kv per layer (0 when the architecture keys are missing;
  /// every layer counted, also gpt-oss's sliding-window ones, which llama.cpp sizes smaller).
  public var kvCacheBytesPerToken: UInt64

  /// The plan for a GGUF model.
  public init(map: ModelMap) throws(PlanError) {
    guard map.format == .gguf else {
      throw PlanError(message: "replay needs a GGUF file (llama.cpp's format); this is \(map.format.rawValue).")
    }
    var layerSteps: [Int: [(rank: Int, bias: Bool, index: Int, step: Step)]] = [:]
    var globals: [(rank: Int, index: Int, step: Step)] = []
    var embedding: Step?
    var output: Step?
    var outputNorm: Step?
    let used = map.architecture.expertUsedCount ?? 2
    for (index, tensor) in map.tensors.enumerated() {
      guard let type = GGMLType.all.first(where: { $0.name == tensor.typeName }) else {
        throw PlanError(message: "tensor \"\(tensor.name)\": unknown type \(tensor.typeName).")
      }
      let rowBytes = (try? type.rowBytes(ne0: tensor.shape.first ?? 1)) ?? tensor.byteSize
      var touch: Touch = tensor.shape.count >= 2 ? .rows : .whole
      var rows = tensor.shape.dropFirst().reduce(1, *)
      if let experts = tensor.expertCount ?? Self.stackedBiasExperts(tensor, expertCount: map.architecture.expertCount) {
        touch = .experts(count: experts, used: min(used, experts))
        rows /= UInt64(experts)
      }
      var step = Step(
        name: tensor.name, layer: tensor.layer, touch: touch, fileOffset: tensor.fileOffset, byteSize: tensor.byteSize,
        rowBytes: rowBytes, rows: rows)
      let kind = Self.kind(of: tensor.name)
      if let layer = tensor.layer {
        layerSteps[layer, default: []].append((Self.rank(kind), tensor.name.hasSuffix(".bias"), index, step))
        continue
      }
      switch tensor.name {
      case "token_embd.weight":
        step.touch = .embeddingRow
        embedding = step
      case "output.weight": output = step
      case "output_norm.weight": outputNorm = step
      default: globals.append((kind == "token_embd_norm" ? 0 : 1, index, step))
      }
    }
    guard let embedding else { throw PlanError(message: "no token_embd.weight: not a llama.cpp language model.") }
    let architecture = map.architecture
    if let embeddingLength = architecture.embeddingLength, let heads = architecture.headCount, heads > 0,
      let kvHeads = architecture.headCountKV
    {
      // head_dim is attention.key_length where the file says so (gpt-oss, Qwen3: not n_embd / n_head).
      let headDimension = architecture.name.flatMap { map.metadata("\($0).attention.key_length")?.integer } ?? embeddingLength / heads
      kvCacheBytesPerToken = 2 * 2 * UInt64(headDimension * kvHeads) * UInt64(architecture.blockCount ?? 0)
    } else {
      kvCacheBytesPerToken = 0
    }
    vocabularySize = max(embedding.rows, 1)
    var steps = [embedding]
    steps += globals.sorted { ($0.rank, $0.index) < ($1.rank, $1.index) }.map(\.step)
    layers = layerSteps.keys.sorted()
    for layer in layers {
      steps += layerSteps[layer]!.sorted { ($0.rank, $0.bias ? 1 : 0, $0.index) < ($1.rank, $1.bias ? 1 : 0, $1.index) }.map(\.step)
    }
    if let outputNorm { steps.append(outputNorm) }
    if let output {
      steps.append(output)
    } else {
      var tied = embedding
      tied.touch = .rows  // tied embeddings: the output matmul reads the whole table
      steps.append(tied)
    }
    self.steps = steps
  }

  /// Bytes one decode token reads: the embedding row, every vector and matrix, `used` expert
  /// slices per stacked tensor.
  public var bytesPerToken: UInt64 {
    steps.reduce(0) { total, step in
      switch step.touch {
      case .embeddingRow: total + step.rowBytes
      case .whole, .rows: total + step.byteSize
      case .experts(_, let used): total + step.sliceBytes * UInt64(used)
      }
    }
  }

  /// The token id of the `index`-th token of a run seeded with `seed`.
  public func tokenID(_ index: Int, seed: UInt64) -> UInt64 {
    var generator = SplitMix64(seed: seed &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
    return generator.below(vocabularySize)
  }

  /// The experts of a stacked expert bias (gpt-oss: `ffn_gate_exps.bias`, ne `[n_ff, n_expert]`):
  /// llama.cpp adds only the chosen experts' rows (`ggml_add_id`), so it is read as expert slices.
  static func stackedBiasExperts(_ tensor: ModelTensor, expertCount: Int?) -> Int? {
    guard let expertCount, expertCount > 1, tensor.shape.count == 2, tensor.shape.last == UInt64(expertCount),
      tensor.name.hasSuffix("_exps.bias")
    else { return nil }
    return expertCount
  }

  /// The MoE layers: for each, the expert count and how many a token uses (from its stacked
  /// tensors), in layer order.
  public var expertLayers: [(layer: Int, count: Int, used: Int)] {
    var seen = Set<Int>()
    var result: [(layer: Int, count: Int, used: Int)] = []
    for step in steps {
      guard case .experts(let count, let used) = step.touch, let layer = step.layer, seen.insert(layer).inserted else { continue }
      result.append((layer, count, used))
    }
    return result
  }

  /// `attn_q` for `blk.3.attn_q.weight`.
  static func kind(of name: String) -> String {
    var parts = name.split(separator: ".")
    if let last = parts.last, last == "weight" || last == "bias" { parts.removeLast() }
    if parts.count >= 3, parts[0] == "blk" { return parts[2...].joined(separator: ".") }
    return parts.joined(separator: ".")
  }

  /// Position of a layer tensor in llama.cpp's graph (smaller first); unknown kinds go last,
  /// in file order.
  static func rank(_ kind: String) -> Int {
    let order = [
      "attn_norm", "attn_norm_2", "attn_qkv", "attn_q", "attn_q_norm", "attn_k", "attn_k_norm", "attn_v", "attn_output",
      "attn_post_norm", "ffn_norm", "ffn_gate_inp", "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps", "ffn_gate_inp_shexp",
      "ffn_gate_shexp", "ffn_up_shexp", "ffn_down_shexp", "ffn_gate", "ffn_up", "ffn_down", "ffn_post_norm", "layer_output_norm",
    ]
    return order.firstIndex(of: kind) ?? order.count
  }
}
