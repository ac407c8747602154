/// What request assembly saw: how many lines of each kind, and every case that did not fit
/// the simple Q→G→I→D→C life of a request. Reports print these so a user can tell how far
/// the input was from "one line per request".
public struct AssemblyCounters: Sendable, Hashable {
  /// Events per action.
  public var actionCounts = ActionTally()
  /// Every event read.
  public var events = 0
  /// Events that carry a sector and a length (the lines a naive count would count).
  public var sizedLines = 0
  /// Requests that completed (each counted once).
  public var completedRequests = 0
  /// Completion lines seen.
  public var completionLines = 0
  /// R lines: requests handed back by the driver, to be issued again.
  public var requeues = 0
  /// D lines that re-issued a request already in flight without an R line before them
  /// (tracepoint traces without block_rq_requeue).
  public var reissuesWithoutRequeue = 0
  /// Requests absorbed into another by a request merge (they never complete themselves).
  public var mergedRequests = 0
  /// Completions whose request was never seen queued, inserted or issued (trace began mid-flight).
  public var completionsWithoutRequest = 0
  /// Completions that finished only part of a request.
  public var partialCompletions = 0
  /// Requests issued but never seen completing (trace ended, or events lost).
  public var unfinishedRequests = 0
  /// Operations counted at dispatch because the trace had no completions at all.
  public var countedAtDispatch = 0
  /// Requests and completions without data (flushes, zero-length) that were left out.
  public var requestsWithoutData = 0

  public init() {}

  /// Events of one action.
  public func count(_ action: BlockAction) -> Int { actionCounts[action] }

  /// Adds the events a decoder counted without handing them over (`DecoderOptions.countedOnly`).
  public mutating func addCountedOnly(_ diagnostics: TraceDiagnostics) {
    actionCounts.merge(diagnostics.countedOnly)
    events += diagnostics.countedOnly.total
    sizedLines += diagnostics.countedOnlySizedEvents
  }

  /// Trace lines with a sector per counted request: 1 when the trace has one line per
  /// request (only C lines), 3–5 for full blktrace captures. Nil with no requests.
  public var linesPerRequest: Double? {
    let requests = completedRequests + countedAtDispatch
    return requests == 0 ? nil : Double(sizedLines) / Double(requests)
  }
}
