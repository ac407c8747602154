/// Why `filefrag -v` text could not be read, with the line and what to do.
public struct FilefragParseError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What is wrong with the text.
  public enum Reason: Hashable, Sendable {
    /// No filefrag output at all.
    case empty
    /// A line that filefrag -v does not print.
    case unexpectedLine(String)
    /// An extent line that does not have filefrag's columns.
    case badExtentLine(String)
    /// A flag word filefrag does not print.
    case unknownFlag(String)
    /// Numbers with hex digits: `filefrag -X`.
    case hexadecimal
    /// A number too large for 64 bits, in bytes.
    case numberTooLarge
    /// An extent whose columns disagree (e.g. a `-b` unit larger than the filesystem block).
    case inconsistentExtent(String)
    /// Extent numbers not 0, 1, 2, … (edited or concatenated text).
    case extentNumber(expected: Int, found: UInt64)
    /// Extent lines before the " ext:" header or the "File size of" line.
    case extentBeforeHeader
    /// "blocks of N bytes" with N not a power of two.
    case badUnit(UInt64)
    /// Output for more than one file.
    case severalFiles
    /// Says N extents but shows no extent table: filefrag run without -v.
    case notVerbose(Int)
    /// No "N extents found" line at the end.
    case truncated
    /// filefrag itself could not map the file.
    case fiemapUnsupported(String)
  }

  /// What is wrong with the text.
  public var reason: Reason
  /// 1-based line number; 0 when the problem is the text as a whole.
  public var line: Int

  public init(_ reason: Reason, line: Int) {
    self.reason = reason
    self.line = line
  }

  public var description: String {
    let place = line > 0 ? "line \(line): " : ""
    switch reason {
    case .empty:
      return "no filefrag output found. Save the output of `filefrag -v FILE` and pass that file."
    case .unexpectedLine(let text):
      return "\(place)not `filefrag -v` output: \"\(text)\". Pass the unmodified output of `filefrag -v FILE` (e2fsprogs)."
    case .badExtentLine(let text):
      return "\(place)extent line without filefrag's columns (ext: logical..: physical..: length: expected: flags): \"\(text)\"."
    case .unknownFlag(let word):
      return "\(place)unknown extent flag \"\(word)\"; filefrag prints last, unknown_loc, delalloc, encoded, encrypted, not_aligned, inline, tail_packed, unwritten, merged, shared, hole, eof or hex bits."
    case .hexadecimal:
      return "\(place)numbers are hexadecimal: this is `filefrag -X` output, and decimal and hex cannot be told apart reliably. Run `filefrag -v` without -X."
    case .numberTooLarge:
      return "\(place)a number is too large (more than 2^64 bytes); the text is damaged."
    case .inconsistentExtent(let why):
      return "\(place)\(why). Was a -b unit larger than the filesystem block used? Run `filefrag -v` without -b, or with -b512."
    case .extentNumber(let expected, let found):
      return "\(place)extent number \(found) where \(expected) was expected: the text was edited or holds several runs. Save one unmodified `filefrag -v FILE` output."
    case .extentBeforeHeader:
      return "\(place)extent line before the \"File size of …\" line and the \" ext:\" header; the text was cut at the start. Save the whole `filefrag -v FILE` output."
    case .badUnit(let unit):
      return "\(place)unit of \(unit) bytes is not a power of two; filefrag rounds such -b values, so offsets cannot be trusted. Run `filefrag -v` without -b."
    case .severalFiles:
      return "\(place)the text holds `filefrag -v` output for more than one file. Save one file's output."
    case .notVerbose(let count):
      return "\(place)filefrag reports \(count) extents but the text has no extent table: run `filefrag -v FILE` (verbose)."
    case .truncated:
      return "the text ends before filefrag's \"N extents found\" line, so extents may be missing. Save the whole `filefrag -v FILE` output."
    case .fiemapUnsupported(let text):
      return "\(place)filefrag could not map the file (\"\(text)\"): its filesystem has no FIEMAP (tmpfs, NFS, overlay, …), so there are no disk extents to map."
    }
  }
}
