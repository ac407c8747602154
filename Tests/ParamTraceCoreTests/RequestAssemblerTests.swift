import Testing

@testable import ParamTraceCore

/// Hand-made request lives, one per counting rule of docs/metrics.md.
@Suite struct RequestAssemblerTests {
  static let disk = DeviceNumber(major: 254, minor: 0)

  static func event(
    _ time: UInt64, _ action: BlockAction, _ sector: UInt64, _ sectors: UInt32, pid: Int32 = 100,
    comm: String = "reader", flags: BlockFlags = [.read], detail: UInt64 = 0
  ) -> BlockEvent {
    var flags = flags
    if [.insert, .issue, .complete, .requeue].contains(action) { flags.insert(.requestLevel) }
    return BlockEvent(
      time: time, sector: sector, sectors: sectors, device: disk, pid: pid, action: action, flags: flags,
      comm: CommName(comm), detail: detail)
  }

  static func run(
    _ events: [BlockEvent], mode: CountingMode = .completion, order: OperationOrder = .issue
  ) -> (operations: [BlockOperation], counters: AssemblyCounters) {
    var assembler = RequestAssembler(mode: mode, order: order)
    var output = ContiguousArray<BlockOperation>()
    assembler.consume(ContiguousArray(events), into: &output)
    assembler.finish(into: &output)
    return (Array(output), assembler.counters)
  }

  @Test func oneRequestIsOneOperationOwnedByTheQueueingTask() {
    let events = [
      Self.event(1_000, .queue, 500, 8), Self.event(1_100, .getRequest, 500, 8), Self.event(1_200, .insert, 500, 8),
      Self.event(1_300, .issue, 500, 8, pid: 24, comm: "kworker/1:0H"), Self.event(5_300, .complete, 500, 8, pid: 0, comm: ""),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.count == 1)
    #expect(ops[0].ownerPid == 100)
    #expect(ops[0].ownerComm == CommName("reader"))
    #expect(ops[0].queueTime == 1_000)
    #expect(ops[0].issueToCompleteNanoseconds == 4_000)
    #expect(ops[0].queueToCompleteNanoseconds == 4_300)
    #expect(counters.linesPerRequest == 5)
    // The comparison modes count lines, with each line's own pid.
    #expect(Self.run(events, mode: .naive).operations.count == 5)
    let dispatch = Self.run(events, mode: .dispatch).operations
    #expect(dispatch.count == 1)
    #expect(dispatch[0].ownerPid == 24)
  }

  @Test func requeuedRequestIsCountedOnceButDispatchedTwice() {
    let events = [
      Self.event(1, .queue, 800, 16), Self.event(2, .getRequest, 800, 16), Self.event(3, .insert, 800, 16),
      Self.event(4, .issue, 800, 16), Self.event(5, .requeue, 800, 16, pid: 24),
      Self.event(6, .insert, 800, 16, pid: 24), Self.event(7, .issue, 800, 16, pid: 24),
      Self.event(9, .complete, 800, 16, pid: 0),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.count == 1)
    #expect(ops[0].dispatches == 2)
    #expect(ops[0].firstIssueTime == 4)
    #expect(ops[0].issueToCompleteNanoseconds == 2)  // from the last issue
    #expect(counters.requeues == 1)
    #expect(Self.run(events, mode: .dispatch).operations.count == 2)
  }

  @Test func reissueWithoutRequeueLineIsStillOneOperation() {
    // Tracepoint traces recorded without block_rq_requeue show only a second issue.
    let events = [
      Self.event(1, .insert, 64, 8), Self.event(2, .issue, 64, 8), Self.event(3, .issue, 64, 8, pid: 24),
      Self.event(4, .complete, 64, 8, pid: 0),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.count == 1)
    #expect(counters.reissuesWithoutRequeue == 1)
  }

  /// Two tasks read the same block at once (fio's two jobs at random offsets, recorded at
  /// 170 k IOPS on the loop device): both bios are queued before either becomes a request.
  /// Each completion is one operation, and each keeps its own owner; with one bio per sector
  /// the second completion had none and the task-tree filter dropped it as another owner's.
  @Test func twoTasksReadingTheSameBlockAtOnceEachKeepTheirOwner() {
    let events = [
      Self.event(241, .queue, 892_272, 8, pid: 21977, comm: "fio"), Self.event(261, .queue, 892_272, 8, pid: 21976, comm: "fio"),
      Self.event(302, .issue, 892_272, 8, pid: 21977, comm: "fio"), Self.event(303, .issue, 892_272, 8, pid: 21976, comm: "fio"),
      Self.event(320_910, .complete, 892_272, 8, pid: 22, comm: ""), Self.event(321_821, .complete, 892_272, 8, pid: 22, comm: ""),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.count == 2)
    #expect(Set(ops.map(\.ownerPid)) == [21976, 21977])
    #expect(ops.allSatisfy { $0.ownerComm == CommName("fio") && $0.queueTime != BlockOperation.noTime })
    #expect(counters.completedRequests == 2 && counters.completionsWithoutRequest == 0)
  }

  /// A bio left waiting for more than a second never became a request (merged without a merge
  /// line): a new bio at its sector replaces it instead of queueing behind it.
  @Test func aStaleWaitingBioIsReplacedNotQueuedBehind() {
    let events = [
      Self.event(1_000, .queue, 64, 8, pid: 7, comm: "old"),
      Self.event(3_000_000_000, .queue, 64, 8, pid: 8, comm: "new"), Self.event(3_000_000_100, .issue, 64, 8, pid: 8, comm: "new"),
      Self.event(3_000_009_000, .complete, 64, 8, pid: 0, comm: ""),
    ]
    let (ops, _) = Self.run(events)
    #expect(ops.count == 1 && ops[0].ownerPid == 8 && ops[0].queueTime == 3_000_000_000)
  }

  @Test func backMergedBioJoinsTheRequest() {
    let events = [
      Self.event(1, .queue, 100, 8), Self.event(2, .getRequest, 100, 8), Self.event(3, .insert, 100, 8),
      Self.event(4, .queue, 108, 8), Self.event(5, .backmerge, 108, 8),
      Self.event(6, .issue, 100, 16), Self.event(7, .complete, 100, 16, pid: 0),
    ]
    let (ops, _) = Self.run(events)
    #expect(ops.map(\.sectors) == [16])
    #expect(Self.run(events, mode: .naive).operations.count == 7)
  }

  @Test func frontMergeMovesTheRequestStart() {
    let events = [
      Self.event(1, .queue, 108, 8), Self.event(2, .getRequest, 108, 8), Self.event(3, .insert, 108, 8),
      Self.event(4, .queue, 100, 8), Self.event(5, .frontmerge, 100, 8),
      Self.event(6, .issue, 100, 16), Self.event(7, .complete, 100, 16, pid: 0),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.count == 1)
    #expect(ops[0].sector == 100)
    #expect(ops[0].queueTime == 1)
    #expect(counters.unfinishedRequests == 0)
  }

  @Test func splitBioGivesTwoRequestsWithTheSameOwner() {
    let events = [
      Self.event(1, .queue, 1000, 4096), Self.event(2, .split, 1000, 0, detail: 3032),
      Self.event(3, .getRequest, 1000, 2032), Self.event(4, .insert, 1000, 2032),
      Self.event(5, .getRequest, 3032, 2064), Self.event(6, .insert, 3032, 2064),
      Self.event(7, .issue, 1000, 2032, pid: 24), Self.event(8, .issue, 3032, 2064, pid: 24),
      Self.event(9, .complete, 3032, 2064, pid: 0), Self.event(10, .complete, 1000, 2032, pid: 0),
    ]
    let (ops, _) = Self.run(events)
    #expect(ops.map(\.sector) == [1000, 3032])  // issue order, though completed the other way
    #expect(ops.allSatisfy { $0.ownerPid == 100 && $0.queueTime == 1 })
    #expect(Self.run(events, order: .completion).operations.map(\.sector) == [3032, 1000])
  }

  @Test func silentSplitWithoutQueueLineTakesTheRequestLinesOwner() {
    // One Q of 2048 sectors became G 2032 + G 16 with no X line (segment limits).
    let events = [
      Self.event(1, .queue, 0, 2048), Self.event(2, .getRequest, 0, 2032), Self.event(3, .getRequest, 2032, 16),
      Self.event(4, .issue, 0, 2032, pid: 24), Self.event(5, .issue, 2032, 16, pid: 24),
      Self.event(6, .complete, 0, 2032, pid: 0), Self.event(7, .complete, 2032, 16, pid: 0),
    ]
    let (ops, _) = Self.run(events)
    #expect(ops.count == 2)
    #expect(ops.allSatisfy { $0.ownerPid == 100 })
  }

  @Test func flushesAndEmptyRequestsAreNotOperations() {
    let events = [
      Self.event(1, .queue, 0, 0, pid: 7, comm: "sync", flags: [.flush, .write, .sync]),
      Self.event(2, .issue, 0, 0, pid: 7, flags: [.flush]),
      Self.event(3, .complete, 0, 0, pid: 0, flags: [.flush]),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.isEmpty)
    #expect(counters.requestsWithoutData == 1)
  }

  @Test func discardsCarryNoDataAndAreFilteredOut() {
    let events = [
      Self.event(1, .issue, 4096, 1592, flags: [.discard, .sync]), Self.event(2, .complete, 4096, 1592, pid: 0, flags: [.discard]),
    ]
    let (ops, _) = Self.run(events)
    #expect(ops.count == 1)
    var filter = OperationFilter()
    filter.direction = .all
    #expect(filter.rejection(of: ops[0]) == .noData)
  }

  @Test func partialCompletionsFinishOneOperation() {
    let events = [
      Self.event(1, .issue, 100, 16), Self.event(2, .complete, 100, 8, pid: 0), Self.event(3, .complete, 108, 8, pid: 0),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.count == 1)
    #expect(ops[0].sector == 100)
    #expect(ops[0].sectors == 16)
    #expect(ops[0].completeTime == 3)
    #expect(counters.partialCompletions == 1)
  }

  @Test func requestMergedIntoAnotherDoesNotCount() {
    var absorbed = Self.event(3, .backmerge, 108, 8)
    absorbed.flags.insert(.requestLevel)
    let events = [
      Self.event(1, .insert, 100, 8), Self.event(2, .insert, 108, 8), absorbed,
      Self.event(4, .issue, 100, 16), Self.event(5, .complete, 100, 16, pid: 0),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.map(\.sectors) == [16])
    #expect(counters.mergedRequests == 1)
    #expect(counters.unfinishedRequests == 0)
  }

  @Test func traceWithoutCompletionsCountsDispatchesLessReissues() {
    let events = [
      Self.event(1, .issue, 100, 8), Self.event(2, .issue, 200, 8), Self.event(3, .requeue, 200, 8),
      Self.event(4, .issue, 200, 8), Self.event(5, .issue, 300, 8),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.map(\.sector) == [100, 200, 300])
    #expect(counters.countedAtDispatch == 3)
    #expect(Self.run(events, mode: .dispatch).operations.count == 4)
  }

  @Test func traceWithoutCompletionsOrRequeuesCountsEveryDispatchAndFlagsCloseRepeats() {
    // Sector 200 dispatched three times without a requeue line: 5 ms, then 40 ms apart. A
    // re-issue or a re-read, the trace cannot tell: every dispatch counts, and the one within
    // the 20 ms window is flagged for the estimate.
    let ms: UInt64 = 1_000_000
    let events = [
      Self.event(0, .issue, 100, 8), Self.event(1 * ms, .issue, 200, 8), Self.event(6 * ms, .issue, 200, 8),
      Self.event(46 * ms, .issue, 200, 8), Self.event(50 * ms, .issue, 300, 8),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.map(\.sector) == [100, 200, 200, 200, 300])
    #expect(ops.map(\.firstIssueTime) == [0, 1 * ms, 6 * ms, 46 * ms, 50 * ms])
    #expect(ops.map { $0.flags.contains(.repeatedDispatch) } == [false, false, true, false, false])
    #expect(counters.countedAtDispatch == 5)
    var wide = RequestAssembler()
    wide.reissueWindowNanoseconds = 50 * ms
    var output = ContiguousArray<BlockOperation>()
    wide.consume(ContiguousArray(events), into: &output)
    wide.finish(into: &output)
    #expect(output.filter { $0.flags.contains(.repeatedDispatch) }.count == 2)
  }

  @Test func repeatedDispatchBeforeTheFirstCompletionIsStillOneRequest() {
    // The tentative slot of the second D is dropped once completions show up, and does not
    // hold up the operations behind it.
    let events = [
      Self.event(1, .issue, 64, 8), Self.event(2, .issue, 64, 8, pid: 24), Self.event(3, .issue, 72, 8),
      Self.event(4, .complete, 64, 8, pid: 0), Self.event(5, .complete, 72, 8, pid: 0),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.map(\.sector) == [64, 72])
    #expect(counters.countedAtDispatch == 0)
    #expect(ops.allSatisfy { !$0.flags.contains(.repeatedDispatch) })
  }

  @Test func dispatchFallbackStaysBoundedOnLongTraces() {
    // Issues a second apart with no completion: each is released once it is old enough.
    var assembler = RequestAssembler()
    var output = ContiguousArray<BlockOperation>()
    for k in 0..<10 { assembler.consume(Self.event(UInt64(k) * 2_000_000_000, .issue, UInt64(k) * 8, 8), into: &output) }
    #expect(output.count == 9)
    assembler.finish(into: &output)
    #expect(output.map(\.sector) == (0..<10).map { UInt64($0) * 8 })
  }

  @Test func staleRequestIsGivenUpWhileTheTraceGoesOn() {
    // The request at 100 never completes; the ones issued after it wait behind it in issue
    // order until it is 30 s old, then come out without waiting for the end of the trace.
    var assembler = RequestAssembler()
    var output = ContiguousArray<BlockOperation>()
    let second: UInt64 = 1_000_000_000
    assembler.consume(Self.event(0, .issue, 100, 8), into: &output)
    assembler.consume(Self.event(1, .issue, 200, 8), into: &output)
    assembler.consume(Self.event(2, .complete, 200, 8, pid: 0), into: &output)
    assembler.consume(Self.event(29 * second, .issue, 300, 8), into: &output)
    assembler.consume(Self.event(29 * second + 1, .complete, 300, 8, pid: 0), into: &output)
    #expect(output.isEmpty)
    // Any later event, even one that touches no request, lets the stale one go.
    assembler.consume(Self.event(31 * second, .plug, 0, 0), into: &output)
    #expect(output.map(\.sector) == [200, 300])
    #expect(assembler.counters.unfinishedRequests == 1)
    assembler.finish(into: &output)
    #expect(output.map(\.sector) == [200, 300])
    #expect(assembler.counters.unfinishedRequests == 1)
  }

  @Test func tooManyRequestsWaitingReleasesTheOldest() {
    var assembler = RequestAssembler()
    assembler.maxPending = 4
    var output = ContiguousArray<BlockOperation>()
    assembler.consume(Self.event(0, .issue, 0, 8), into: &output)  // never completes
    for k in 1...6 {
      assembler.consume(Self.event(UInt64(2 * k), .issue, UInt64(k) * 8, 8), into: &output)
      assembler.consume(Self.event(UInt64(2 * k + 1), .complete, UInt64(k) * 8, 8, pid: 0), into: &output)
    }
    // Once more than four wait (the stuck one and four behind it), the stuck one is given
    // up and everything completed behind it comes out, in issue order.
    #expect(output.map(\.sector) == [8, 16, 24, 32, 40, 48])
    #expect(assembler.counters.unfinishedRequests == 1)
  }

  @Test func lostCompletionOnAFastDiskHoldsBoundedMemory() {
    // 300,000 requests in one second behind one that never completes: the reorder buffer
    // gives the stuck one up at maxPending (262,144) instead of holding all of them for 30 s.
    var assembler = RequestAssembler()
    #expect(assembler.maxPending == 1 << 18)
    #expect(MemoryLayout<ReorderSlot>.stride <= 128)  // the 29 MB the documentation promises
    var output = ContiguousArray<BlockOperation>()
    var events = ContiguousArray<BlockEvent>()
    events.append(Self.event(0, .issue, 0, 8))
    for k in 1...300_000 {
      events.append(Self.event(UInt64(2 * k) * 1_000, .issue, UInt64(k) * 8, 8))
      events.append(Self.event(UInt64(2 * k + 1) * 1_000, .complete, UInt64(k) * 8, 8, pid: 0))
    }
    assembler.consume(events, into: &output)
    #expect(output.count == 300_000)
    #expect(assembler.counters.unfinishedRequests == 1)
    // Its completion, arriving late, still counts (without an owner).
    assembler.consume(Self.event(700_000_000, .complete, 0, 8, pid: 0), into: &output)
    assembler.finish(into: &output)
    #expect(output.count == 300_001)
    #expect(assembler.counters.completionsWithoutRequest == 1)
  }

  @Test func completionWithoutEarlierLinesIsCountedWithUnknownOwner() {
    let (ops, counters) = Self.run([Self.event(5, .complete, 100, 8, pid: 0)])
    #expect(ops.count == 1)
    #expect(ops[0].ownerPid == -1)
    #expect(counters.completionsWithoutRequest == 1)
  }

  @Test func requestThatNeverCompletesIsReportedUnfinished() {
    let events = [
      Self.event(1, .issue, 100, 8), Self.event(2, .issue, 200, 8), Self.event(3, .complete, 200, 8, pid: 0),
    ]
    let (ops, counters) = Self.run(events)
    #expect(ops.map(\.sector) == [200])
    #expect(counters.unfinishedRequests == 1)
  }

  @Test func sameSectorOnTwoDevicesAreTwoRequests() {
    var other = Self.event(2, .issue, 100, 8)
    other.device = DeviceNumber(major: 259, minor: 0)
    var otherDone = Self.event(4, .complete, 100, 8, pid: 0)
    otherDone.device = other.device
    let (ops, _) = Self.run([Self.event(1, .issue, 100, 8), other, Self.event(3, .complete, 100, 8, pid: 0), otherDone])
    #expect(ops.count == 2)
  }

  @Test func manyInterleavedRequestsMatchAnOracle() {
    // Seeded random request lives, completed in random order: every request is one
    // operation, and issue order is kept.
    var rng = SplitMix(seed: 42)
    var events: [BlockEvent] = []
    var inFlight: [(sector: UInt64, issued: UInt64)] = []
    var time: UInt64 = 0
    var issuedOrder: [UInt64] = []
    for k in 0..<5_000 {
      time += 1 + rng.next() % 100
      let sector = UInt64(k) * 64
      events.append(Self.event(time, .queue, sector, 8))
      events.append(Self.event(time + 1, .issue, sector, 8, pid: 24))
      issuedOrder.append(sector)
      inFlight.append((sector, time))
      time += 2
      while !inFlight.isEmpty, rng.next() % 3 == 0 {
        let index = Int(rng.next() % UInt64(inFlight.count))
        events.append(Self.event(time, .complete, inFlight[index].sector, 8, pid: 0))
        inFlight.remove(at: index)
        time += 1
      }
    }
    for request in inFlight {
      time += 1
      events.append(Self.event(time, .complete, request.sector, 8, pid: 0))
    }
    let (ops, counters) = Self.run(events)
    #expect(ops.map(\.sector) == issuedOrder)
    #expect(counters.completedRequests == 5_000)
    #expect(counters.unfinishedRequests == 0)
  }
}

/// A seeded generator for reproducible tests.
typealias SplitMix = SplitMix64

extension RequestAssemblerTests {
  @Test func queueAndCompleteLinesAloneMakeARequest() {
    // A trace recorded with act_mask=queue,complete has no G/I/D lines.
    let (ops, counters) = Self.run([Self.event(1, .queue, 300, 8), Self.event(9, .complete, 300, 8, pid: 0)])
    #expect(ops.count == 1)
    #expect(ops[0].ownerPid == 100)
    #expect(ops[0].queueToCompleteNanoseconds == 8)
    #expect(counters.completionsWithoutRequest == 0)
  }
}
