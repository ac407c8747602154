import Testing

@testable import ParamTraceCore

/// How a sweep puts each axis's value into the workload's command (issue 15, item 1).
@Suite struct WorkloadCommandTemplateTests {
  static let loadMode = SweepAxis(name: "load_mode", role: .loadMode, values: LlamaLoadMode.modes)
  static let threads = SweepAxis(name: "threads", role: .threads, values: ["1", "4"])
  static let batch = SweepAxis(name: "batch", role: .custom, values: ["32", "512"])

  @Test func placeholdersAreReplacedInsideArgumentsEveryTimeTheyAppear() {
    let command = ["./llama-cli", "-m", "m.gguf", "-b{batch}", "-p", "batch {batch}", "-t", "{threads}"]
    let result = WorkloadCommandTemplate.command(
      command, axes: [Self.batch, Self.threads], values: [SweepAxisValue(name: "batch", value: "512"), SweepAxisValue(name: "threads", value: "4")])
    #expect(result == ["./llama-cli", "-m", "m.gguf", "-b512", "-p", "batch 512", "-t", "4"])
  }

  @Test func aLoadModePlaceholderWinsOverRewriting() {
    let command = ["python3", "load.py", "--mode={load_mode}", "--no-mmap"]
    let result = WorkloadCommandTemplate.command(command, axes: [Self.loadMode], values: [SweepAxisValue(name: "load_mode", value: "dio")])
    #expect(result == ["python3", "load.py", "--mode=dio", "--no-mmap"])
  }

  /// Without a placeholder every load-mode option goes and the mode's spelling is appended:
  /// the older switches, unless the command already spoke `--load-mode`.
  @Test(arguments: [
    ("none", ["--no-mmap"]), ("mlock", ["--no-mmap", "--mlock"]), ("mmap+mlock", ["--mlock"]), ("dio", ["-dio"]), ("mmap", []), ("auto", []),
  ])
  func loadModesAreRewrittenInTheOlderSwitches(mode: String, words: [String]) {
    let command = ["./llama-cli", "-m", "m.gguf", "--no-mmap", "-dio", "-n", "8", "--mlock"]
    let result = LlamaLoadMode.rewrite(command, mode: mode)
    #expect(result == ["./llama-cli", "-m", "m.gguf", "-n", "8"] + words)
    // What record will read back from the command is the mode asked for (auto: nothing asked).
    #expect(LlamaLoadMode(arguments: result).requested == (words.isEmpty ? nil : mode))
  }

  @Test func aCommandThatSpokeLoadModeGetsLoadMode() {
    for command in [["llama-cli", "-lm", "mmap", "-n", "4"], ["llama-cli", "--load-mode", "mmap", "-n", "4"], ["llama-cli", "--load-mode=mmap", "-n", "4"]] {
      let result = LlamaLoadMode.rewrite(command, mode: "dio")
      #expect(result == ["llama-cli", "-n", "4", "--load-mode", "dio"], "\(command)")
      #expect(LlamaLoadMode(arguments: result).requested == "dio")
    }
  }

  @Test func threadsReplaceLlamasOwnValueWithoutAPlaceholder() {
    let values = [SweepAxisValue(name: "threads", value: "4")]
    #expect(WorkloadCommandTemplate.command(["llama-cli", "-t", "2", "-n", "8"], axes: [Self.threads], values: values) == ["llama-cli", "-t", "4", "-n", "8"])
    #expect(WorkloadCommandTemplate.command(["llama-cli", "--threads=2"], axes: [Self.threads], values: values) == ["llama-cli", "--threads=4"])
  }

  @Test func anAxisThatCannotReachTheCommandIsRefused() {
    let custom = WorkloadCommandTemplate.problem(["llama-cli", "-n", "8"], axes: [Self.batch])
    #expect(custom?.contains("has no {batch}") == true)
    let threads = WorkloadCommandTemplate.problem(["python3", "x.py"], axes: [Self.threads])
    #expect(threads?.contains("-t {threads}") == true)
    #expect(WorkloadCommandTemplate.problem(["python3", "x.py", "{batch}"], axes: [Self.batch, Self.loadMode]) == nil)
    // Read-ahead reaches the run through the disk, not the command.
    #expect(WorkloadCommandTemplate.problem(["true"], axes: [SweepAxis(name: "read_ahead_kb", role: .readAheadKilobytes, values: ["128"])]) == nil)
  }
}
