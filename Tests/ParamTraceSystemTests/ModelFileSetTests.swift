import Foundation
import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

/// Multi-file models from the fixtures in Tests/Fixtures/models/split/, written by the official
/// `gguf` and `safetensors` packages (scripts/make-split-fixtures.py); the expected counts and
/// offsets are what gguf-py's GGUFReader reports for them.
@Suite struct ModelFileSetTests {
  static let split = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/models/split").path

  @Test(arguments: ["gguf/tiny-split-00001-of-00002.gguf", "gguf/tiny-split-00002-of-00002.gguf", "gguf"])
  func anySplitOrTheDirectoryGivesBothSplitsInOrder(name: String) throws {
    let files = try ModelFileSet.open(Self.split + "/" + name)
    #expect(files.kind == .ggufSplit)
    #expect(files.paths.map { $0.split(separator: "/").last! } == ["tiny-split-00001-of-00002.gguf", "tiny-split-00002-of-00002.gguf"])
    // gguf-py: 9 and 6 tensors, data_offset 928 and 480, split.tensors.count 15.
    #expect(files.parts.map(\.map.tensors.count) == [9, 6])
    #expect(files.parts.map(\.map.dataStart) == [928, 480])
    #expect(files.tensorCount == 15)
    #expect(files.totalSize == 19_360 + 10_976)
  }

  @Test func safetensorsShardsFromTheirIndex() throws {
    for name in ["safetensors/model.safetensors.index.json", "safetensors"] {
      let files = try ModelFileSet.open(Self.split + "/" + name)
      #expect(files.parts.count == 2)
      #expect(files.parts.map(\.map.tensors.count) == [3, 3])
      #expect(Set(files.parts[1].map.tensors.map(\.name)).contains("lm_head.weight"))
    }
  }

  @Test func theLayoutPutsEveryTensorInItsFileOnPageAlignedStarts() throws {
    let files = try ModelFileSet.open(Self.split + "/gguf")
    let layout = ModelLayout(files)
    #expect(layout.parts.map(\.start) == [0, 20_480])
    #expect(layout.headerSize == 928 + 480)
    for tensor in layout.tensors {
      let part = layout.parts[tensor.part]
      #expect(tensor.start >= part.start + part.dataStart && tensor.end <= part.end, "\(tensor.name)")
      #expect(files.parts[tensor.part].map.tensors.contains { $0.name == tensor.name })
    }
    #expect(layout.tensors.filter { $0.part == 1 }.count == 6)
  }

  @Test(arguments: [
    ("gguf-missing", "tiny-split-00002-of-00002.gguf: missing"),
    ("gguf-mixed", "tiny-split-00002-of-00002.gguf: split.count = 3"),
    ("gguf-keys", "bad-00002-of-00002.gguf: split.tensors.count = 5"),
    ("safetensors-absent", "names the shard model-00002-of-00002.safetensors"),
  ])
  func brokenSetsNameTheFileAndTheKey(directory: String, message: String) throws {
    let error = #expect(throws: ModelFilesError.self) { try ModelFileSet.open(Self.split + "/" + directory) }
    #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
  }

  @Test func splitNamesFollowLlamaCppsRule() {
    let name = GGUFSplitName(path: "/m/Qwen3-30B-00002-of-00003.gguf")
    #expect(name == GGUFSplitName(prefix: "/m/Qwen3-30B", number: 2, count: 3))
    #expect(name?.path(ofSplit: 1) == "/m/Qwen3-30B-00001-of-00003.gguf")
    #expect(GGUFSplitName(path: "model.gguf") == nil)
    #expect(GGUFSplitName(path: "m-0001-of-00002.gguf") == nil)
    #expect(GGUFSplitName(path: "m-00000-of-00002.gguf") == nil)
  }
}
