import Foundation
import Testing

@testable import ParamTraceCore

/// `filefrag -v` text → extents. Real outputs below were captured with e2fsprogs 1.47.0 on
/// this project's Debian VM (ext4, 4 KiB blocks, on /dev/vda; the delalloc one on a 1 KiB-block
/// ext4 on a loop partition).
@Suite struct FilefragParserTests {
  static func parse(_ text: String) throws(FilefragParseError) -> FilefragListing {
    try FilefragParser.parse(Array(text.utf8))
  }

  static func reason(_ text: String) -> FilefragParseError.Reason? {
    do {
      _ = try parse(text)
      return nil
    } catch {
      return error.reason
    }
  }

  // MARK: fixtures

  @Test(arguments: FixturePaths.all)
  func fixtureFilefragGivesItsExtentsFile(name: String) throws {
    let listing = try FilefragParser.parse(try FixturePaths.bytes(name, "filefrag.txt"))
    #expect(listing.fileName == "model.bin")
    #expect(listing.fileSize == 134_217_728)
    #expect(listing.unitBytes == 4096)
    #expect(listing.filesystem == FilesystemType(magic: 0xEF53))
    #expect(listing.reportedExtentCount == 16)
    #expect(listing.extents.count == 16)
    #expect(listing.extents.last?.flags == .last)

    let map = try listing.extentMap(partitionStartSector: 0, device: DeviceNumber(major: 254, minor: 0))
    let truth = try JSONDecoder().decode(ExtentsDocument.self, from: Data(try FixturePaths.bytes(name, "extents.json")))
    #expect(ExtentsDocument(map, partitionStartSector: 0) == truth)
    // And the map the extents file gives is the same map.
    #expect(try ExtentsDocument.decode(try FixturePaths.bytes(name, "extents.json"), source: name) == map)
  }

  @Test func fixtureFragmentationMatchesItsReadme() throws {
    let listing = try FilefragParser.parse(try FixturePaths.bytes("random-pread", "filefrag.txt"))
    let summary = FragmentationSummary(try listing.extentMap())
    #expect(summary.extentCount == 16)
    #expect(summary.transitions == 15)
    #expect(summary.backwardTransitions == 7)  // "7 of the 15 extent transitions go backwards on disk"
    #expect(summary.contiguousTransitions == 0)
    // Oracle: blocks straight from the text. Extent 2 ends at block 4243456, extent 3 starts at 4196352.
    #expect(summary.largestGapBytes == (4_243_456 - 4_196_352) * 4096)
    #expect(summary.largestGapAfter == 2)
    #expect(summary.largestGapIsBackward)
    #expect(summary.spanBytes == (4_247_552 - 4_196_352) * 4096)
  }

  @Test func partitionStartIsAddedInSectors() throws {
    let listing = try FilefragParser.parse(try FixturePaths.bytes("tiny-direct", "filefrag.txt"))
    let map = try listing.extentMap(partitionStartSector: 2048)
    #expect(map.extents[0].sector == 2048 + 4_233_216 * 8)
    let first: UInt64 = 2048 + 4_233_216 * 8
    let last: UInt64 = 2048 + 4_235_264 * 8 - 1
    #expect(listing.extents[0].wholeDiskSectors(partitionStartSector: 2048) == first...last)
  }

  // MARK: formats

  static let specExample = """
    Filesystem type is: ef53
    File size of frag.bin is 1572864 (384 blocks of 4096 bytes)
     ext:     logical_offset:        physical_offset: length:   expected: flags:
       0:        0..     255:    4211904..   4212159:    256:
       1:      256..     383:    4212480..   4212607:    128:    4212160: last,eof
    frag.bin: 2 extents found

    """

  @Test func specExampleWithAndWithoutExpectedColumn() throws {
    let listing = try Self.parse(Self.specExample)
    #expect(
      listing.extents == [
        DeviceExtent(logicalOffset: 0, physicalOffset: 4_211_904 * 4096, length: 256 * 4096),
        DeviceExtent(logicalOffset: 256 * 4096, physicalOffset: 4_212_480 * 4096, length: 128 * 4096, flags: .last),
      ])
    // spec §5.2: physical 17251958784 = 4211904 × 4096.
    #expect(listing.extents[0].physicalOffset == 17_251_958_784)
    #expect(listing.extents[0].wholeDiskSector(partitionStartSector: 0) == 4_211_904 * 8)
  }

  @Test func crlfLineEndingsAreAccepted() throws {
    let crlf = Self.specExample.replacingOccurrences(of: "\n", with: "\r\n")
    #expect(try Self.parse(crlf) == Self.parse(Self.specExample))
  }

  /// The same 15000-byte file printed in three units: the byte offsets agree.
  @Test(arguments: [
    """
    Filesystem type is: ef53
    File size of part is 15000 (4 blocks of 4096 bytes)
     ext:     logical_offset:        physical_offset: length:   expected: flags:
       0:        0..       3:   21260526..  21260529:      4:             last,eof
    part: 1 extent found
    """,
    """
    Filesystem type is: ef53
    File size of part is 15000 (32 blocks of 512 bytes)
     ext:     logical_offset:        physical_offset: length:   expected: flags:
       0:        0..      31:  170084208.. 170084239:     32:             last,eof
    part: 1 extent found
    """,
    """
    Filesystem type is: ef53
    File size of part is 15000 (16 blocks of 1024 bytes)
     ext:     logical_offset:        physical_offset: length:   expected: flags:
       0:        0..      15:   85042104..  85042119:     16:             last,eof
    part: 1 extent found
    """,
  ])
  func unitHeaders(text: String) throws {
    let listing = try Self.parse(text)
    #expect(listing.fileSize == 15000)
    #expect(listing.extents == [DeviceExtent(logicalOffset: 0, physicalOffset: 87_083_114_496, length: 16384, flags: .last)])
    #expect(try listing.extentMap().extents[0].sector == 170_084_208)
  }

  @Test func singularBlockAndByteWideColumns() throws {
    let listing = try Self.parse(
      """
      Filesystem type is: ef53
      File size of my file is big.bin is 3 (1 block of 4096 bytes)
       ext:     logical_offset:        physical_offset: length:   expected: flags:
         0:        0..       0:87083114496..87083114496:      1:             last,eof
      my file is big.bin: 1 extent found, perfection would be 1 extent
      """)
    #expect(listing.fileName == "my file is big.bin")
    #expect(listing.fileSize == 3)
    #expect(listing.extents[0].physicalOffset == 87_083_114_496 * 4096)
  }

  @Test func sparseFileStartsAtItsFirstExtentAndKeepsExpected() throws {
    let listing = try Self.parse(
      """
      Filesystem type is: ef53
      File size of sparse is 10485760 (2560 blocks of 4096 bytes)
       ext:     logical_offset:        physical_offset: length:   expected: flags:
         0:     1000..    1001:    4099048..   4099049:      2:       1000: last
      sparse: 1 extent found
      """)
    #expect(listing.extents == [DeviceExtent(logicalOffset: 4_096_000, physicalOffset: 4_099_048 * 4096, length: 8192, flags: .last)])
  }

  @Test func emptyFileHasNoExtents() throws {
    let listing = try Self.parse(
      """
      Filesystem type is: ef53
      File size of empty is 0 (0 blocks of 4096 bytes)
      empty: 0 extents found
      """)
    #expect(listing.extents.isEmpty)
    let map = try listing.extentMap()
    #expect(map.extents.isEmpty)
    #expect(FragmentationSummary(map).extentCount == 0)
  }

  // MARK: flags

  @Test func delallocIsParsedAndRefusedWithWhyAndWhatToDo() throws {
    // Real: written and not yet synced, on a 1 KiB-block ext4; filefrag prints physical 0..0, length 0.
    let listing = try Self.parse(
      """
      Filesystem type is: ef53
      File size of /var/tmp/pt-mnt/f is 1048576 (1024 blocks of 1024 bytes)
       ext:     logical_offset:        physical_offset: length:   expected: flags:
         0:        0..    1023:          0..         0:      0:             last,unknown_loc,delalloc,eof
      /var/tmp/pt-mnt/f: 1 extent found
      """)
    #expect(listing.extents == [DeviceExtent(logicalOffset: 0, physicalOffset: 0, length: 1 << 20, flags: [.last, .unknown, .delalloc])])
    #expect(ExtentMappability.verdict(for: listing.extents[0]) == .unmappable(.delayedAllocation))
    do {
      _ = try listing.extentMap()
      Issue.record("a delalloc extent was mapped")
    } catch {
      guard case .unmappableExtents(let refused, let total) = error.reason else {
        Issue.record("wrong reason \(error)")
        return
      }
      #expect(refused.count == 1 && total == 1)
      let text = error.description
      #expect(text.contains("/var/tmp/pt-mnt/f"))
      #expect(text.contains("extent 0 (file bytes 0-1048575)"))
      #expect(text.contains("delalloc"))
      #expect(text.contains("sync"))
    }
  }

  @Test func unwrittenIsMappedAndMarked() throws {
    let listing = try Self.parse(
      """
      Filesystem type is: ef53
      File size of falloc is 3145728 (768 blocks of 4096 bytes)
       ext:     logical_offset:        physical_offset: length:   expected: flags:
         0:        0..     767:    4101120..   4101887:    768:             last,unwritten,eof
      falloc: 1 extent found
      """)
    let map = try listing.extentMap()
    #expect(map.extents == [FileExtent(logicalOffset: 0, sector: 4_101_120 * 8, length: 3 << 20, flags: ["unwritten"])])
    #expect(ExtentMappability.verdict(for: listing.extents[0]) == .noIOExpected)
    #expect(ExtentsReport.notes(for: listing.extents).contains { $0.contains("without disk I/O") })
  }

  static func oneExtent(_ columns: String) -> String {
    """
    Filesystem type is: ef53
    File size of f is 8192 (2 blocks of 4096 bytes)
     ext:     logical_offset:        physical_offset: length:   expected: flags:
    \(columns)
    f: 1 extent found
    """
  }

  @Test(arguments: [
    ("last,encoded,eof", ExtentMappability.Problem.encoded),
    ("last,not_aligned,eof", .notAligned),
    ("last,tail_packed,not_aligned", .tailPacked),
    ("unknown_loc", .unknownLocation),
    ("last,0x4000,eof", .unknownFlags(0x4000)),
  ])
  func refusedFlags(words: String, problem: ExtentMappability.Problem) throws {
    let listing = try Self.parse(Self.oneExtent("   0:        0..       1:       1000..      1001:      2:             \(words)"))
    #expect(ExtentMappability.verdict(for: listing.extents[0]) == .unmappable(problem))
    #expect(throws: ExtentMappingError.self) { try listing.extentMap() }
  }

  @Test func inlineExtentsArePrintedInBytesAndRefused() throws {
    let listing = try Self.parse(
      """
      Filesystem type is: ef53
      File size of tiny is 60 (1 block of 4096 bytes)
       ext:     logical_offset:        physical_offset: length:   expected: flags:
         0:        0..      59:   17254400..  17254459:     60:             last,not_aligned,inline,eof
      tiny: 1 extent found
      """)
    #expect(listing.extents == [DeviceExtent(logicalOffset: 0, physicalOffset: 17_254_400, length: 60, flags: [.last, .notAligned, .dataInline])])
    do {
      _ = try listing.extentMap()
      Issue.record("inline data was mapped")
    } catch {
      #expect(error.description.contains("inline in filesystem metadata"))
    }
  }

  @Test func mappableFlagsAreKeptByName() throws {
    let listing = try Self.parse(Self.oneExtent("   0:        0..       1:       1000..      1001:      2:             last,encrypted,merged,shared,eof"))
    #expect(listing.extents[0].flags == [.last, .dataEncrypted, .merged, .shared])
    #expect(try listing.extentMap().extents[0].flags == ["encrypted", "merged", "shared"])
  }

  @Test func holesAreLeftOut() throws {
    let listing = try Self.parse(
      """
      Filesystem type is: ef53
      File size of h is 12288 (3 blocks of 4096 bytes)
       ext:     logical_offset:        physical_offset: length:   expected: flags:
         0:        0..       0:       1000..      1000:      1:
         1:        1..       1:          0..         0:      0:             hole
         2:        2..       2:       1002..      1002:      1:       1001: last,eof
      h: 2 extents found
      """)
    #expect(listing.extents.count == 3)
    #expect(try listing.extentMap().extents.map(\.logicalOffset) == [0, 8192])
  }

  @Test func flagNamesRoundTrip() {
    for (flag, name) in FiemapExtentFlags.named {
      #expect(FiemapExtentFlags(filefragWord: name) == flag)
      #expect(flag.names == [name])
    }
    #expect(FiemapExtentFlags(rawValue: 0x4001).names == ["last", "0x4000"])
    #expect(FiemapExtentFlags(filefragWord: "0x10") == FiemapExtentFlags(rawValue: 0x10))
    #expect(FiemapExtentFlags(filefragWord: "bogus") == nil)
  }

  @Test func btrfsTextIsRefused() throws {
    let listing = try Self.parse(
      Self.oneExtent("   0:        0..       1:       1000..      1001:      2:             last,eof")
        .replacingOccurrences(of: "ef53", with: "9123683e"))
    #expect(listing.filesystem?.name == "btrfs")
    do {
      _ = try listing.extentMap()
      Issue.record("btrfs text was mapped")
    } catch {
      #expect(error.description.contains("btrfs logical addresses"))
    }
  }

  // MARK: malformed text

  @Test func malformedTextIsRefusedWithTheLine() throws {
    let table = " ext:     logical_offset:        physical_offset: length:   expected: flags:"
    let good = "   0:        0..       1:       1000..      1001:      2:             last,eof"
    func text(_ lines: [String]) -> String { lines.joined(separator: "\n") }
    let head = ["Filesystem type is: ef53", "File size of f is 8192 (2 blocks of 4096 bytes)", table]

    #expect(Self.reason("") == .empty)
    #expect(Self.reason("\n\n") == .empty)
    #expect(Self.reason("model.bin: 16 extents found\n") == .notVerbose(16))
    #expect(Self.reason(text(head + [good])) == .truncated)
    #expect(Self.reason(text(head + ["   1:        0..       1:       1000..      1001:      2:", "f: 1 extent found"])) == .extentNumber(expected: 0, found: 1))
    #expect(Self.reason(text(head + ["   0:        0..       1:    14468ee..   14468ef:      2:", "f: 1 extent found"])) == .hexadecimal)
    #expect(Self.reason(text(head + ["   0:        0..       1:       1000..      1001:      2:   last,bogus", "f: 1 extent found"])) == .unknownFlag("bogus"))
    #expect(Self.reason(text(head + ["   0:        0..       1:       1000..      1001:      3:", "f: 1 extent found"])) == .inconsistentExtent("length 3 differs from the logical range 0..1 (2)"))
    #expect(Self.reason(text(head + ["   0:        0..       1:       1000..      1005:      2:", "f: 1 extent found"])) == .inconsistentExtent("physical range 1000..1005 differs in length from the logical range"))
    #expect(Self.reason(text(head + ["   0:        0..       1:   99999999999999999999..1:      2:", "f: 1 extent found"])) == .numberTooLarge)
    #expect(Self.reason(text(head + ["   0:        0..       1:   4503599627370496..4503599627370497:      2:", "f: 1 extent found"])) == .numberTooLarge)
    #expect(Self.reason(text(head + ["   0:        0..       1       1000..      1001:      2:", "f: 1 extent found"])) == .badExtentLine("   0:        0..       1       1000..      1001:      2:"))
    #expect(Self.reason(text(["Filesystem type is: ef53", "File size of f is 8192 (2 blocks of 3000 bytes)"])) == .badUnit(3000))
    #expect(Self.reason(text([good, "f: 1 extent found"])) == .extentBeforeHeader)
    let twoFiles = text(head + [good, "f: 1 extent found"] + head + [good, "f: 1 extent found"])
    #expect(Self.reason(twoFiles) == .severalFiles)
    let tmpfs = text(["Filesystem type is: 1021994", "File size of /dev/shm/x is 3 (1 block of 4096 bytes)", "/dev/shm/x: FIBMAP/FIEMAP unsupported"])
    #expect(Self.reason(tmpfs) == .fiemapUnsupported("/dev/shm/x: FIBMAP/FIEMAP unsupported"))

    // The line number points at the culprit.
    do {
      _ = try Self.parse(text(head + [good, "hello there", "f: 1 extent found"]))
      Issue.record("garbage accepted")
    } catch {
      #expect(error.line == 5)
      #expect(error.description.hasPrefix("line 5: not `filefrag -v` output: \"hello there\""))
    }
  }

  @Test func hexOutputIsRefused() {
    let captured = """
      Filesystem type is: ef53
      File size of part is 15000 (4 blocks of 4096 bytes)
       ext:     logical_offset:        physical_offset: length:   expected: flags:
         0:        0..       3:    14468ee..   14468f1:      4:             last,eof
      part: 1 extent found
      """
    #expect(Self.reason(captured) == .hexadecimal)
  }

  @Test(arguments: 0..<64)
  func randomBytesNeverCrash(seed: Int) {
    var rng = SplitMix64(seed: UInt64(seed) &* 0x9E37_79B9)
    let length = Int(rng.below(600))
    let alphabet = Array("0123456789abcdef.: ,\nlastunknown_locFile size of is (blocks bytes)ext:x".utf8)
    let bytes: [UInt8] = (0..<length).map { _ in
      seed % 2 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.below(UInt64(alphabet.count)))]
    }
    if let listing = try? FilefragParser.parse(bytes) { _ = try? listing.extentMap() }
  }

  @Test(arguments: 0..<64)
  func mutatedFixtureNeverCrashes(seed: Int) throws {
    var bytes = try FixturePaths.bytes("tiny-direct", "filefrag.txt")
    var rng = SplitMix64(seed: UInt64(seed) &+ 1000)
    for _ in 0..<(1 + rng.below(4)) {
      let at = Int(rng.below(UInt64(bytes.count)))
      switch rng.below(3) {
      case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
      case 1: bytes.remove(at: at)
      default: bytes.insert(Array("0123456789:. x,".utf8)[Int(rng.below(15))], at: at)
      }
    }
    if seed % 8 == 0 { bytes = Array(bytes.prefix(Int(rng.below(UInt64(bytes.count))))) }
    do {
      let listing = try FilefragParser.parse(bytes)
      if let map = try? listing.extentMap() {
        // Whatever was accepted is self-consistent.
        #expect(map.extents.count <= listing.extents.count)
      }
    } catch {
      #expect(!error.description.isEmpty)
    }
  }

  // MARK: related conversions

  @Test func userSpaceDeviceNumbers() {
    #expect(DeviceNumber(userSpaceEncoded: 65024) == DeviceNumber(major: 254, minor: 0))
    #expect(DeviceNumber(userSpaceEncoded: 66304) == DeviceNumber(major: 259, minor: 0))
    #expect(DeviceNumber(userSpaceEncoded: 0x801) == DeviceNumber(major: 8, minor: 1))
    // A minor above 255: glibc puts bits 8.. of the minor at bit 20.
    #expect(DeviceNumber(userSpaceEncoded: (259 << 8) | 0x12 | (0x3 << 20)) == DeviceNumber(major: 259, minor: 0x312))
    #expect(DeviceNumber(userSpaceEncoded: 1 << 44) == nil)  // major 4096 does not fit traces
  }

  @Test func fragmentationOfSmallCases() throws {
    #expect(FragmentationSummary([]).transitions == 0)
    let one = FragmentationSummary([FileExtent(logicalOffset: 0, sector: 100, length: 4096)])
    #expect(one.extentCount == 1 && one.transitions == 0 && one.spanBytes == 4096 && one.largestGapAfter == nil)
    // Contiguous on disk (split by the filesystem), then forward by 8 sectors, then backward.
    let summary = FragmentationSummary([
      FileExtent(logicalOffset: 0, sector: 100, length: 4096),
      FileExtent(logicalOffset: 4096, sector: 108, length: 4096),
      FileExtent(logicalOffset: 8192, sector: 124, length: 4096),
      FileExtent(logicalOffset: 12288, sector: 0, length: 4096),
    ])
    #expect(summary.transitions == 3)
    #expect(summary.contiguousTransitions == 1)
    #expect(summary.backwardTransitions == 1)
    #expect(summary.largestGapBytes == 132 * 512)
    #expect(summary.largestGapAfter == 2 && summary.largestGapIsBackward)
    #expect(summary.spanBytes == 132 * 512)
  }

  @Test func reportTableShowsSectorsAndSummary() throws {
    let report = try ExtentsReport.fromFilefrag(
      try FixturePaths.bytes("random-pread", "filefrag.txt"), partitionStartSector: 0, disk: DeviceNumber(major: 254, minor: 0))
    let table = report.table
    #expect(table.contains("  0           0    8388608  17339252736    33865728-33882111"))
    #expect(table.contains("16 extents; 15 transitions in file order: 7 backward, 0 contiguous"))
    #expect(report.document.device == "254:0")
  }
}
