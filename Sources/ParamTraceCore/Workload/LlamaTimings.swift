/// The timing lines llama.cpp prints at exit (spec §8.4), as numbers. A line that was not
/// printed stays nil: absent is not zero.
///
/// Formats: `llama_perf_context_print:` (since Sept 2024), `common_perf_print:` (2025
/// builds, after a log timestamp), `llama_print_timings:` (older builds), and the server's `print_timings:` / `slot print_timing: id 0 | task N |` lines.
/// paramtrace's own `replay` prints the same lines.
public struct LlamaTimings: Sendable, Hashable {
  public var loadMilliseconds: Double?
  public var promptEvalMilliseconds: Double?
  public var promptTokens: Int?
  public var promptTokensPerSecond: Double?
  /// Decode: `eval time = X ms / N runs (… ms per token, T tokens per second)`.
  public var evalMilliseconds: Double?
  public var evalTokens: Int?
  public var evalMillisecondsPerToken: Double?
  public var evalTokensPerSecond: Double?
  public var totalMilliseconds: Double?
  public var totalTokens: Int?
  /// Which prefix the lines carried (`llama_perf_context_print`, `llama_print_timings`, …).
  public var source: String?

  public init() {}

  /// True when no timing line was found.
  public var isEmpty: Bool { loadMilliseconds == nil && promptEvalMilliseconds == nil && evalMilliseconds == nil && totalMilliseconds == nil }

  /// Parses every timing line in `output`; when a line repeats (several runs), the last wins.
  public static func parse(_ output: String) -> LlamaTimings {
    var timings = LlamaTimings()
    for line in output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
      guard let equals = line.firstIndex(of: "=") else { continue }
      let label = line[..<equals]
      let value = line[line.index(after: equals)...]
      guard label.hasSuffix("time ") || label.hasSuffix("time") else { continue }
      let prefix = timingPrefix(String(label))
      guard prefix != nil else { continue }
      let numbers = numbersIn(value)
      guard let milliseconds = numbers.first?.value else { continue }
      let trimmed = label.trimmingTrailingSpaces
      if trimmed.hasSuffix("prompt eval time") {
        timings.promptEvalMilliseconds = milliseconds
        timings.promptTokens = numbers.count > 1 ? Int(exactly: numbers[1].value ?? -1) : nil
        timings.promptTokensPerSecond = rate(numbers)
      } else if trimmed.hasSuffix("eval time") {
        timings.evalMilliseconds = milliseconds
        timings.evalTokens = numbers.count > 1 ? Int(exactly: numbers[1].value ?? -1) : nil
        timings.evalMillisecondsPerToken = numbers.count > 2 ? numbers[2].value : nil
        timings.evalTokensPerSecond = rate(numbers)
      } else if trimmed.hasSuffix("load time") {
        timings.loadMilliseconds = milliseconds
      } else if trimmed.hasSuffix("total time") {
        timings.totalMilliseconds = milliseconds
        timings.totalTokens = numbers.count > 1 ? Int(exactly: numbers[1].value ?? -1) : nil
      } else {
        continue
      }
      timings.source = prefix
    }
    return timings
  }

  /// `tokens per second` is the 4th number; llama.cpp prints `inf` or `nan` for 0 ms.
  private static func rate(_ numbers: [(text: Substring, value: Double?)]) -> Double? {
    guard numbers.count > 3 else { return nil }
    return numbers[3].value
  }

  /// The line's origin, or nil when the line is not a llama.cpp timing line.
  private static func timingPrefix(_ label: String) -> String? {
    for prefix in ["llama_perf_context_print", "common_perf_print", "llama_print_timings", "slot print_timing", "print_timings", "paramtrace_replay"]
    where label.contains(prefix + ":") || label.contains(prefix + " ") {
      return prefix
    }
    // Server lines after `slot print_timing: id 0 | task N |` continue on the next lines
    // with a bare `prompt eval time = …`.
    let bare = label.trimmingLeadingSpaces.trimmingTrailingSpaces
    return ["prompt eval time", "eval time", "total time"].contains(bare) ? "server" : nil
  }

  /// The numbers in `text` in order (`inf`/`nan` included, with a nil or infinite value).
  private static func numbersIn(_ text: Substring) -> [(text: Substring, value: Double?)] {
    var result: [(Substring, Double?)] = []
    var index = text.startIndex
    while index < text.endIndex {
      let character = text[index]
      if character.isNumber || (character == "-" && text.index(after: index) < text.endIndex && text[text.index(after: index)].isNumber) {
        var end = text.index(after: index)
        while end < text.endIndex, text[end].isNumber || text[end] == "." || text[end] == "e" || text[end] == "+" { end = text.index(after: end) }
        result.append((text[index..<end], Double(text[index..<end])))
        index = end
      } else if text[index...].hasPrefix("inf") {
        result.append((text[index..<text.index(index, offsetBy: 3)], Double.infinity))
        index = text.index(index, offsetBy: 3)
      } else if text[index...].hasPrefix("nan") {
        result.append((text[index..<text.index(index, offsetBy: 3)], nil))
        index = text.index(index, offsetBy: 3)
      } else {
        index = text.index(after: index)
      }
    }
    return result
  }
}

extension Substring {
  fileprivate var trimmingTrailingSpaces: Substring {
    var end = endIndex
    while end > startIndex, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
    return self[startIndex..<end]
  }
  fileprivate var trimmingLeadingSpaces: Substring {
    var start = startIndex
    while start < endIndex, self[start] == " " || self[start] == "\t" { start = index(after: start) }
    return self[start..<endIndex]
  }
}

extension String {
  fileprivate var trimmingLeadingSpaces: Substring { Substring(self).trimmingLeadingSpaces }
}
