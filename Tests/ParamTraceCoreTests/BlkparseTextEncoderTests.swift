import Testing

@testable import ParamTraceCore

@Suite struct BlkparseTextEncoderTests {
  /// The fixtures' blktrace files, printed by the encoder, give blkparse's own output line for
  /// line (the fixture's blkparse.txt was written by blkparse 1.2.0 from the same files).
  @Test(arguments: FixturePaths.all)
  func printsWhatBlkparsePrints(name: String) throws {
    let events = try decodeFixtureBlktrace(name).events
    var encoder = BlkparseTextEncoder(startTime: try #require(events.first?.time))
    var text: [UInt8] = []
    for event in events { encoder.append(event, to: &text) }
    let mine = String(decoding: text, as: UTF8.self).split(separator: "\n")
    let theirs = String(decoding: try FixturePaths.bytes(name, "blkparse.txt"), as: UTF8.self)
      .split(separator: "\n").prefix { !$0.hasPrefix("CPU") }
    #expect(mine.count == theirs.count)
    #expect(mine.sorted() == theirs.sorted())
    // blkparse may print two CPUs' events with the same time in either order (fixtures README).
    let time: (Substring) -> Substring = { $0.split(separator: " ")[3] }
    let differing = zip(mine, theirs).filter { $0 != $1 }
    #expect(differing.allSatisfy { time($0) == time($1) }, "first: \(String(describing: differing.first))")
  }

  @Test func printsEveryTail() {
    let device = DeviceNumber(major: 259, minor: 0)
    func line(_ event: BlockEvent) -> String {
      var encoder = BlkparseTextEncoder(startTime: 1_000_000_000)
      encoder.remapSource = DeviceNumber(major: 259, minor: 2)
      var out: [UInt8] = []
      encoder.append(event, to: &out)
      return String(decoding: out, as: UTF8.self)
    }
    let dd = CommName("dd")
    func event(_ action: BlockAction, _ sector: UInt64, _ sectors: UInt32, _ flags: BlockFlags, error: Int16 = 0, detail: UInt64 = 0, comm: CommName = dd) -> BlockEvent {
      BlockEvent(
        time: 3_024_343_112, sector: sector, sectors: sectors, device: device, pid: 10266, cpu: 1, action: action,
        flags: flags, error: error, comm: comm, detail: detail)
    }
    #expect(line(event(.queue, 33_461_760, 128, [.read, .sync])) == "259,0    1        1     2.024343112 10266  Q  RS 33461760 + 128 [dd]\n")
    #expect(line(event(.queue, 0, 0, [.flush, .write, .sync])) == "259,0    1        1     2.024343112 10266  Q FWS [dd]\n")
    #expect(line(event(.complete, 8, 8, [.read, .requestLevel], error: -5)) == "259,0    1        1     2.024343112 10266  C   R 8 + 8 [65531]\n")
    #expect(line(event(.complete, 0, 0, [.flush, .otherOperation, .requestLevel])) == "259,0    1        1     2.024343112 10266  C  FN 0 [0]\n")
    #expect(line(event(.unplugTimer, 0, 0, .otherOperation, detail: 3)) == "259,0    1        1     2.024343112 10266 UT   N [dd] 3\n")
    #expect(line(event(.plug, 0, 0, .otherOperation, comm: CommName())) == "259,0    1        1     2.024343112 10266  P   N [(null)]\n")
    #expect(line(event(.split, 100, 4096, [.read, .readahead], detail: 2148)) == "259,0    1        1     2.024343112 10266  X  RA 100 / 2148 [dd]\n")
    #expect(line(event(.remap, 34_818, 8, .read, detail: 32_770)) == "259,0    1        1     2.024343112 10266  A   R 34818 + 8 <- (259,2) 32770\n")
    let encoder = BlkparseTextEncoder(startTime: 0)
    var out: [UInt8] = []
    encoder.appendMessage("phase decode", time: 5, cpu: 0, device: device, to: &out)
    #expect(String(decoding: out, as: UTF8.self) == "259,0    0        0     0.000000005     0  m   N phase decode\n")
  }
}
