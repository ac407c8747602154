import Foundation

/// Locates the real traces committed under Tests/Fixtures (see its README).
enum FixturePaths {
  /// Tests/Fixtures in this checkout.
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

  /// `Tests/Fixtures/NAME/NAME.SUFFIX`, e.g. `file("thrash-memcg48m", "blk.txt")`.
  static func file(_ name: String, _ suffix: String) -> URL {
    root.appendingPathComponent(name).appendingPathComponent("\(name).\(suffix)")
  }

  /// The bytes of a fixture file.
  static func bytes(_ name: String, _ suffix: String) throws -> [UInt8] {
    Array(try Data(contentsOf: file(name, suffix)))
  }

  /// The bytes of a model file under Tests/Fixtures/models.
  static func modelBytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: root.appendingPathComponent("models").appendingPathComponent(name)))
  }

  /// The fixture names, smallest first.
  static let all = ["tiny-direct", "seq-mmap-none", "seq-mmap-mqdl", "random-pread", "thrash-memcg48m"]
}
