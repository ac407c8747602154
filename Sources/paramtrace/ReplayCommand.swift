import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct ReplayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Touch a GGUF model's pages as llama.cpp's CPU decode does, and print llama.cpp's timing lines.",
    discussion: """
      Loads like llama.cpp's mmap loader: posix_fadvise SEQUENTIAL, mmap PROT_READ MAP_SHARED of \
      the whole file with MAP_POPULATE, then posix_madvise WILLNEED (--no-populate skips both, so \
      pages are read by faults as they are touched). The prompt is one pass over all weights \
      (a batch) plus its embedding rows; then each token reads its embedding row, every layer \
      in layer order with its tensors in graph order (attn_norm, attn_q, attn_k, attn_v, \
      attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down; MoE: ffn_gate_inp, then the chosen \
      experts' slices), then output_norm and output, with a barrier after every tensor. The \
      rows of a matrix are shared as ggml's mul_mat shares them (--row-split chunks): chunks of \
      64 rows (16 for a batch), thread t first takes chunk t, then the next unclaimed one, so \
      the threads sweep each matrix together from its start; --row-split contiguous gives each \
      thread one range instead (T streams). Every 8-byte word is read and summed into a \
      checksum, which makes decode memory-bandwidth bound like llama.cpp's (warm 7B Q4_K_M twin, \
      2 threads: 10.3 tokens/s against llama.cpp's 9.1); --pages-only reads one word per 4 KiB \
      page (every page still faults in, ~12x faster). --context N allocates and \
      zeroes the KV cache llama.cpp's -c N would (f16 K and V of every layer), so a memory \
      budget leaves the weights as much page cache as it leaves llama.cpp's.

      MoE models (stacked ffn_*_exps tensors): per token and layer replay reads the router \
      (ffn_gate_inp) whole, then, of every stacked expert tensor, only the slices of the top-k \
      experts (k = expert_used_count; expert e is bytes [e·size/n, (e+1)·size/n)). A seeded \
      router picks them, the same for the same --seed, token and layer: --router uniform (every \
      expert equally likely) or zipf:S (the expert of popularity rank r has weight 1/r^S, ranks \
      shuffled per layer). A prompt batch reads the union of its tokens' experts. --experts-log \
      FILE writes one JSON line per token and MoE layer: {"token":0,"phase":"prompt","layer":0,"experts":[3,17,20,31]}.

      Prints, on standard error, the lines llama.cpp prints at exit (llama_perf_context_print: \
      load time, prompt eval time, eval time, total time), so `paramtrace record` reads replay's \
      speed as it reads llama.cpp's; a summary goes to standard output.

      EXAMPLES:
        paramtrace replay /var/tmp/twin.gguf --tokens 16
        paramtrace replay /var/tmp/twin.gguf --tokens 8 --threads 2 \\
          --prompt-tokens 32 --no-populate
        paramtrace replay /var/tmp/gpt-oss-twin.gguf --tokens 16 \\
          --router zipf:1.2 --experts-log experts.jsonl
      """
  )

  @Argument(help: "A GGUF model file (a synth twin or a real model); for a split model its first split or any split: every split is mapped, as llama.cpp maps each.")
  var model: String

  @Option(help: "Decode tokens.")
  var tokens: Int

  @Option(help: "Threads splitting each matrix by rows (default: online CPUs).")
  var threads: Int?

  @Option(help: "Prompt tokens, processed as one batch.")
  var promptTokens: Int = 1

  @Flag(help: "Skip MAP_POPULATE and MADV_WILLNEED: pages are read by faults as decode touches them.")
  var noPopulate = false

  @Flag(help: "Read one 8-byte word per 4 KiB page, not every word: every page still faults in, ~12x faster than llama.cpp computes.")
  var pagesOnly = false

  @Option(help: "Seed of the token ids (and MoE experts).")
  var seed: UInt64 = 1

  @Option(help: "How threads share a matrix's rows: chunks (as ggml) or contiguous (one range each).")
  var rowSplit: String = "chunks"

  @Option(help: "MoE expert choice: uniform, or zipf:S (rank r has weight 1/r^S).")
  var router: String = "uniform"

  @Option(help: "Write the experts of every token and MoE layer to this file, one JSON line each.")
  var expertsLog: String?

  @Option(help: "Allocate and zero the f16 KV cache of this many tokens, as llama.cpp's -c N does (it counts against a memory budget).")
  var context: Int = 0

  func validate() throws {
    guard tokens >= 0, promptTokens >= 0, context >= 0 else {
      throw ValidationError("--tokens, --prompt-tokens and --context must not be negative.")
    }
    if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be 1…1024.") }
    if ModelReplayOptions.RowSplit(rawValue: rowSplit) == nil { throw ValidationError("--row-split must be chunks or contiguous.") }
    do { _ = try ModelExpertRouter(parsing: router, seed: seed) } catch { throw ValidationError(error.description) }
  }

  func run() throws {
    let files = try ModelFileSet.open(model)
    let plan = try ModelReplayPlan(files: files)
    let options = ModelReplayOptions(
      tokens: tokens, promptTokens: promptTokens, threads: threads ?? ModelReplay.onlineProcessors, populate: !noPopulate,
      seed: seed, readAll: !pagesOnly, rowSplit: ModelReplayOptions.RowSplit(rawValue: rowSplit) ?? .chunks, contextTokens: context,
      router: try ModelExpertRouter(parsing: router, seed: seed))
    let what = files.parts.count > 1 ? " in \(files.parts.count) files" : ""
    print("paramtrace_replay: \(model): \(HumanUnits.grouped(files.totalSize)) bytes\(what), \(files.tensorCount) tensors, "
      + "\(plan.layers.count) layers; \(options.threads) threads, \(noPopulate ? "no populate" : "MAP_POPULATE + WILLNEED")")
    let moe = plan.expertLayers
    if let first = moe.first {
      print("paramtrace_replay: MoE: \(moe.count) layers, \(first.used) of \(first.count) experts per token, router \(options.router)")
    } else if expertsLog != nil {
      printError("paramtrace_replay: \(model) has no stacked experts (ffn_*_exps): --experts-log stays empty.")
    }
    // Created before the run, so a bad path fails before minutes of replay.
    var log = try expertsLog.map { try TextFileWriter(path: $0) }
    let result = try ModelReplay.run(files: files.paths, plan: plan, options: options)
    try log?.write(result.routing.jsonLines())
    try log?.close()
    for line in result.timings.lines() { printError(line) }
    let evalSeconds = result.timings.evalMilliseconds / 1e3
    let perToken = Double(result.bytesPerToken)
    if result.kvCacheBytes > 0 { print("paramtrace_replay: KV cache \(HumanUnits.bytes(result.kvCacheBytes)) (--context \(context))") }
    print("paramtrace_replay: per token \(HumanUnits.grouped(result.bytesPerToken)) bytes; checksum "
      + "0x\(String(result.checksum, radix: 16))")
    if tokens > 0, evalSeconds > 0 {
      print("paramtrace_replay: decode \(ModelReplayTimings.fixed(Double(tokens) / evalSeconds, width: 0)) tokens/s, "
        + "\(HumanUnits.rate(perToken * Double(tokens) / evalSeconds)) through the mapping")
    }
  }
}
