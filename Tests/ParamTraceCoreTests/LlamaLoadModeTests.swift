import Testing

@testable import ParamTraceCore

/// llama.cpp's load mode from every spelling of its command line, its environment and its log.
@Suite struct LlamaLoadModeTests {
  @Test(arguments: [
    (["llama-cli", "-m", "m.gguf"], nil as String?, nil as String?),
    (["llama-cli", "-m", "m.gguf", "--load-mode", "dio"], "dio", "--load-mode dio"),
    (["llama-cli", "-lm", "mmap+mlock"], "mmap+mlock", "-lm mmap+mlock"),
    (["llama-cli", "--load-mode=none"], "none", "--load-mode=none"),
    (["llama-cli", "--no-mmap"], "none", "--no-mmap"),
    (["llama-cli", "--mlock"], "mmap+mlock", "--mlock"),
    (["llama-cli", "--no-mmap", "--mlock"], "mlock", "--no-mmap --mlock"),
    (["llama-cli", "-dio"], "dio", "-dio"),
    (["llama-cli", "--direct-io", "-ndio"], nil, nil),  // dio turned off again: the default
    (["llama-cli", "-lm", "none", "-lm", "dio"], "dio", "-lm dio"),
  ])
  func commandLines(arguments: [String], mode: String?, words: String?) {
    let loadMode = LlamaLoadMode(arguments: arguments)
    #expect(loadMode.requested == mode)
    #expect(loadMode.requestedBy == words)
    #expect(loadMode.effective == (mode ?? "auto"))
  }

  @Test func environmentCountsWhenTheCommandSaysNothing() {
    #expect(LlamaLoadMode(arguments: ["llama-cli"], environment: ["LLAMA_ARG_LOAD_MODE": "dio"]).requested == "dio")
    #expect(LlamaLoadMode(arguments: ["llama-cli", "--mlock"], environment: ["LLAMA_ARG_LOAD_MODE": "dio"]).requested == "mmap+mlock")
    #expect(LlamaLoadMode(arguments: ["llama-cli"], environment: ["LLAMA_ARG_NO_MMAP": "1"]).requested == "none")
  }

  @Test func theLogLineSaysWhatWasUsed() {
    let new = "llama_model_load: ...\nload_tensors: loading model tensors, this can take a while... (load_mode = mmap)\n"
    #expect(LlamaLoadMode(arguments: ["llama-cli"], output: new).reported == "mmap")
    #expect(LlamaLoadMode(arguments: ["llama-cli"], output: new).effective == "mmap")
    let older = "load_tensors: loading model tensors, this can take a while... (mmap = false)\n"
    #expect(LlamaLoadMode(arguments: ["x", "--no-mmap"], output: older).reported == "none")
    let dio = "load_tensors: loading model tensors, this can take a while... (mmap = false, direct_io = true)\n"
    #expect(LlamaLoadMode(arguments: ["x"], output: dio).reported == "dio")
    #expect(LlamaLoadMode(arguments: ["x"], output: "no such line").reported == nil)
  }
}
