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
  public var outputBatchSize = 1 << 16
  /// Whether empty `comm`s are filled from other events of the same pid (see `init`).
  public let fillsProcessNames: Bool
  private var names: [Int32: CommName] = [:]
  private var cachedPid: Int32 = -1
  private var cachedComm = CommName()

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
    batch.removeAll(keepingCapacity: true)
    if sources.count == 1, !fillsProcessNames { return try sources[0].nextBatch(into: &batch) }
    if !started {
      started = true
      for index in sources.indices { try refill(index) }
    }
    let capacity = outputBatchSize
    batch.reserveCapacity(capacity)
    while batch.count < capacity {
      // The source with the earliest next event; the lower index wins a tie.
      var best = -1
      var bestTime = UInt64.max
      for index in sources.indices where !exhausted[index] {
        let time = pending[index][positions[index]].time
        if best < 0 || time < bestTime {
          best = index
          bestTime = time
        }
      }
      if best < 0 { break }
      // Take events from `best` while they sort before every other source's next event.
      var limit = UInt64.max
      for index in sources.indices where index != best && !exhausted[index] {
        let time = pending[index][positions[index]].time
        limit = min(limit, index > best ? time : time - 1)
      }
      let runStart = batch.count
      let first = positions[best]
      var stop = first
      let stopMax = min(pending[best].count, first + (capacity - batch.count))
      pending[best].withUnsafeBufferPointer { events in
        while stop < stopMax, events[stop].time <= limit { stop += 1 }
      }
      batch.append(contentsOf: pending[best][first..<stop])
      positions[best] = stop
      if fillsProcessNames { fillNames(&batch, from: runStart) }
      if stop == pending[best].count { try refill(best) }
    }
    return !batch.isEmpty
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

  /// Learns pid → comm from named events and names the unnamed ones, in output order.
  private mutating func fillNames(_ batch: inout ContiguousArray<BlockEvent>, from start: Int) {
    batch.withUnsafeMutableBufferPointer { events in
      for k in start..<events.count {
        let pid = events[k].pid
        if events[k].comm.isEmpty {
          if pid != cachedPid {
            cachedPid = pid
            cachedComm = names[pid] ?? CommName()
          }
          events[k].comm = cachedComm
        } else if pid != cachedPid || events[k].comm != cachedComm {
          cachedPid = pid
          cachedComm = events[k].comm
          names[pid] = cachedComm
        }
      }
    }
  }
}
