/// The files of one model, in the order their bytes are laid end to end (spec §11): one
/// GGUF or safetensors file, the splits of a GGUF (`<prefix>-%05d-of-%05d.gguf`, checked
/// against their `split.*` keys), or the shards named by a safetensors index.
public struct ModelFiles: Sendable, Hashable {
  /// One file and its parsed header.
  public struct Part: Sendable, Hashable {
    public var path: String
    public var map: ModelMap
    public init(path: String, map: ModelMap) {
      self.path = path
      self.map = map
    }
  }

  /// How the files were found.
  public enum Kind: Sendable, Hashable {
    case single
    /// GGUF splits, found from the first by llama.cpp's naming rule.
    case ggufSplit
    /// safetensors shards named by the index at `indexPath`.
    case safetensorsIndex(indexPath: String)
  }

  public var kind: Kind
  /// The files, first split (or first shard by name) first.
  public var parts: [Part]

  public init(kind: Kind, parts: [Part]) {
    self.kind = kind
    self.parts = parts
  }

  /// One file.
  public init(path: String, map: ModelMap) { self.init(kind: .single, parts: [Part(path: path, map: map)]) }

  /// The first file: for GGUF splits, the one with the model's metadata.
  public var first: Part { parts[0] }
  /// Bytes of all files together.
  public var totalSize: UInt64 { parts.reduce(0) { $0 + $1.map.fileSize } }
  /// Tensors of all files together.
  public var tensorCount: Int { parts.reduce(0) { $0 + $1.map.tensors.count } }
  /// The paths, in order.
  public var paths: [String] { parts.map(\.path) }

  /// Where the files start when laid end to end in one address space: each at the end of the
  /// one before, rounded up to a page. Page-aligned starts keep each file's offsets in 512-byte
  /// units and pages whole, so a file read in order stays sequential in that space (llama.cpp
  /// maps each split on its own).
  public static func starts(ofSizes sizes: [UInt64]) -> [UInt64] {
    var starts: [UInt64] = []
    var next: UInt64 = 0
    for size in sizes {
      starts.append(next)
      next = (next + size + partAlignment - 1) / partAlignment * partAlignment
    }
    return starts
  }

  /// The alignment of the files' starts in the model's address space.
  public static let partAlignment: UInt64 = 4096
}

extension ModelFiles {
  /// llama.cpp's split keys (`LLM_KV_SPLIT_*`).
  public enum SplitKey {
    public static let number = "split.no"
    public static let count = "split.count"
    public static let tensorCount = "split.tensors.count"
  }

  /// The number of splits a GGUF header announces (`split.count`); nil when it is no split.
  public static func announcedSplitCount(_ map: ModelMap) -> Int? {
    guard map.format == .gguf, let count = map.metadata(SplitKey.count)?.integer else { return nil }
    return count
  }

  /// Checks that `parts`, read from the paths llama.cpp's naming rule gives for `name`, are
  /// the splits of one model: each says it is split `i` of the same count, they all count
  /// the same tensors, and together hold exactly that many, each name once.
  public static func checkedSplit(_ parts: [Part], name: GGUFSplitName) throws(ModelFilesError) -> ModelFiles {
    let first = parts[0]
    func key(_ part: Part, _ key: String) throws(ModelFilesError) -> Int {
      guard let value = part.map.metadata(key)?.integer else {
        throw ModelFilesError(
          "\(part.path): no integer key \(key), which every split of a GGUF model carries. It is not a split written by gguf-split or gguf-py; pass the model's first split.")
      }
      return value
    }
    let count = try key(first, SplitKey.count)
    let tensorCount = try key(first, SplitKey.tensorCount)
    guard count == name.count else {
      throw ModelFilesError(
        "\(first.path): \(SplitKey.count) = \(count) but the file name says \(name.count) splits (-of-\(name.count)). Rename the files as gguf-split wrote them.")
    }
    var names = Set<String>()
    var held = 0
    for (index, part) in parts.enumerated() {
      let number = try key(part, SplitKey.number)
      guard number == index else {
        throw ModelFilesError(
          "\(part.path): \(SplitKey.number) = \(number) but its name makes it split \(index) (0-based) of \(count). The files were renamed or mixed up; keep the names gguf-split wrote.")
      }
      let partCount = try key(part, SplitKey.count)
      guard partCount == count else {
        throw ModelFilesError(
          "\(part.path): \(SplitKey.count) = \(partCount) but \(first.path) says \(count): it is a split of another model. Put the splits of one model together.")
      }
      let partTensors = try key(part, SplitKey.tensorCount)
      guard partTensors == tensorCount else {
        throw ModelFilesError(
          "\(part.path): \(SplitKey.tensorCount) = \(partTensors) but \(first.path) says \(tensorCount): the splits' keys disagree, so they are not the splits of one model (or one was damaged). Put the splits of one model together, as gguf-split wrote them.")
      }
      for tensor in part.map.tensors where !names.insert(tensor.name).inserted {
        throw ModelFilesError("\(part.path): tensor \(tensor.name) is also in an earlier split: the splits are of different models or were written twice.")
      }
      held += part.map.tensors.count
    }
    guard held == tensorCount else {
      throw ModelFilesError(
        "\(first.path): \(SplitKey.tensorCount) = \(tensorCount) but the \(count) splits hold \(held) tensors: a split is damaged or of another model.")
    }
    return ModelFiles(kind: .ggufSplit, parts: parts)
  }
}
