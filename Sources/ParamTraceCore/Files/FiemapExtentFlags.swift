/// The flags of one FIEMAP extent (`fe_flags`, linux/fiemap.h), with the words `filefrag -v`
/// prints for them.
public struct FiemapExtentFlags: OptionSet, Sendable, Hashable {
  /// The `fe_flags` bits.
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// FIEMAP_EXTENT_LAST: the last extent of the file.
  public static let last = Self(rawValue: 0x1)
  /// FIEMAP_EXTENT_UNKNOWN: the location is unknown; `fe_physical` means nothing.
  public static let unknown = Self(rawValue: 0x2)
  /// FIEMAP_EXTENT_DELALLOC: not allocated yet (delayed allocation); also sets UNKNOWN.
  public static let delalloc = Self(rawValue: 0x4)
  /// FIEMAP_EXTENT_ENCODED: compressed or otherwise encoded on disk.
  public static let encoded = Self(rawValue: 0x8)
  /// FIEMAP_EXTENT_DATA_ENCRYPTED: encrypted on disk; the location is still exact.
  public static let dataEncrypted = Self(rawValue: 0x80)
  /// FIEMAP_EXTENT_NOT_ALIGNED: the data is not block-aligned.
  public static let notAligned = Self(rawValue: 0x100)
  /// FIEMAP_EXTENT_DATA_INLINE: the data lives in filesystem metadata (e.g. the inode).
  public static let dataInline = Self(rawValue: 0x200)
  /// FIEMAP_EXTENT_DATA_TAIL: the data is packed with other files' tails.
  public static let dataTail = Self(rawValue: 0x400)
  /// FIEMAP_EXTENT_UNWRITTEN: preallocated; reads return zeros without disk I/O.
  public static let unwritten = Self(rawValue: 0x800)
  /// FIEMAP_EXTENT_MERGED: the filesystem merged several of its extents into this one.
  public static let merged = Self(rawValue: 0x1000)
  /// FIEMAP_EXTENT_SHARED: shared with other files (reflink, snapshot).
  public static let shared = Self(rawValue: 0x2000)
  /// EXT4_FIEMAP_EXTENT_HOLE (e2fsprogs): a hole, printed only by `filefrag -E`.
  public static let hole = Self(rawValue: 0x0800_0000)

  /// The known flags in the order filefrag prints them, with filefrag's words.
  public static let named: [(flag: FiemapExtentFlags, name: String)] = [
    (.last, "last"), (.unknown, "unknown_loc"), (.delalloc, "delalloc"), (.encoded, "encoded"),
    (.dataEncrypted, "encrypted"), (.notAligned, "not_aligned"), (.dataInline, "inline"),
    (.dataTail, "tail_packed"), (.unwritten, "unwritten"), (.merged, "merged"), (.shared, "shared"),
    (.hole, "hole"),
  ]

  /// Every bit paramtrace knows.
  public static let known: FiemapExtentFlags = named.reduce(into: []) { $0.formUnion($1.flag) }

  /// The flags as filefrag words (`last`, `unwritten`, …); unknown bits as hex (`0x4000`).
  public var names: [String] {
    var out = Self.named.filter { contains($0.flag) }.map(\.name)
    var rest = rawValue & ~Self.known.rawValue
    while rest != 0 {
      let bit = rest & (~rest &+ 1)
      out.append("0x" + String(bit, radix: 16))
      rest &= ~bit
    }
    return out
  }

  /// The flag a filefrag word names (`unknown_loc`, `0x4000`, …); nil for other words.
  public init?(filefragWord word: some StringProtocol) {
    if let match = Self.named.first(where: { $0.name == word }) {
      self = match.flag
    } else if word.hasPrefix("0x"), let value = UInt32(word.dropFirst(2), radix: 16), value != 0 {
      self.init(rawValue: value)
    } else {
      return nil
    }
  }
}
