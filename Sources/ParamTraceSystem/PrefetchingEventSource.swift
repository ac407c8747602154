import Dispatch
import Glibc
import ParamTraceCore
import Synchronization

/// Decodes on a second thread while the caller analyzes: the two cores of a small machine
/// then work at once (reading and decoding the next batches, assembling and measuring the
/// current one). Batches are handed over through a few slots, so memory stays bounded.
public final class PrefetchingEventSource: EventBatchSource, @unchecked Sendable {
  private struct Handoff {
    var batch: ContiguousArray<BlockEvent>
    var more: Bool
    var error: (any Error)?
    var markers: [TraceMarker]?
  }

  private struct State {
    var ready: [Handoff] = []
    var spare: [ContiguousArray<BlockEvent>] = []
  }

  private var inner: any EventBatchSource
  private let state = Mutex(State())
  private let filled = DispatchSemaphore(value: 0)
  private let free: DispatchSemaphore
  private var thread: pthread_t?
  private var finished = false
  private var latestMarkers: [TraceMarker] = []

  /// Starts decoding `source` on a new thread, up to `depth` batches ahead.
  public init(_ source: any EventBatchSource, depth: Int = 3) {
    inner = source
    free = DispatchSemaphore(value: depth)
    // The thread holds the source until it returns.
    thread = startThread { self.produce() }.thread
    if thread == nil { produce() }  // no thread: decode everything now (still correct, just not parallel)
  }

  private func produce() {
    var markerCount = 0
    while true {
      free.wait()
      var batch = state.withLock { $0.spare.popLast() } ?? ContiguousArray()
      var handoff: Handoff
      do {
        let more = try inner.nextBatch(into: &batch)
        handoff = Handoff(batch: batch, more: more, error: nil, markers: nil)
      } catch {
        handoff = Handoff(batch: [], more: false, error: error, markers: nil)
      }
      // Markers change rarely; pass a copy along only when there are new ones.
      if inner.markerCount != markerCount {
        handoff.markers = inner.markers
        markerCount = handoff.markers!.count
      }
      let last = !handoff.more
      state.withLock { $0.ready.append(handoff) }
      filled.signal()
      if last { return }
    }
  }

  public func nextBatch(into batch: inout ContiguousArray<BlockEvent>) throws -> Bool {
    guard !finished else {
      batch.removeAll(keepingCapacity: true)
      return false
    }
    filled.wait()
    var handoff = state.withLock { $0.ready.removeFirst() }
    if let markers = handoff.markers { latestMarkers = markers }
    swap(&batch, &handoff.batch)
    handoff.batch.removeAll(keepingCapacity: true)
    let recycled = handoff.batch
    state.withLock { $0.spare.append(recycled) }
    free.signal()
    if !handoff.more {
      finished = true
      if let thread {
        pthread_join(thread, nil)
        self.thread = nil
      }
    }
    if let error = handoff.error { throw error }
    return handoff.more || !batch.isEmpty
  }

  /// Valid once the input is exhausted (the decoding thread has ended then).
  public var diagnostics: TraceDiagnostics { finished ? inner.diagnostics : TraceDiagnostics() }

  /// The markers read so far.
  public var markers: [TraceMarker] { finished ? inner.markers : latestMarkers }
  public var markerCount: Int { finished ? inner.markerCount : latestMarkers.count }
}
