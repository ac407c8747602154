/// Why the files of a multi-file model (GGUF splits, safetensors shards) do not make one
/// model: which file, which key, and what to do.
public struct ModelFilesError: Error, Hashable, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
