/// What `replay` measured, printed as llama.cpp prints its perf lines (spec §8.4) so that
/// `LlamaTimings.parse` (and `record`) read replay's output as they read llama.cpp's.
public struct ModelReplayTimings: Sendable, Hashable {
  /// mmap (with MAP_POPULATE and WILLNEED unless disabled), in ms.
  public var loadMilliseconds: Double
  /// The prompt pass (all weights once, as a batch), in ms.
  public var promptMilliseconds: Double
  public var promptTokens: Int
  /// The decode tokens, in ms.
  public var evalMilliseconds: Double
  public var evalTokens: Int

  public init(loadMilliseconds: Double, promptMilliseconds: Double, promptTokens: Int, evalMilliseconds: Double, evalTokens: Int) {
    self.loadMilliseconds = loadMilliseconds
    self.promptMilliseconds = promptMilliseconds
    self.promptTokens = promptTokens
    self.evalMilliseconds = evalMilliseconds
    self.evalTokens = evalTokens
  }

  /// The four lines of `llama_perf_context_print` with llama.cpp's exact format strings:
  /// `%10.2f ms`, `/ %5d tokens (%8.2f ms per token, %8.2f tokens per second)`.
  public func lines(prefix: String = "llama_perf_context_print") -> [String] {
    let promptRate = ModelReplayTimings.rates(promptMilliseconds, promptTokens)
    let evalRate = ModelReplayTimings.rates(evalMilliseconds, evalTokens)
    return [
      "\(prefix):        load time = \(Self.fixed(loadMilliseconds, width: 10)) ms",
      "\(prefix): prompt eval time = \(Self.fixed(promptMilliseconds, width: 10)) ms / \(Self.padded(promptTokens, width: 5)) tokens "
        + "(\(Self.fixed(promptRate.perToken, width: 8)) ms per token, \(Self.fixed(promptRate.perSecond, width: 8)) tokens per second)",
      "\(prefix):        eval time = \(Self.fixed(evalMilliseconds, width: 10)) ms / \(Self.padded(evalTokens, width: 5)) runs   "
        + "(\(Self.fixed(evalRate.perToken, width: 8)) ms per token, \(Self.fixed(evalRate.perSecond, width: 8)) tokens per second)",
      "\(prefix):       total time = \(Self.fixed(promptMilliseconds + evalMilliseconds, width: 10)) ms / "
        + "\(Self.padded(promptTokens + evalTokens, width: 5)) tokens",
    ]
  }

  /// ms per token and tokens per second, as C computes them (0 tokens: nan and inf).
  static func rates(_ milliseconds: Double, _ tokens: Int) -> (perToken: Double, perSecond: Double) {
    (milliseconds / Double(tokens), 1e3 / milliseconds * Double(tokens))
  }

  /// `%W.2f`: two decimals, right-aligned in `width`; `nan`, `inf`, `-inf` as C prints them.
  public static func fixed(_ value: Double, width: Int) -> String {
    let text: String
    if value.isNaN {
      text = "nan"
    } else if value.isInfinite {
      text = value < 0 ? "-inf" : "inf"
    } else {
      let hundredths = (abs(value) * 100).rounded()
      if hundredths >= 9.2e18 {
        text = String(value)
      } else {
        let whole = UInt64(hundredths)
        let fraction = whole % 100
        text = (value < 0 && whole > 0 ? "-" : "") + "\(whole / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
      }
    }
    return String(repeating: " ", count: max(0, width - text.count)) + text
  }

  /// `%Wd`.
  static func padded(_ value: Int, width: Int) -> String {
    let text = String(value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
  }
}
