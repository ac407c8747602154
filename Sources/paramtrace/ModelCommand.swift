import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct ModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "The tensor layout of a GGUF or safetensors file: every tensor's offset, size, type, shape and layer.",
    discussion: """
      Reads only the header (a few MB even for multi-GB models): GGUF v2 and v3 (either byte \
      order) or safetensors, detected from the first bytes. Prints the header summary (format, \
      data start, alignment, architecture keys), the metadata (long arrays show their first \
      elements and their length) and one row per tensor in file order. Offsets and sizes are \
      bytes. GGUF shapes are in ggml's ne order (innermost first: a [32000, 4096] PyTorch \
      matrix is [4096, 32000]); safetensors shapes are in PyTorch order.

      Damaged or hostile headers (counts or lengths past the end of the file, overlapping or \
      misaligned tensors, unknown types) are refused with the byte offset of the bad field.

      EXAMPLES:
        paramtrace model llama-2-7b-chat.Q4_K_M.gguf
        paramtrace model model-00001-of-00002.safetensors --json | jq '.tensors[0]'
      """
  )

  @Argument(help: "A .gguf or .safetensors file.")
  var file: String

  @Flag(help: "Print the layout as JSON instead of the table.")
  var json = false

  func run() throws {
    let reader = try FilePrefixReader(path: file)
    let map = try ModelFileReader.read(fileSize: reader.size, source: file) { count in try reader.readPrefix(count: count) }
    if json {
      var document = map.json
      if case .object(var members) = document {
        members.insert(("tool_version", .string(ParamTraceVersion.current)), at: 0)
        members.insert(("path", .string(file)), at: 1)
        document = .object(members)
      }
      print(document.rendered())
    } else {
      print(map.summary(source: file), terminator: "")
    }
  }
}
