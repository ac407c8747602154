/// How many forward passes over the weights a llama.cpp-style run makes, from its timing lines
/// and command line, to set beside the passes found in the trace (`LayerOrderAnalysis`).
///
/// llama.cpp (mmap with prefetch): the load sweeps the file (MAP_POPULATE), a warm-up decode
/// runs once over all weights (unless `--no-warmup`), the prompt is one batch, and every eval
/// run after it is one more pass: 1 + 1 + 1 + (eval runs), that is N + 2 for N generated
/// tokens (the first comes from the prompt pass). `paramtrace replay` makes no warm-up pass,
/// and `--no-populate` (replay) or `--no-mmap`/`--load-mode none|dio` (llama.cpp) read the
/// load through read(2) rather than a sweep of faults: still one pass over the file.
public struct ExpectedForwardPasses: Sendable, Hashable {
  public var count: Int
  /// The rule in words, for the summary.
  public var rule: String

  /// Nil when the timing lines do not say how many eval runs there were.
  public init?(timings: LlamaTimings, command: [String]) {
    guard let evalRuns = timings.evalTokens else { return nil }
    let program = command.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? ""
    let isReplay = program == "paramtrace" && command.contains("replay")
    let warmup = !isReplay && !command.contains("--no-warmup")
    let prompt = (timings.promptTokens ?? 1) > 0
    count = 1 + (warmup ? 1 : 0) + (prompt ? 1 : 0) + evalRuns
    var parts = ["load"]
    if warmup { parts.append("warm-up") }
    if prompt { parts.append("prompt") }
    parts.append("\(evalRuns) eval \(evalRuns == 1 ? "run" : "runs")")
    rule = parts.joined(separator: " + ") + (isReplay ? " (paramtrace replay: no warm-up)" : "")
  }

  public init(count: Int, rule: String) {
    self.count = count
    self.rule = rule
  }
}
