import Testing

@testable import ParamTraceCore

/// The disk-busy time is the size of the union of the requests' first issue → completion
/// intervals, clipped to a window: overlaps count once, gaps not at all.
@Suite struct BusyTimeTests {
  @Test func overlappingRequestsCountOnceAndGapsNotAtAll() {
    var busy = BusyTime()
    // [100, 300) from two overlapping requests, a gap to 350, [350, 450), a request nested
    // inside another ([650, 680) in [600, 700)), and one touching the next ([700, 750)).
    for (from, to) in [(100, 200), (150, 300), (350, 450), (600, 700), (650, 680), (700, 750)] as [(UInt64, UInt64)] {
      busy.add(from: from, to: to)
    }
    #expect(busy.busyNanoseconds(from: 0, to: 1_000) == 200 + 100 + 150)
    #expect(busy.requests == 6)
  }

  @Test func theWindowClipsRequestsThatCrossItsEnds() {
    var busy = BusyTime()
    busy.add(from: 100, to: 300)
    busy.add(from: 350, to: 450)
    busy.add(from: 900, to: 1_100)
    #expect(busy.busyNanoseconds(from: 0, to: 400) == 250)  // [100, 300) and [350, 400)
    #expect(busy.busyNanoseconds(from: 400, to: 1_000) == 150)  // [400, 450) and [900, 1000)
    #expect(busy.busyNanoseconds(from: 200, to: 250) == 50)  // inside one request
    #expect(busy.busyNanoseconds(from: 300, to: 350) == 0)  // the gap
    #expect(busy.busyNanoseconds(from: 500, to: 500) == 0)  // an empty window
  }

  @Test func requestsAddedOutOfOrderGiveTheSameUnion() {
    var ordered = BusyTime()
    var shuffled = BusyTime()
    var random = SplitMix64(seed: 14)
    var intervals: [(UInt64, UInt64)] = []
    var naive = [Bool](repeating: false, count: 20_000)
    for _ in 0..<500 {
      let start = random.below(19_000)
      let end = start + 1 + random.below(300)
      intervals.append((start, end))
      for t in Int(start)..<Int(end) { naive[t] = true }
    }
    for (from, to) in intervals.sorted(by: { $0.0 < $1.0 }) { ordered.add(from: from, to: to) }
    for (from, to) in intervals { shuffled.add(from: from, to: to) }
    for (from, to) in [(0, 20_000), (1_234, 5_678), (19_500, 20_000)] as [(UInt64, UInt64)] {
      let expected = UInt64(naive[Int(from)..<Int(to)].filter { $0 }.count)
      #expect(ordered.busyNanoseconds(from: from, to: to) == expected)
      #expect(shuffled.busyNanoseconds(from: from, to: to) == expected)
    }
  }

  @Test func requestsWithoutIssueOrCompletionAreLeftOut() {
    var busy = BusyTime()
    let disk = DeviceNumber(major: 254, minor: 0)
    let owner = CommName("reader")
    busy.add(BlockOperation(device: disk, sector: 0, sectors: 8, flags: [.read], ownerPid: 1, ownerComm: owner, firstIssueTime: 10, completeTime: 30))
    busy.add(BlockOperation(device: disk, sector: 8, sectors: 8, flags: [.read], ownerPid: 1, ownerComm: owner, firstIssueTime: 40))
    busy.add(BlockOperation(device: disk, sector: 16, sectors: 8, flags: [.read], ownerPid: 1, ownerComm: owner, completeTime: 90))
    #expect(busy.busyNanoseconds(from: 0, to: 100) == 20)
    #expect(busy.requests == 1)
    #expect(busy.skipped == 2)
  }
}
