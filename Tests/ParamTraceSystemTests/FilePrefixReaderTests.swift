import Foundation
import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

@Suite struct FilePrefixReaderTests {
  static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures").appendingPathComponent("models")

  @Test func readsPrefixesAndTheSize() throws {
    let path = Self.models.appendingPathComponent("tiny-moe.gguf").path
    let whole = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    let reader = try FilePrefixReader(path: path)
    #expect(reader.size == UInt64(whole.count))
    #expect(try reader.readPrefix(count: 0) == [])
    #expect(try reader.readPrefix(count: 100) == Array(whole[0..<100]))
    #expect(try reader.readPrefix(count: 1 << 40) == whole)
    #expect(try readFilePrefix(path: path, count: 4) == Array("GGUF".utf8))
  }

  /// Reading a sparse 8 GiB file's header touches only the header.
  @Test func readsOnlyTheHeaderOfAHugeFile() throws {
    let source = Array(try Data(contentsOf: Self.models.appendingPathComponent("tiny-moe.gguf")))
    let map = try ModelMap.parseWhole(source)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-prefix-\(getpid()).gguf")
    defer { try? FileManager.default.removeItem(at: url) }
    // The same bytes followed by a hole up to 8 GiB: the header and tensors are unchanged.
    try Data(source).write(to: url)
    let handle = try FileHandle(forWritingTo: url)
    try handle.truncate(atOffset: 8 << 30)
    try handle.close()
    let reader = try FilePrefixReader(path: url.path)
    var largest: UInt64 = 0
    let big = try ModelFileReader.read(fileSize: reader.size, initialPrefix: 64) { count in
      largest = max(largest, count)
      return try reader.readPrefix(count: count)
    }
    #expect(big.tensors == map.tensors)
    #expect(big.fileSize == 8 << 30)
    #expect(largest < 4096)
  }

  @Test func refusesDirectoriesAndMissingFiles() {
    #expect(throws: FileAccessError.self) { _ = try FilePrefixReader(path: Self.models.path) }
    #expect(throws: FileAccessError.self) { _ = try FilePrefixReader(path: "/nonexistent/model.gguf") }
    #expect(throws: NotARegularFileError.self) { _ = try FilePrefixReader(path: "/dev/null") }
  }
}

extension ModelMap {
  fileprivate static func parseWhole(_ bytes: [UInt8]) throws -> ModelMap {
    guard case .done(let map) = try ModelFileReader.read(prefix: bytes, fileSize: UInt64(bytes.count)) else {
      throw CancellationError()
    }
    return map
  }
}
