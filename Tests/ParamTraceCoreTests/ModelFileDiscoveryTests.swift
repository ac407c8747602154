import Testing

@testable import ParamTraceCore

/// `--cold` without `--model` takes the model from the workload's command line (issue 11, item 6).
@Suite struct ModelFileDiscoveryTests {
  static let files: Set<String> = ["m.gguf", "/models/llama-2-7b.Q4_K_M.gguf", "weights.bin", "x.safetensors", "prompt.txt"]
  static func find(_ command: [String]) -> String? { ModelFileDiscovery.modelPath(inCommand: command, isFile: files.contains) }

  @Test func llamaCppsModelFlagWinsWhateverTheFileIsCalled() {
    #expect(Self.find(["./llama-cli", "-m", "weights.bin", "-n", "32", "-p", "hi"]) == "weights.bin")
    #expect(Self.find(["./llama-cli", "--model", "/models/llama-2-7b.Q4_K_M.gguf", "-no-cnv"]) == "/models/llama-2-7b.Q4_K_M.gguf")
    #expect(Self.find(["llama-server", "--model=m.gguf"]) == "m.gguf")
    // -m before another model-looking argument: -m decides.
    #expect(Self.find(["./llama-cli", "--lora", "x.safetensors", "-m", "m.gguf"]) == "m.gguf")
  }

  @Test func elseTheFirstExistingModelFileAmongTheArguments() {
    #expect(Self.find(["paramtrace", "replay", "m.gguf", "--tokens", "16"]) == "m.gguf")
    #expect(Self.find(["python3", "run.py", "missing.gguf", "x.safetensors"]) == "x.safetensors")
    // A -m that names no file is passed over.
    #expect(Self.find(["./llama-cli", "-m", "gone.gguf", "m.gguf"]) == "m.gguf")
  }

  @Test func nothingNamedIsNil() {
    #expect(Self.find(["./llama-cli", "-m"]) == nil)
    #expect(Self.find(["/usr/bin/python3", "toucher.py", "prompt.txt", "weights.bin"]) == nil)  // .bin needs -m
    #expect(Self.find(["m.gguf"]) == nil)  // the program itself is no argument
    #expect(Self.find([]) == nil)
    #expect(ModelFileDiscovery.modelFlagValues(inCommand: ["./llama-cli", "-m", "gone.gguf", "--model="]) == ["gone.gguf"])
  }
}
