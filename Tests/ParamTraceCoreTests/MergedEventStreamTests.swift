import Testing

@testable import ParamTraceCore

/// A source that hands out prepared events in batches of a fixed size.
struct PreparedEventSource: EventBatchSource {
  var events: [BlockEvent]
  var batchSize: Int
  var position = 0
  var diagnostics = TraceDiagnostics()
  var markers: [TraceMarker] = []

  init(_ events: [BlockEvent], batchSize: Int, markers: [TraceMarker] = [], malformed: Int = 0) {
    self.events = events
    self.batchSize = batchSize
    self.markers = markers
    diagnostics.malformed = malformed
  }

  mutating func nextBatch(into batch: inout ContiguousArray<BlockEvent>) throws -> Bool {
    batch.removeAll(keepingCapacity: true)
    guard position < events.count else { return false }
    let end = min(events.count, position + batchSize)
    batch.append(contentsOf: events[position..<end])
    position = end
    return true
  }
}

@Suite struct MergedEventStreamTests {
  static func event(time: UInt64, source: Int, index: Int, pid: Int32 = 1, comm: CommName = CommName()) -> BlockEvent {
    BlockEvent(
      time: time, sector: UInt64(index), sectors: 8, device: DeviceNumber(major: 8, minor: 0), pid: pid,
      cpu: UInt16(source), action: .queue, flags: .read, comm: comm)
  }

  /// Random time-ordered inputs (with many equal times) against a stable sort.
  @Test(arguments: [0, 1, 2, 3, 8, 33])
  func mergesLikeAStableSort(sourceCount: Int) throws {
    var random = SplitMix64(seed: UInt64(sourceCount) + 11)
    for round in 0..<40 {
      var inputs: [[BlockEvent]] = []
      for source in 0..<sourceCount {
        let count = [0, 1, 2, Int(random.below(300))][Int(random.below(4))]
        var time = random.below(50)
        inputs.append(
          (0..<count).map { index in
            time += random.below(4)  // equal times within and across sources
            return Self.event(time: time, source: source, index: index)
          })
      }
      let oracle = inputs.enumerated()
        .flatMap { source, events in events.enumerated().map { (source: source, index: $0.offset, event: $0.element) } }
        .sorted { ($0.event.time, $0.source, $0.index) < ($1.event.time, $1.source, $1.index) }
        .map(\.event)
      let sources: [any EventBatchSource] = inputs.map { PreparedEventSource($0, batchSize: Int(random.between(1...40))) }
      var merged = MergedEventStream(sources)
      merged.outputBatchSize = round % 2 == 0 ? 7 : 1 << 16
      let result = try drain(&merged)
      #expect(Array(result.events) == oracle)
    }
  }

  @Test func tiesGoToTheLowerSourceIndex() throws {
    let a = [Self.event(time: 5, source: 0, index: 0), Self.event(time: 5, source: 0, index: 1)]
    let b = [Self.event(time: 5, source: 1, index: 0), Self.event(time: 6, source: 1, index: 1)]
    var merged = MergedEventStream([PreparedEventSource(b, batchSize: 1), PreparedEventSource(a, batchSize: 1)])
    let result = try drain(&merged)
    #expect(result.events.map(\.cpu) == [1, 0, 0, 1])
  }

  @Test func fillsProcessNamesAcrossSourcesWhenAsked() throws {
    let reader = CommName("reader")
    // The PROCESS note (so the name) was in CPU 1's file; CPU 0 has later events without it.
    let cpu1 = [Self.event(time: 1, source: 1, index: 0, pid: 77, comm: reader)]
    let cpu0 = [
      Self.event(time: 0, source: 0, index: 0, pid: 77), Self.event(time: 2, source: 0, index: 1, pid: 77),
      Self.event(time: 3, source: 0, index: 2, pid: 5),
    ]
    var filling = MergedEventStream(
      [PreparedEventSource(cpu0, batchSize: 1), PreparedEventSource(cpu1, batchSize: 1)], fillingProcessNames: true)
    let filled = try drain(&filling)
    // Before the first named event the name is unknown; after it, known; other pids stay empty.
    #expect(filled.events.map(\.comm) == [CommName(), reader, reader, CommName()])
    var plain = MergedEventStream([PreparedEventSource(cpu0, batchSize: 1), PreparedEventSource(cpu1, batchSize: 1)])
    #expect(try drain(&plain).events.map(\.comm) == [CommName(), reader, CommName(), CommName()])
  }

  /// Names filled across sources equal a sequential pass over the stably sorted events:
  /// many pids (more than the name cache's slots, and pids that share a slot), names that
  /// change, and events without a name.
  @Test(arguments: [4, 9])
  func fillsNamesLikeASequentialPass(seed: UInt64) throws {
    var random = SplitMix64(seed: seed)
    // pid -1 (a u32 pid of 0xFFFFFFFF in a crafted trace) shares its cache slot with 1023.
    let pids: [Int32] = [-1, 1023] + (0..<38).map { Int32($0) * 1024 + 5 } + (0..<1500).map { Int32($0) }
    let names = (0..<6).map { CommName("task-\($0)") }
    var inputs: [[BlockEvent]] = []
    for source in 0..<3 {
      var time: UInt64 = 0
      inputs.append(
        (0..<3000).map { index in
          time += random.below(3)
          let pid = pids[Int(random.below(UInt64(random.chance(0.7) ? 40 : pids.count)))]
          let comm = random.chance(0.6) ? CommName() : names[Int(random.below(UInt64(names.count)))]
          return Self.event(time: time, source: source, index: index, pid: pid, comm: comm)
        })
    }
    var oracle = inputs.enumerated()
      .flatMap { source, events in events.enumerated().map { (source: source, index: $0.offset, event: $0.element) } }
      .sorted { ($0.event.time, $0.source, $0.index) < ($1.event.time, $1.source, $1.index) }
      .map(\.event)
    var known: [Int32: CommName] = [:]
    for index in oracle.indices {
      if oracle[index].comm.isEmpty {
        oracle[index].comm = known[oracle[index].pid] ?? CommName()
      } else {
        known[oracle[index].pid] = oracle[index].comm
      }
    }
    for outputBatchSize in [5, 1 << 15] {
      let sources: [any EventBatchSource] = inputs.map { PreparedEventSource($0, batchSize: Int(random.between(1...500))) }
      var merged = MergedEventStream(sources, fillingProcessNames: true)
      merged.outputBatchSize = outputBatchSize
      #expect(Array(try drain(&merged).events) == oracle)
    }
  }

  @Test func mergesMarkersAndAddsDiagnostics() throws {
    let one = PreparedEventSource([], batchSize: 1, markers: [TraceMarker(time: 5, text: "b")], malformed: 2)
    let two = PreparedEventSource([], batchSize: 1, markers: [TraceMarker(time: 1, text: "a"), TraceMarker(time: 5, text: "c")], malformed: 3)
    var merged = MergedEventStream([one, two])
    let result = try drain(&merged)
    #expect(result.events.isEmpty)
    #expect(result.markers.map(\.text) == ["a", "b", "c"])
    #expect(result.diagnostics.malformed == 5)
  }

  /// The fixtures' per-CPU files merge into one time-ordered stream with every event.
  @Test(arguments: FixturePaths.all)
  func mergesFixtureFiles(name: String) throws {
    let merged = try decodeFixtureBlktrace(name)
    var separate = 0
    for cpu in 0..<2 {
      separate += try decodeBinary(BlktraceBinaryDecoder(options: DecoderOptions()), FixturePaths.bytes(name, "blktrace.\(cpu)"))
        .events.count
    }
    #expect(merged.events.count == separate)
    #expect(zip(merged.events, merged.events.dropFirst()).allSatisfy { $0.time <= $1.time })
  }
}
