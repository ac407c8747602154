/// Merges several time-ordered event streams (blktrace's per-CPU files, several traces of one
/// run) into one, by time; equal times come out in source order.
///
/// Memory stays bounded: the merge holds one batch per source and fills the output batch
/// with runs copied from the source whose next event is earliest.
public struct MergedEventStream: EventBatchSource {
  private var sources: [any EventBatchSource]
  private var pending: [ContiguousArray<BlockEvent>]
  private var positions: [Int]
  private var exhausted: [Bool]
  private var started = false
  /// Events per output batch (the last batch of the input may hold fewer).
  public var outputBatchSize = 1 << 15
  /// Whether empty `comm`s are filled from other events of the same pid (see `init`).
  public let fillsProcessNames: Bool
  private var names = ProcessNameTable()

  /// - Parameters:
  ///   - sources: the inputs, each in time order. Their index breaks ties between equal times.
  ///   - fillingProcessNames: give events with an empty `comm` the name most recently seen on
  ///     an earlier event of the same pid in any source. blktrace writes one PROCESS note per
  ///     task, into the file of the CPU the task first ran on, so its events in the other
  ///     CPUs' files only get a name this way (blkparse does the same with one global table).
  public init(_ sources: [any EventBatchSource], fillingProcessNames: Bool = false) {
    self.sources = sources
    pending = Array(repeating: [], count: sources.count)
    positions = Array(repeating: 0, count: sources.count)
    exhausted = Array(repeating: false, count: sources.count)
    fillsProcessNames = fillingProcessNames
  }

  /// The sources' diagnostics added together.
  public var diagnostics: TraceDiagnostics {
    var total = TraceDiagnostics()
    for source in sources { total.merge(source.diagnostics) }
    return total
  }

  public var markerCount: Int { sources.reduce(0) { $0 + $1.markerCount } }

  /// The sources' markers, merged by time (ties in source order).
  public var markers: [TraceMarker] {
    var all: [(marker: TraceMarker, source: Int, index: Int)] = []
    for (s, source) in sources.enumerated() {
      for (i, marker) in source.markers.enumerated() { all.append((marker, s, i)) }
    }
    all.sort { ($0.marker.time, $0.source, $0.index) < ($1.marker.time, $1.source, $1.index) }
    return all.map(\.marker)
  }

  public mutating func nextBatch(into batch: inout ContiguousArray<BlockEvent>) throws -> Bool {
    if sources.count == 1, !fillsProcessNames {
      batch.removeAll(keepingCapacity: true)
      return try sources[0].nextBatch(into: &batch)
    }
    if !started {
      started = true
      for index in sources.indices { try refill(index) }
    }
    let capacity = outputBatchSize
    // The output is written in place through a pointer, not appended run by run.
    batch = try ContiguousArray(unsafeUninitializedCapacity: capacity) { output, written in
      written = 0
      while written < capacity {
        let live = sources.indices.filter { !exhausted[$0] }
        if live.isEmpty { break }
        // Merge until the batch is full or a source's batch runs out; then fetch its next one.
        guard let drained = mergeRound(live: live, into: output.baseAddress!, written: &written, capacity: capacity)
        else { break }
        try refill(drained)
      }
    }
    return !batch.isEmpty
  }

  /// Copies runs of events from the `live` sources' pending batches to `output`, in time
  /// order, until it holds `capacity` events (returns nil) or one source's pending batch is
  /// used up (returns that source's index). Names events when asked (`fillsProcessNames`).
  ///
  /// Traces interleave their per-CPU files finely (runs of about five events), so the cost
  /// per run matters: the pending batches are read through pointers held for the whole round.
  private mutating func mergeRound(
    live: [Int], into output: UnsafeMutablePointer<BlockEvent>, written: inout Int, capacity: Int
  ) -> Int? {
    var cursor = live.map { positions[$0] }
    let fills = fillsProcessNames
    let drained: Int? = Self.withBuffers(of: pending, live[...], []) { buffers in
      // Each live source's next event time; `live` is in source order, so on equal times
      // the lower position in `live` (the lower source index) goes first.
      var next = buffers.indices.map { buffers[$0][cursor[$0]].time }
      let count = buffers.count
      // The last pid named or learned, and its name: runs of one task skip the table.
      var lastPid: Int32 = -1
      var lastComm = names.name(of: lastPid)
      while written < capacity {
        var best = 0
        for candidate in 1..<count where next[candidate] < next[best] { best = candidate }
        // Take events from `best` while they sort before every other source's next event.
        // A source before `best` has a later next time (else it would be best): no underflow.
        var limit = UInt64.max
        for other in 0..<count where other != best {
          limit = min(limit, other > best ? next[other] : next[other] - 1)
        }
        let events = buffers[best]
        let first = cursor[best]
        let stopMax = min(events.count, first + (capacity - written))
        var stop = first + 1
        while stop < stopMax, events[stop].time <= limit { stop += 1 }
        if fills {
          for index in first..<stop {
            var event = events[index]
            if event.pid != lastPid || (!event.comm.isEmpty && event.comm != lastComm) {
              if event.comm.isEmpty {
                lastComm = names.name(of: event.pid)
              } else {
                names.learn(pid: event.pid, comm: event.comm)
                lastComm = event.comm
              }
              lastPid = event.pid
            }
            event.comm = lastComm
            (output + written).initialize(to: event)
            written += 1
          }
        } else {
          (output + written).initialize(from: events.baseAddress! + first, count: stop - first)
          written += stop - first
        }
        cursor[best] = stop
        if stop == events.count { return best }
        next[best] = events[stop].time
      }
      return nil
    }
    for (slot, index) in live.enumerated() { positions[index] = cursor[slot] }
    return drained.map { live[$0] }
  }

  /// Calls `body` with pointers to the batches of `sources` (given by index), all valid at
  /// once: one nested `withUnsafeBufferPointer` per source.
  private static func withBuffers<R>(
    of batches: [ContiguousArray<BlockEvent>], _ sources: ArraySlice<Int>, _ held: [UnsafeBufferPointer<BlockEvent>],
    _ body: ([UnsafeBufferPointer<BlockEvent>]) -> R
  ) -> R {
    guard let first = sources.first else { return body(held) }
    return batches[first].withUnsafeBufferPointer { buffer in
      withBuffers(of: batches, sources.dropFirst(), held + [buffer], body)
    }
  }

  /// Fetches the next batch of source `index` once its current one is used up.
  private mutating func refill(_ index: Int) throws {
    positions[index] = 0
    while !exhausted[index] {
      if try !sources[index].nextBatch(into: &pending[index]) {
        exhausted[index] = true
        pending[index] = []
      } else if !pending[index].isEmpty {
        return
      }
    }
  }
}
