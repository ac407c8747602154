import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct ModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "The tensor layout of a GGUF or safetensors model: every tensor's file, offset, size, type, shape and layer.",
    discussion: """
      Reads only the header (a few MB even for multi-GB models): GGUF v2 and v3 (either byte \
      order) or safetensors, detected from the first bytes. Prints the header summary (format, \
      data start, alignment, architecture keys), the metadata (long arrays show their first \
      elements and their length) and one row per tensor in file order. Offsets and sizes are \
      bytes. GGUF shapes are in ggml's ne order (innermost first: a [32000, 4096] PyTorch \
      matrix is [4096, 32000]); safetensors shapes are in PyTorch order.

      A model in several files is taken from its first split (the others are found by \
      llama.cpp's naming rule <prefix>-%05d-of-%05d.gguf and checked against their split.no, \
      split.count and split.tensors.count keys), any split, its model.safetensors.index.json, \
      or the directory holding one of these. The report lists the files, then each file's \
      layout; --json gives every tensor its file.

      Damaged or hostile headers (counts or lengths past the end of the file, overlapping or \
      misaligned tensors, unknown types) are refused with the byte offset of the bad field.

      EXAMPLES:
        paramtrace model llama-2-7b-chat.Q4_K_M.gguf
        paramtrace model model-00001-of-00002.safetensors --json | jq '.tensors[0]'
        paramtrace model Qwen3-30B-A3B-Q4_K_M-00001-of-00002.gguf
        paramtrace model model.safetensors.index.json --json | jq '.files'
      """
  )

  @Argument(help: "A .gguf or .safetensors file, any split of a GGUF model, a safetensors index JSON, or a directory holding one.")
  var file: String

  @Flag(help: "Print the layout as JSON instead of the table.")
  var json = false

  func run() throws {
    let files = try ModelFileSet.open(file)
    if json {
      var document = files.json
      if case .object(var members) = document {
        members.insert(("tool_version", .string(ParamTraceVersion.current)), at: 0)
        members.insert(("path", .string(file)), at: 1)
        document = .object(members)
      }
      print(document.rendered())
    } else {
      print(files.summary(source: file), terminator: "")
    }
  }
}
