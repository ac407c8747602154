import Testing

@testable import ParamTraceCore

@Suite struct LlamaTimingsTests {
  @Test func currentFormat() {
    let output = """
      llama_perf_sampler_print:    sampling time =       9.11 ms /   116 runs   (    0.08 ms per token, 12733.26 tokens per second)
      llama_perf_context_print:        load time =    1234.56 ms
      llama_perf_context_print: prompt eval time =   10210.03 ms /  1715 tokens (    5.95 ms per token,   167.97 tokens per second)
      llama_perf_context_print:        eval time =   11514.67 ms /   108 runs   (  106.62 ms per token,     9.38 tokens per second)
      llama_perf_context_print:       total time =   21724.69 ms /  1823 tokens
      """
    let t = LlamaTimings.parse(output)
    #expect(t.loadMilliseconds == 1234.56)
    #expect(t.promptEvalMilliseconds == 10210.03)
    #expect(t.promptTokens == 1715)
    #expect(t.promptTokensPerSecond == 167.97)
    #expect(t.evalMilliseconds == 11514.67)
    #expect(t.evalTokens == 108)
    #expect(t.evalMillisecondsPerToken == 106.62)
    #expect(t.evalTokensPerSecond == 9.38)
    #expect(t.totalMilliseconds == 21724.69)
    #expect(t.totalTokens == 1823)
    #expect(t.source == "llama_perf_context_print")
  }

  @Test func olderFormatWithoutTotalTokens() {
    let output = """
      llama_print_timings:        load time =   805.72 ms
      llama_print_timings:      sample time =    40.30 ms /   100 runs   (    0.40 ms per token,  2481.39 tokens per second)
      llama_print_timings: prompt eval time =   366.87 ms /     9 tokens (   40.76 ms per token,    24.53 tokens per second)
      llama_print_timings:        eval time = 11284.22 ms /    99 runs   (  113.98 ms per token,     8.77 tokens per second)
      llama_print_timings:       total time = 11813.00 ms
      """
    let t = LlamaTimings.parse(output)
    #expect(t.evalTokensPerSecond == 8.77)
    #expect(t.evalTokens == 99)
    #expect(t.totalMilliseconds == 11813.00)
    #expect(t.totalTokens == nil)
    #expect(t.source == "llama_print_timings")
  }

  @Test func commonPerfPrintWithLogPrefix() throws {
    // llama.cpp as vendored by llama-cpp-python 0.3.36 (measured here with llama-completion).
    let output = """
      0.00.123.456 I common_perf_print:        load time =     512.34 ms
      0.00.123.789 I common_perf_print: prompt eval time =      85.10 ms /     8 tokens (   10.64 ms per token,    94.01 tokens per second)
      0.00.124.000 I common_perf_print:        eval time =     502.30 ms /    15 runs   (   33.49 ms per token,    29.86 tokens per second)
      0.00.124.100 I common_perf_print:       total time =     599.60 ms /    23 tokens
      """
    let t = LlamaTimings.parse(output)
    #expect(t.source == "common_perf_print")
    #expect(t.loadMilliseconds == 512.34)
    #expect(t.evalTokens == 15)
    #expect(t.evalTokensPerSecond == 29.86)
    #expect(t.totalTokens == 23)
  }

  @Test func serverFormat() {
    let output = """
      slot print_timing: id  0 | task 0 |
      prompt eval time =      60.33 ms /     5 tokens (   12.07 ms per token,    82.88 tokens per second)
             eval time =    1209.81 ms /    32 tokens (   37.81 ms per token,    26.45 tokens per second)
            total time =    1270.14 ms /    37 tokens
      """
    let t = LlamaTimings.parse(output)
    #expect(t.promptTokens == 5)
    #expect(t.evalTokensPerSecond == 26.45)
    #expect(t.totalTokens == 37)
  }

  @Test func absentLinesStayAbsent() {
    let t = LlamaTimings.parse("hello\nworld = 3\nllama_perf_context_print:        load time =    12.00 ms\n")
    #expect(t.loadMilliseconds == 12)
    #expect(t.evalTokensPerSecond == nil)
    #expect(t.promptEvalMilliseconds == nil)
    #expect(LlamaTimings.parse("").isEmpty)
  }

  @Test func infiniteRateIsNotANumberWeInvent() {
    let t = LlamaTimings.parse("llama_perf_context_print:        eval time =       0.00 ms /     1 runs   (    0.00 ms per token,      inf tokens per second)")
    #expect(t.evalTokensPerSecond == .infinity)
    #expect(t.evalTokens == 1)
  }
}

@Suite struct ByteSizeTests {
  @Test func unitsAreBinaryUnlessDecimal() {
    #expect(ByteSize.parse("4096") == 4096)
    #expect(ByteSize.parse("3GiB") == 3 << 30)
    #expect(ByteSize.parse("3G") == 3 << 30)
    #expect(ByteSize.parse("1.5g") == 3 << 29)
    #expect(ByteSize.parse("512MiB") == 512 << 20)
    #expect(ByteSize.parse("2GB") == 2_000_000_000)
    #expect(ByteSize.parse(" 64k ") == 65536)
  }

  @Test func nonsenseIsRefused() {
    for text in ["", "GiB", "-1G", "3 apples", "1e999", "1..2G", "nan"] { #expect(ByteSize.parse(text) == nil, "\(text)") }
    #expect(ByteSize.unit(of: "3 apples") == nil)
  }

  @Test func theUnitASizeWasWrittenIn() {
    #expect(ByteSize.unit(of: "4200MiB")?.name == "MiB" && ByteSize.unit(of: "4200m")?.bytes == 1 << 20)
    #expect(ByteSize.unit(of: "1.5G")?.name == "GiB" && ByteSize.unit(of: "2GB")?.name == "GB" && ByteSize.unit(of: "4096")?.name == "B")
  }

  /// Issue 11: `--budgets 4200MiB,4000MiB` printed the sweep's 4100 MiB run as "4.00 GiB".
  @Test func sizesPrintExactlyInTheUsersUnit() throws {
    let mib = try #require(ByteSize.unit(of: "4200MiB"))
    let gib = try #require(ByteSize.unit(of: "3GiB"))
    let mb = try #require(ByteSize.unit(of: "4200MB"))
    #expect(ByteSize.format(4100 << 20, in: mib) == "4100 MiB")
    #expect(ByteSize.format(4000 << 20, in: mib) == "4000 MiB")
    #expect(ByteSize.format(5 << 29, in: gib) == "2.5 GiB")
    #expect(ByteSize.format(2 << 30 + 1 << 28, in: gib) == "2.25 GiB")
    // 4100 MiB is 4.00390625 GiB: not four decimals, so in the largest unit that holds it whole.
    #expect(ByteSize.format(4100 << 20, in: gib) == "4100 MiB")
    #expect(ByteSize.format(4_299_161_600, in: mb) == "4299.1616 MB")
    #expect(ByteSize.format(4_200_000_000, in: mb) == "4200 MB")
    #expect(ByteSize.format(1000, in: gib) == "1000 B")
    #expect(ByteSize.format(0, in: mib) == "0 MiB")
  }
}

@Suite struct DecodePassesTests {
  /// llama.cpp's load time ends after its warm-up; the decode phase holds the prompt pass and
  /// the eval runs.
  @Test func thePromptPassAndOnePassPerEvalRun() {
    #expect(DecodePasses.count(evalRuns: 31, promptTokens: 5) == 32)
    #expect(DecodePasses.count(evalRuns: 31, promptTokens: nil) == 32)
    #expect(DecodePasses.count(evalRuns: 31, promptTokens: 0) == 31)
    #expect(DecodePasses.count(evalRuns: nil, promptTokens: 5) == nil)
    #expect(DecodePasses.count(evalRuns: 0, promptTokens: 0) == nil)
  }

  @Test func shareOfTheModelPerPass() {
    // 8 eval runs + the prompt: 9 passes, each re-reading half the model.
    #expect(DecodePasses.sharePerPass(decodeBytes: 9 * 500, modelBytes: 1000, passes: 9) == 0.5)
    // Nothing read in decode is a share of 0, whatever else is known.
    #expect(DecodePasses.sharePerPass(decodeBytes: 0, modelBytes: nil, passes: nil) == 0)
    #expect(DecodePasses.sharePerPass(decodeBytes: nil, modelBytes: 1000, passes: 9) == nil)
    #expect(DecodePasses.sharePerPass(decodeBytes: 10, modelBytes: 1000, passes: nil) == nil)
    #expect(DecodePasses.sharePerPass(decodeBytes: 10, modelBytes: 0, passes: 3) == nil)
  }

  /// A 15 ms replay load whose reads ran past the boundary: the decode phase read the whole
  /// model once, for the first time. That is no re-read.
  @Test func whatTheLoadHadNotReadYetIsNoReread() {
    #expect(DecodePasses.sharePerPass(decodeBytes: 1000, loadUniqueBytes: 0, modelBytes: 1000, passes: 3) == 0)
    #expect(DecodePasses.sharePerPass(decodeBytes: 1300, loadUniqueBytes: 400, modelBytes: 1000, passes: 2) == 0.35)
    // The load read everything: all decode bytes are re-reads (as with loadUniqueBytes unknown).
    #expect(DecodePasses.sharePerPass(decodeBytes: 1300, loadUniqueBytes: 1000, modelBytes: 1000, passes: 2) == 0.65)
    #expect(DecodePasses.sharePerPass(decodeBytes: 1300, modelBytes: 1000, passes: 2) == 0.65)
  }
}
