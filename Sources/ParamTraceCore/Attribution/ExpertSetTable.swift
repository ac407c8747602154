/// Rows of expert sets, one bit per expert, stored flat: `wordsPerRow` 64-bit words per row
/// (a layer of 32 experts takes one word, 256 experts four), so a set costs bits, not an array.
public struct ExpertSetTable: Sendable, Hashable {
  /// Words of one row: enough for `experts` bits.
  public let wordsPerRow: Int
  public private(set) var words: [UInt64] = []

  public init(experts: Int) { wordsPerRow = max(1, (experts + 63) / 64) }

  /// Rows held so far.
  public var rowCount: Int { words.count / wordsPerRow }

  /// Grows the table with empty rows so `row` exists.
  @inline(__always)
  public mutating func ensureRow(_ row: Int) {
    let needed = (row + 1) * wordsPerRow
    if words.count < needed { words.append(contentsOf: repeatElement(0, count: needed - words.count)) }
  }

  /// Sets the bits of experts `first...last` in `row` (which must exist).
  @inline(__always)
  public mutating func insert(row: Int, experts first: Int, through last: Int) {
    let base = row * wordsPerRow
    var expert = first
    while expert <= last {
      let word = expert >> 6
      let bit = expert & 63
      // The bits of this word up to `last`, in one store.
      let upTo = min(63, last - (word << 6))
      let width = upTo - bit + 1
      let mask: UInt64 = width == 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(bit)
      words[base + word] |= mask
      expert = (word + 1) << 6
    }
  }

  /// Adds every expert of `source`'s row `sourceRow` to this table's `row` (same width).
  @inline(__always)
  public mutating func formUnion(row: Int, with source: ExpertSetTable, row sourceRow: Int) {
    let base = row * wordsPerRow
    let other = sourceRow * wordsPerRow
    for word in 0..<wordsPerRow { words[base + word] |= source.words[other + word] }
  }

  /// Whether `expert` is in `row`.
  public func contains(row: Int, expert: Int) -> Bool {
    words[row * wordsPerRow + expert >> 6] & (1 << UInt64(expert & 63)) != 0
  }

  /// Experts in `row`.
  public func count(row: Int) -> Int {
    var total = 0
    for word in 0..<wordsPerRow { total += words[row * wordsPerRow + word].nonzeroBitCount }
    return total
  }

  /// Experts in both `row` and `other` of this table.
  public func countCommon(row: Int, _ other: Int) -> Int {
    var total = 0
    for word in 0..<wordsPerRow { total += (words[row * wordsPerRow + word] & words[other * wordsPerRow + word]).nonzeroBitCount }
    return total
  }

  /// The experts of `row`, ascending.
  public func experts(row: Int) -> [Int] {
    var result: [Int] = []
    for word in 0..<wordsPerRow {
      var bits = words[row * wordsPerRow + word]
      while bits != 0 {
        result.append(word << 6 + bits.trailingZeroBitCount)
        bits &= bits - 1
      }
    }
    return result
  }
}
