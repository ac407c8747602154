/// How many times llama.cpp goes over its weights in the decode phase, and how much of the
/// model that phase read per pass: the figure a thrashing verdict rests on.
///
/// llama.cpp (and `replay`) first loads the model (MAP_POPULATE reads the file once) and runs
/// a warm-up decode; its `load time` ends after that warm-up (`llama_context` sets `t_load_us`
/// at the end of the first evaluation, which is the warm-up's). Then `llama_perf_context_reset`,
/// and what `total time` covers: one prompt pass (a batch of the prompt's tokens goes over the
/// weights once) and one pass per `eval time … / N runs`. `record` starts the decode phase at the
/// workload's start + load time, so the decode phase holds the prompt pass and the N eval runs:
/// N + 1 passes.
///
/// Known slack, both small against a pass under pressure: the workload starts a little before
/// llama.cpp starts its load clock (process start, backend set-up), so the boundary falls that
/// much before the warm-up ends; a prompt longer than llama.cpp's micro-batch (`-ub`, 512 tokens
/// by default) takes one pass per micro-batch, so the share per pass is then overstated.
public enum DecodePasses {
  /// Eval runs, plus the prompt pass unless the prompt had no tokens; nil without an eval line.
  public static func count(evalRuns: Int?, promptTokens: Int?) -> Int? {
    guard let evalRuns, evalRuns >= 0 else { return nil }
    let passes = evalRuns + (promptTokens == 0 ? 0 : 1)
    return passes > 0 ? passes : nil
  }

  /// The bytes the decode phase read again, per decode pass, as a share of the model: 1 means
  /// every pass read the whole model again.
  ///
  /// Re-read bytes are the decode phase's bytes less the part of the model the load phase had
  /// not read yet (`modelBytes − loadUniqueBytes`): that part is a first read wherever the
  /// boundary falls. It matters when the load's own reads run past the boundary (the slack
  /// above, large for a short load: a 15 ms replay load read its whole model "in decode"). With
  /// `loadUniqueBytes` unknown the load is taken to have read the whole model. A decode phase
  /// that read nothing has a share of 0 however many passes it made; nil when the bytes, the
  /// model's size or the pass count is unknown.
  public static func sharePerPass(decodeBytes: UInt64?, loadUniqueBytes: UInt64? = nil, modelBytes: UInt64?, passes: Int?) -> Double? {
    guard let decodeBytes else { return nil }
    if decodeBytes == 0 { return 0 }
    guard let modelBytes, modelBytes > 0, let passes, passes > 0,
      let reread = rereadBytes(decodeBytes: decodeBytes, loadUniqueBytes: loadUniqueBytes, modelBytes: modelBytes)
    else { return nil }
    return Double(reread) / Double(modelBytes) / Double(passes)
  }

  /// The decode phase's bytes that were re-reads: all of them less the part of the model the
  /// load phase had not read yet (a first read wherever the boundary falls; see `sharePerPass`).
  /// Nil when the bytes or the model's size are unknown.
  public static func rereadBytes(decodeBytes: UInt64?, loadUniqueBytes: UInt64?, modelBytes: UInt64?) -> UInt64? {
    guard let decodeBytes, let modelBytes, modelBytes > 0 else { return nil }
    let unreadAtLoad = modelBytes - min(loadUniqueBytes ?? modelBytes, modelBytes)
    return decodeBytes > unreadAtLoad ? decodeBytes - unreadAtLoad : 0
  }
}
