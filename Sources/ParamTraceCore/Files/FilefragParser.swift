/// Reads the text of `filefrag -v FILE` (e2fsprogs 1.47; spec §5.1), for extents saved on
/// another machine:
///
/// ```
/// Filesystem type is: ef53
/// File size of frag.bin is 1572864 (384 blocks of 4096 bytes)
///  ext:     logical_offset:        physical_offset: length:   expected: flags:
///    0:        0..     255:    4211904..   4212159:    256:
///    1:      256..     383:    4212480..   4212607:    128:    4212160: last,eof
/// frag.bin: 2 extents found
/// ```
/// Numbers are in the unit of the "File size" line (the filesystem block, or `-b`/`-k`), except
/// on `inline` extents, which filefrag prints in bytes. The `expected` column may be blank.
/// `unknown_loc` extents print physical 0 and length 0; their length comes from the logical
/// range. `-X` (hex) output is refused: it cannot be told from decimal reliably.
public enum FilefragParser {
  /// Parses one file's `filefrag -v` (or `-e`) output.
  public static func parse(_ bytes: [UInt8]) throws(FilefragParseError) -> FilefragListing {
    var fileName: String?
    var fileSize: UInt64 = 0
    var unit: UInt64 = 0
    var filesystem: FilesystemType?
    var sawHeader = false
    var reported: Int?
    var extents: [DeviceExtent] = []
    var lineNumber = 0
    var start = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count, bytes[end] != 0x0A { end += 1 }
      lineNumber += 1
      var line = bytes[start..<end]
      start = end + 1
      if line.last == 0x0D { line = line.dropLast() }
      let trimmed = line.drop(while: { $0 == 0x20 || $0 == 0x09 })
      if trimmed.isEmpty { continue }
      if reported != nil {
        // Anything after the "N extents found" line belongs to another file.
        if trimmed.starts(with: filesystemPrefix) || trimmed.starts(with: fileSizePrefix) {
          throw FilefragParseError(.severalFiles, line: lineNumber)
        }
        throw FilefragParseError(.unexpectedLine(excerpt(line)), line: lineNumber)
      }
      if trimmed.starts(with: filesystemPrefix) {
        guard filesystem == nil, fileName == nil else { throw FilefragParseError(.severalFiles, line: lineNumber) }
        let digits = String(decoding: trimmed.dropFirst(filesystemPrefix.count), as: UTF8.self)
        guard let magic = UInt64(digits.trimmingSpaces, radix: 16) else {
          throw FilefragParseError(.unexpectedLine(excerpt(line)), line: lineNumber)
        }
        filesystem = FilesystemType(magic: magic)
      } else if trimmed.starts(with: fileSizePrefix) {
        guard fileName == nil else { throw FilefragParseError(.severalFiles, line: lineNumber) }
        guard let parsed = parseFileSizeLine(String(decoding: trimmed, as: UTF8.self)) else {
          throw FilefragParseError(.unexpectedLine(excerpt(line)), line: lineNumber)
        }
        guard parsed.unit > 0, parsed.unit & (parsed.unit - 1) == 0 else {
          throw FilefragParseError(.badUnit(parsed.unit), line: lineNumber)
        }
        (fileName, fileSize, unit) = (parsed.name, parsed.size, parsed.unit)
      } else if let count = summaryCount(String(decoding: trimmed, as: UTF8.self)) {
        guard fileName != nil else { throw FilefragParseError(.notVerbose(count), line: lineNumber) }
        if count > 0 && extents.isEmpty { throw FilefragParseError(.notVerbose(count), line: lineNumber) }
        reported = count
      } else if trimmed.starts(with: Array("ext:".utf8)) {
        guard fileName != nil else { throw FilefragParseError(.extentBeforeHeader, line: lineNumber) }
        sawHeader = true
      } else if let first = trimmed.first, first >= 0x30, first <= 0x39 {
        guard sawHeader, fileName != nil else { throw FilefragParseError(.extentBeforeHeader, line: lineNumber) }
        do {
          extents.append(try parseExtentLine(Array(trimmed), unit: unit, number: extents.count))
        } catch {
          throw FilefragParseError(error.reason(excerpt(line)), line: lineNumber)
        }
      } else {
        let text = String(decoding: trimmed, as: UTF8.self)
        if text.hasSuffix("unsupported"), text.contains("FIEMAP") || text.contains("FIBMAP") {
          throw FilefragParseError(.fiemapUnsupported(excerpt(line)), line: lineNumber)
        }
        throw FilefragParseError(.unexpectedLine(excerpt(line)), line: lineNumber)
      }
    }
    guard let fileName else {
      throw FilefragParseError(lineNumber == 0 || !sawHeader ? .empty : .extentBeforeHeader, line: 0)
    }
    guard let reported else { throw FilefragParseError(.truncated, line: 0) }
    return FilefragListing(
      fileName: fileName, fileSize: fileSize, unitBytes: unit, filesystem: filesystem, extents: extents,
      reportedExtentCount: reported)
  }

  static let filesystemPrefix = Array("Filesystem type is:".utf8)
  static let fileSizePrefix = Array("File size of ".utf8)

  /// The first 80 characters of a line, for messages.
  static func excerpt(_ line: ArraySlice<UInt8>) -> String {
    let text = String(decoding: line.prefix(80), as: UTF8.self)
    return line.count > 80 ? text + "…" : text
  }

  /// "File size of NAME is SIZE (COUNT block[s] of UNIT bytes)", parsed from the end so that
  /// names with spaces or " is " still work.
  static func parseFileSizeLine(_ line: String) -> (name: String, size: UInt64, unit: UInt64)? {
    var text = Substring(line.trimmingSpaces)
    guard text.hasPrefix("File size of "), text.hasSuffix(" bytes)") else { return nil }
    text = text.dropFirst("File size of ".count).dropLast(" bytes)".count)
    guard let open = text.ranges(of: " (").last else { return nil }
    let inside = text[open.upperBound...]
    let head = text[..<open.lowerBound]
    guard let of = inside.ranges(of: " of ").last, let unit = UInt64(inside[of.upperBound...]) else {
      return nil
    }
    let blocks = inside[..<of.lowerBound]
    guard blocks.hasSuffix(" blocks") || blocks.hasSuffix(" block"), UInt64(blocks.prefix(while: \.isNumber)) != nil else {
      return nil
    }
    guard let isRange = head.ranges(of: " is ").last, let size = UInt64(head[isRange.upperBound...]) else {
      return nil
    }
    return (String(head[..<isRange.lowerBound]), size, unit)
  }

  /// N from "NAME: N extents found" (optionally followed by ", perfection would be …").
  static func summaryCount(_ line: String) -> Int? {
    var text = Substring(line.trimmingSpaces)
    if let perfection = text.firstRange(of: ", perfection would be ") { text = text[..<perfection.lowerBound] }
    let suffix: String
    if text.hasSuffix(" extents found") {
      suffix = " extents found"
    } else if text.hasSuffix(" extent found") {
      suffix = " extent found"
    } else {
      return nil
    }
    text = text.dropLast(suffix.count)
    guard let colon = text.ranges(of: ": ").last else { return nil }
    return Int(text[colon.upperBound...])
  }

  /// What went wrong inside an extent line.
  enum LineProblem: Error {
    case columns
    case flag(String)
    case hexadecimal
    case tooLarge
    case inconsistent(String)
    case number(expected: Int, found: UInt64)

    func reason(_ line: String) -> FilefragParseError.Reason {
      switch self {
      case .columns: .badExtentLine(line)
      case .flag(let word): .unknownFlag(word)
      case .hexadecimal: .hexadecimal
      case .tooLarge: .numberTooLarge
      case .inconsistent(let why): .inconsistentExtent(why)
      case .number(let expected, let found): .extentNumber(expected: expected, found: found)
      }
    }
  }

  /// `N: L1.. L2: P1.. P2: LEN: [EXPECTED:] FLAGS`, leading spaces already removed.
  static func parseExtentLine(_ line: [UInt8], unit: UInt64, number: Int) throws(LineProblem) -> DeviceExtent {
    var cursor = ByteCursor(bytes: line)
    let index = try cursor.number()
    guard cursor.take(0x3A) else { throw .columns }
    guard index == UInt64(number) else { throw .number(expected: number, found: index) }
    let logicalFirst = try cursor.number()
    guard cursor.take(0x2E), cursor.take(0x2E) else { throw .columns }
    let logicalLast = try cursor.number()
    guard cursor.take(0x3A) else { throw .columns }
    let physicalFirst = try cursor.number()
    guard cursor.take(0x2E), cursor.take(0x2E) else { throw .columns }
    let physicalLast = try cursor.number()
    guard cursor.take(0x3A) else { throw .columns }
    let lengthColumn = try cursor.number()
    guard cursor.take(0x3A) else { throw .columns }
    // Optional `expected:` column, then the flag words.
    cursor.skipSpaces()
    if cursor.startsNumberFollowedByColon() {
      _ = try cursor.number()
      _ = cursor.take(0x3A)
    }
    var flags: FiemapExtentFlags = []
    let rest = String(decoding: cursor.rest, as: UTF8.self).trimmingSpaces
    if !rest.isEmpty {
      for word in rest.split(separator: ",", omittingEmptySubsequences: false) {
        if word == "eof" { continue }  // filefrag's own: the extent reaches the end of the file
        guard let flag = FiemapExtentFlags(filefragWord: word) else { throw .flag(String(word)) }
        flags.formUnion(flag)
      }
    }
    guard logicalLast >= logicalFirst else { throw .inconsistent("logical range \(logicalFirst)..\(logicalLast) runs backwards") }
    let blocks = logicalLast - logicalFirst + 1
    let noLocation = !flags.isDisjoint(with: [.unknown, .delalloc, .hole])
    if !noLocation {
      guard lengthColumn == blocks else {
        throw .inconsistent("length \(lengthColumn) differs from the logical range \(logicalFirst)..\(logicalLast) (\(blocks))")
      }
      if !flags.contains(.encoded) {
        guard physicalLast >= physicalFirst, physicalLast - physicalFirst + 1 == blocks else {
          throw .inconsistent("physical range \(physicalFirst)..\(physicalLast) differs in length from the logical range")
        }
      }
    }
    // filefrag prints inline extents in bytes whatever the unit.
    let scale = flags.contains(.dataInline) ? 1 : unit
    let (logical, o1) = logicalFirst.multipliedReportingOverflow(by: scale)
    let (length, o2) = blocks.multipliedReportingOverflow(by: scale)
    let (physical, o3) = (noLocation ? 0 : physicalFirst).multipliedReportingOverflow(by: scale)
    let (_, o4) = logical.addingReportingOverflow(length)
    guard !(o1 || o2 || o3 || o4) else { throw .tooLarge }
    return DeviceExtent(logicalOffset: logical, physicalOffset: physical, length: length, flags: flags)
  }

  /// A position in one line of bytes.
  struct ByteCursor {
    let bytes: [UInt8]
    var at = 0

    mutating func skipSpaces() {
      while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 { at += 1 }
    }

    /// Skips spaces, then takes `byte` if it is next.
    mutating func take(_ byte: UInt8) -> Bool {
      skipSpaces()
      guard at < bytes.count, bytes[at] == byte else { return false }
      at += 1
      return true
    }

    /// A decimal number after optional spaces; hex digits mean `filefrag -X` output.
    mutating func number() throws(LineProblem) -> UInt64 {
      skipSpaces()
      var value: UInt64 = 0
      let first = at
      while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 {
        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[at] - 0x30))
        guard !(o1 || o2) else { throw .tooLarge }
        value = sum
        at += 1
      }
      if at < bytes.count, (0x61...0x66).contains(bytes[at]) { throw .hexadecimal }
      guard at > first else { throw .columns }
      return value
    }

    /// Whether a run of digits followed by `:` comes next (the `expected` column; a flag
    /// word such as `0x4000` is not one).
    func startsNumberFollowedByColon() -> Bool {
      var index = at
      while index < bytes.count, (0x30...0x39).contains(bytes[index]) || (0x61...0x66).contains(bytes[index]) { index += 1 }
      return index > at && index < bytes.count && bytes[index] == 0x3A
    }

    var rest: ArraySlice<UInt8> { bytes[at...] }
  }
}

extension StringProtocol {
  /// Without leading and trailing spaces and tabs.
  fileprivate var trimmingSpaces: String {
    var text = Substring(String(self))
    while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
    while let last = text.last, last == " " || last == "\t" { text.removeLast() }
    return String(text)
  }
}
