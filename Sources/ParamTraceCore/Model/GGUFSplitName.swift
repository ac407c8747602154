/// llama.cpp's file name for one split of a GGUF model, `<prefix>-%05d-of-%05d.gguf`
/// (`llama_split_path`; gguf-py's `SHARD_NAME_FORMAT`), numbered from 1: the name is how
/// llama.cpp finds the other splits from the first one.
public struct GGUFSplitName: Sendable, Hashable {
  /// Everything before `-NNNNN-of-NNNNN.gguf`, directory included.
  public var prefix: String
  /// The split's number, 1-based as in the name.
  public var number: Int
  /// The number of splits the name announces.
  public var count: Int

  public init(prefix: String, number: Int, count: Int) {
    self.prefix = prefix
    self.number = number
    self.count = count
  }

  /// Parses a path whose file name follows the rule; nil otherwise.
  public init?(path: String) {
    let suffix = "-00000-of-00000.gguf"
    let utf8 = Array(path.utf8)
    guard utf8.count > suffix.utf8.count else { return nil }
    let tail = utf8.suffix(suffix.utf8.count)
    let start = tail.startIndex
    func digits(_ from: Int) -> Int? {
      var value = 0
      for byte in tail[(start + from)..<(start + from + 5)] {
        guard byte >= 0x30, byte <= 0x39 else { return nil }
        value = value * 10 + Int(byte - 0x30)
      }
      return value
    }
    guard tail[start] == UInt8(ascii: "-"), Array(tail[(start + 6)..<(start + 10)]) == Array("-of-".utf8),
      Array(tail[(start + 15)...]) == Array(".gguf".utf8), let number = digits(1), let count = digits(10), number >= 1,
      count >= 1
    else { return nil }
    self.init(prefix: String(decoding: utf8.prefix(utf8.count - suffix.utf8.count), as: UTF8.self), number: number, count: count)
  }

  /// The path of split `number` (1-based) of the same model.
  public func path(ofSplit number: Int) -> String {
    "\(prefix)-\(Self.fiveDigits(number))-of-\(Self.fiveDigits(count)).gguf"
  }

  /// This split's path.
  public var path: String { path(ofSplit: number) }

  private static func fiveDigits(_ value: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, 5 - text.count)) + text
  }
}
