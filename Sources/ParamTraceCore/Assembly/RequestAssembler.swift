/// Assembles block requests from trace events and emits each as one `BlockOperation`
/// (docs/metrics.md "Operation"), or, in the comparison modes, one operation per line.
///
/// Feed events in time order. In completion mode a request is keyed by (device, first
/// sector) while in flight: a Q line records the bio's owner, G/I/D create or update the
/// request, R marks it for re-issue, a request merge drops it, a front merge moves its key,
/// a partial completion advances it, and the final C emits it. Operations come out in the
/// requested order; for issue order a small reorder buffer holds completed requests until
/// every request issued before them has completed. Memory is bounded by the requests in
/// flight, not by the length of the trace.
public struct RequestAssembler {
  public let mode: CountingMode
  public let order: OperationOrder
  /// A request not completed this long after its issue is given up (lost completion).
  public var staleAfterNanoseconds: UInt64 = 30_000_000_000
  /// Without any completion in the trace so far, a request issued this long ago is counted
  /// at dispatch: re-issues after a requeue come well within it.
  public var dispatchFallbackAfterNanoseconds: UInt64 = 1_000_000_000
  /// In a trace without completions, a dispatch of a sector dispatched this recently (with no
  /// requeue line between) is counted, and flagged `.repeatedDispatch` so the analysis can
  /// give the estimate without it: on this project's VM re-issues after a requeue came up to
  /// 15 ms later, genuine re-reads from 6 ms, so no window separates them.
  public var reissueWindowNanoseconds: UInt64 = 20_000_000
  /// Most requests held for reordering before the oldest unfinished one is given up. This,
  /// not the 30 s above, bounds memory when a completion is lost on a fast disk (100,000
  /// requests/s would hold 3 million for 30 s): 262,144 slots of about 110 bytes are 29 MB.
  /// A request given up this way and completing later is still counted, as a completion
  /// without earlier lines.
  public var maxPending = 1 << 18

  public private(set) var counters = AssemblyCounters()
  /// Task events (fork, exec, exit…) seen since `takeTaskEvents()`, in input order.
  public private(set) var taskEvents = ContiguousArray<BlockEvent>()

  /// Hands over the task events seen so far and forgets them.
  public mutating func takeTaskEvents() -> ContiguousArray<BlockEvent> {
    defer { taskEvents.removeAll(keepingCapacity: true) }
    return taskEvents
  }

  /// Actions assembly has no use for in completion and dispatch counting: decoders may count
  /// them instead of decoding them (`DecoderOptions.countedOnly`). In naive counting every
  /// line with a sector is an operation, so none can be left out.
  public static let actionsNotNeeded = BlockActionSet([
    .sleepRequest, .plug, .unplugIO, .unplugTimer, .bounce, .remap, .abort, .driverData, .message,
  ])

  private var requests = SectorKeyedTable<InFlightRequest>(capacity: 64)
  private var bios = SectorKeyedTable<QueuedBio>(capacity: 64)
  private var slots: [ReorderSlot] = []
  private var head = 0
  private var firstSequence: UInt64 = 0
  private var lastTime: UInt64 = 0
  private var eventsSinceBioPrune = 0
  /// The reorder buffer changed (a request finished or was dropped, or a new oldest one
  /// arrived): release what is ready after this event.
  private var releaseDue = false
  /// When the oldest unfinished request may be given up: until then, events that do not
  /// touch the reorder buffer need not look at it.
  private var giveUpCheckTime = UInt64.max

  public init(mode: CountingMode = .completion, order: OperationOrder = .issue) {
    self.mode = mode
    self.order = order
  }

  /// Processes a batch of events in time order, appending finished operations to `output`.
  public mutating func consume(_ events: ContiguousArray<BlockEvent>, into output: inout ContiguousArray<BlockOperation>) {
    for event in events { consume(event, into: &output) }
  }

  /// Processes one event.
  @inline(__always)
  public mutating func consume(_ event: BlockEvent, into output: inout ContiguousArray<BlockOperation>) {
    counters.events += 1
    counters.actionCounts.add(event.action)
    // Task events are not I/O: they go, in order, to whoever builds the task tree.
    if event.action.isTaskEvent {
      taskEvents.append(event)
      return
    }
    // A split line names the bio it splits, not data of its own (text traces print no length).
    let sized = event.sectors > 0 && event.action != .split
    if sized { counters.sizedLines += 1 }
    if event.time > lastTime { lastTime = event.time }
    switch mode {
    case .naive:
      if sized { output.append(lineOperation(event)) }
      assembleForCounters(event, &output)
    case .dispatch:
      if event.action == .issue, event.sectors > 0 { output.append(lineOperation(event)) }
      assembleForCounters(event, &output)
    case .completion:
      assemble(event, into: &output)
    }
  }

  /// In the line modes requests are still assembled, only so that reports can say how many
  /// lines each request had; the operations assembly emits are dropped again.
  @inline(__always)
  private mutating func assembleForCounters(_ event: BlockEvent, _ output: inout ContiguousArray<BlockOperation>) {
    let kept = output.count
    assemble(event, into: &output)
    if output.count > kept { output.removeSubrange(kept...) }
  }

  /// Ends the input: emits what is still held, and counts requests that never completed.
  public mutating func finish(into output: inout ContiguousArray<BlockOperation>) {
    guard mode == .completion else {
      var sink = ContiguousArray<BlockOperation>()
      finishRequests(into: &sink)
      return
    }
    finishRequests(into: &output)
  }

  private mutating func finishRequests(into output: inout ContiguousArray<BlockOperation>) {
    let noCompletions = counters.completionLines == 0
    while head < slots.count {
      var slot = slots[head]
      if slot.state == .pending {
        if let request = requests.remove(slot.sector, slot.device) {
          if noCompletions {
            slot.operation = request.operation
            slot.state = .done
            counters.countedAtDispatch += 1
          } else {
            counters.unfinishedRequests += 1
            slot.state = .dropped
          }
        } else {
          slot.state = .dropped
        }
      } else if slot.state == .tentative {
        slot.state = noCompletions ? .done : .dropped
        if noCompletions { counters.countedAtDispatch += 1 }
      }
      if slot.state == .done { output.append(slot.operation) }
      head += 1
    }
    slots.removeAll()
    head = 0
    // Requests queued or inserted but never issued: not operations.
    counters.unfinishedRequests += requests.count
    requests = SectorKeyedTable(capacity: 16)
    bios = SectorKeyedTable(capacity: 16)
  }

  // MARK: - Line modes

  @inline(__always)
  private func lineOperation(_ event: BlockEvent) -> BlockOperation {
    BlockOperation(
      device: event.device, sector: event.sector, sectors: event.sectors, flags: event.flags,
      ownerPid: event.pid, ownerComm: event.comm, firstIssueTime: event.time, lastIssueTime: event.time,
      dispatches: event.action == .issue ? 1 : 0, error: event.error)
  }

  // MARK: - Completion mode

  @inline(__always)
  private mutating func assemble(_ event: BlockEvent, into output: inout ContiguousArray<BlockOperation>) {
    switch event.action {
    case .queue:
      if event.sectors > 0 {
        queueBio(event)
        pruneBiosIfDue()
      }
    case .split:
      // The bio at `sector` continues as two bios; the second starts at `detail`.
      if let bio = bios.value(event.sector, event.device) { bios.insert(bio.first, event.detail, event.device) }
    case .backmerge, .frontmerge:
      if event.flags.contains(.requestLevel) {
        // A request merged into another: it will not complete on its own.
        if let request = requests.remove(event.sector, event.device) {
          counters.mergedRequests += 1
          markDropped(request.sequence)
        }
      } else {
        _ = takeBio(event.sector, event.device)
        if event.action == .frontmerge { frontMerge(event) }
      }
    case .getRequest, .insert:
      // Flushes and other requests without data are not operations: not tracked at all
      // (tracepoints even print a flush's completion at sector 2^64-1).
      guard event.sectors > 0 else { break }
      if let slot = requests.find(event.sector, event.device) {
        if requests[slot: slot].operation.sectors < event.sectors { requests[slot: slot].operation.sectors = event.sectors }
      } else {
        requests.insert(newRequest(event), event.sector, event.device)
      }
    case .issue:
      guard event.sectors > 0 else {
        counters.requestsWithoutData += 1
        break
      }
      issue(event)
    case .requeue:
      counters.requeues += 1
      if let slot = requests.find(event.sector, event.device) { requests[slot: slot].requeued = true }
    case .complete:
      counters.completionLines += 1
      if event.sectors > 0 { complete(event, into: &output) }
    default:
      break
    }
    if releaseDue || lastTime >= giveUpCheckTime { releaseReady(into: &output) }
  }

  /// A request first seen on this line; its owner is the task that queued its bio, when the
  /// Q line was seen, else the task on this line.
  private mutating func newRequest(_ event: BlockEvent) -> InFlightRequest {
    let bio = takeBio(event.sector, event.device)
    var request = InFlightRequest(
      operation: BlockOperation(
        device: event.device, sector: event.sector, sectors: event.sectors, flags: event.flags,
        ownerPid: bio?.pid ?? event.pid, ownerComm: event.comm, queueTime: bio?.time ?? BlockOperation.noTime))
    if let bio {
      request.operation.ownerComm = bio.comm.isEmpty && bio.pid == event.pid ? event.comm : bio.comm
    }
    return request
  }

  private mutating func issue(_ event: BlockEvent) {
    if let slot = requests.find(event.sector, event.device) {
      var request = requests[slot: slot]
      if request.operation.firstIssueTime != BlockOperation.noTime, !request.requeued {
        counters.reissuesWithoutRequeue += 1
        // Without completions this dispatch may be a genuine re-read: it gets a slot of its
        // own, counted only if the trace turns out to have no completions.
        if counters.completionLines == 0 { appendTentativeDispatch(event, previous: request.operation) }
      }
      request.requeued = false
      if request.operation.firstIssueTime == BlockOperation.noTime { request.operation.firstIssueTime = event.time }
      request.operation.lastIssueTime = event.time
      request.operation.dispatches &+= 1
      if event.sectors > 0 { request.operation.sectors = event.sectors }
      request.operation.flags.formUnion(event.flags)
      if request.sequence == InFlightRequest.unsequenced { request.sequence = appendSlot(request, time: event.time) }
      requests[slot: slot] = request
    } else {
      var request = newRequest(event)
      request.operation.firstIssueTime = event.time
      request.operation.lastIssueTime = event.time
      request.operation.dispatches = 1
      request.sequence = appendSlot(request, time: event.time)
      requests.insert(request, event.sector, event.device)
    }
  }

  private mutating func complete(_ event: BlockEvent, into output: inout ContiguousArray<BlockOperation>) {
    guard var request = requests.remove(event.sector, event.device) else {
      if event.sectors > 0 {
        // No request line: a trace of Q and C lines only (act_mask), or one that began while
        // the request was in flight. The bio's Q line still names the owner when it was seen.
        let bio = takeBio(event.sector, event.device)
        if bio == nil { counters.completionsWithoutRequest += 1 }
        counters.completedRequests += 1
        let operation = BlockOperation(
          device: event.device, sector: event.sector, sectors: event.sectors, flags: event.flags,
          ownerPid: bio?.pid ?? -1, ownerComm: bio?.comm ?? CommName(), queueTime: bio?.time ?? BlockOperation.noTime,
          completeTime: event.time, error: event.error)
        emit(operation, sequence: appendSlot(nil, time: event.time), into: &output)
      }
      return
    }
    request.completedSectors &+= event.sectors
    if event.error != 0 { request.operation.error = event.error }
    if request.operation.sectors > 0, request.completedSectors < request.operation.sectors, event.sectors > 0 {
      // Partial completion: the rest of the request now starts after the completed part.
      counters.partialCompletions += 1
      let next = event.sector &+ UInt64(event.sectors)
      if request.sequence != InFlightRequest.unsequenced { updateSlotKey(request.sequence, sector: next) }
      requests.insert(request, next, event.device)
      return
    }
    var operation = request.operation
    operation.completeTime = event.time
    if operation.sectors == 0 { operation.sectors = request.completedSectors }
    if operation.sectors == 0 {
      counters.requestsWithoutData += 1
      markDropped(request.sequence)
      return
    }
    counters.completedRequests += 1
    let sequence = request.sequence == InFlightRequest.unsequenced ? appendSlot(nil, time: event.time) : request.sequence
    emit(operation, sequence: sequence, into: &output)
  }

  private mutating func frontMerge(_ event: BlockEvent) {
    // The request that started right after this bio now starts at the bio.
    let oldStart = event.sector &+ UInt64(event.sectors)
    guard var request = requests.remove(oldStart, event.device) else { return }
    request.operation.sector = event.sector
    request.operation.sectors &+= event.sectors
    if request.sequence != InFlightRequest.unsequenced { updateSlotKey(request.sequence, sector: event.sector) }
    requests.insert(request, event.sector, event.device)
  }

  /// A bio queued at a sector where another bio is still waiting: two tasks reading the same
  /// block at once (O_DIRECT readers; fio's jobs at random offsets do it a few times in a
  /// million reads). Both are kept, in queue order, so each request that follows gets its own
  /// owner; with one slot the second overwrote the first and the later of the two completions
  /// had no owner. A waiting bio older than `staleBioNanoseconds` never became a request
  /// (merged without a merge line) and is replaced.
  @inline(__always)
  private mutating func queueBio(_ event: BlockEvent) {
    let bio = QueuedBio(pid: event.pid, comm: event.comm, time: event.time)
    guard let slot = bios.find(event.sector, event.device) else {
      bios.insert(bio, event.sector, event.device)
      return
    }
    let waiting = bios[slot: slot]
    if waiting.time &+ Self.staleBioNanoseconds < event.time {
      bios[slot: slot] = bio
    } else {
      bios[slot: slot].later = QueuedBio.Later(pid: bio.pid, comm: bio.comm, time: bio.time)
    }
  }

  /// The oldest bio waiting at the key, leaving a later one there.
  @inline(__always)
  private mutating func takeBio(_ sector: UInt64, _ device: DeviceNumber) -> QueuedBio? {
    guard let slot = bios.find(sector, device) else { return nil }
    let bio = bios[slot: slot]
    if let later = bio.later {
      bios[slot: slot] = QueuedBio(pid: later.pid, comm: later.comm, time: later.time)
    } else {
      bios.remove(sector, device)
    }
    return bio.first
  }

  /// A waiting bio this old never became a request (see `queueBio`).
  static let staleBioNanoseconds: UInt64 = 1_000_000_000

  private mutating func pruneBiosIfDue() {
    eventsSinceBioPrune += 1
    guard eventsSinceBioPrune >= 1 << 16 else { return }
    eventsSinceBioPrune = 0
    // Bios that never became a request of their own (merged silently, split by segment
    // limits) would otherwise accumulate; a bio still unmatched after this long never will be.
    let horizon = lastTime > staleAfterNanoseconds ? lastTime - staleAfterNanoseconds : 0
    if bios.count > 4096 { bios.removeAll { $0.time < horizon } }
  }

  /// A dispatch of an in-flight request without a requeue line before it, in a trace without
  /// completions so far: a re-issue or a re-read. Its slot holds it as an operation of its own;
  /// when the slot is released it is counted if the trace still has no completions (every
  /// dispatch counts there), else dropped (the completion counts the request once).
  private mutating func appendTentativeDispatch(_ event: BlockEvent, previous: BlockOperation) {
    var operation = BlockOperation(
      device: event.device, sector: event.sector, sectors: event.sectors, flags: event.flags.union(previous.flags),
      ownerPid: previous.ownerPid, ownerComm: previous.ownerComm, firstIssueTime: event.time, lastIssueTime: event.time,
      dispatches: 1, error: event.error)
    let since = event.time >= previous.lastIssueTime ? event.time - previous.lastIssueTime : 0
    if since <= reissueWindowNanoseconds { operation.flags.insert(.repeatedDispatch) }
    let sequence = appendSlot(nil, time: event.time)
    if let index = slotIndex(sequence) {
      slots[index].operation = operation
      slots[index].state = .tentative
    }
  }

  // MARK: - Reorder buffer

  private mutating func appendSlot(_ request: InFlightRequest?, time: UInt64) -> UInt64 {
    let sequence = firstSequence &+ UInt64(slots.count - head)
    // A new oldest request, or too many held: the buffer needs a look after this event.
    if slots.count == head || slots.count - head >= maxPending { releaseDue = true }
    slots.append(
      ReorderSlot(
        state: .pending, issueTime: time, sector: request?.operation.sector ?? 0,
        device: request?.operation.device ?? DeviceNumber(raw: 0), operation: Self.placeholder))
    return sequence
  }

  private mutating func updateSlotKey(_ sequence: UInt64, sector: UInt64) {
    guard let index = slotIndex(sequence) else { return }
    slots[index].sector = sector
  }

  private func slotIndex(_ sequence: UInt64) -> Int? {
    guard sequence != InFlightRequest.unsequenced, sequence >= firstSequence else { return nil }
    let index = head + Int(sequence - firstSequence)
    return index < slots.count ? index : nil
  }

  private mutating func markDropped(_ sequence: UInt64) {
    guard let index = slotIndex(sequence) else { return }
    slots[index].state = .dropped
    releaseDue = true
  }

  private mutating func emit(_ operation: BlockOperation, sequence: UInt64, into output: inout ContiguousArray<BlockOperation>) {
    if order == .completion {
      output.append(operation)
      markDropped(sequence)
    } else if let index = slotIndex(sequence) {
      slots[index].operation = operation
      slots[index].state = .done
      releaseDue = true
    }
  }

  @inline(__always)
  private mutating func releaseReady(into output: inout ContiguousArray<BlockOperation>) {
    releaseDue = false
    giveUpCheckTime = UInt64.max
    while head < slots.count {
      switch slots[head].state {
      case .done: output.append(slots[head].operation)
      case .dropped: break
      case .pending, .tentative:
        guard giveUp(slots[head], into: &output) else {
          let (deadline, overflow) = slots[head].issueTime.addingReportingOverflow(patience)
          giveUpCheckTime = overflow ? UInt64.max : deadline
          compactSlots()
          return
        }
      }
      head += 1
      firstSequence &+= 1
    }
    compactSlots()
  }

  /// How long the oldest unfinished request is waited for: without any completion in the
  /// trace so far it is counted at dispatch after `dispatchFallbackAfterNanoseconds`, else
  /// given up after `staleAfterNanoseconds`.
  private var patience: UInt64 {
    counters.completionLines == 0 ? dispatchFallbackAfterNanoseconds : staleAfterNanoseconds
  }

  /// Decides about the oldest unfinished request: wait, count it at dispatch (trace without
  /// completions), or give it up as unfinished. Returns true when it was resolved.
  private mutating func giveUp(_ slot: ReorderSlot, into output: inout ContiguousArray<BlockOperation>) -> Bool {
    // A tentative dispatch in a trace that has completions after all was a re-issue: the
    // completion counts its request once.
    if slot.state == .tentative, counters.completionLines > 0 { return true }
    let age = lastTime >= slot.issueTime ? lastTime - slot.issueTime : 0
    guard age > patience || slots.count - head > maxPending else { return false }
    if slot.state == .tentative {
      // Still no completion in the trace: every dispatch is an operation.
      counters.countedAtDispatch += 1
      output.append(slot.operation)
      return true
    }
    if counters.completionLines == 0 {
      if let request = requests.remove(slot.sector, slot.device) {
        counters.countedAtDispatch += 1
        output.append(request.operation)
      }
      return true
    }
    if requests.remove(slot.sector, slot.device) != nil { counters.unfinishedRequests += 1 }
    return true
  }

  private mutating func compactSlots() {
    if head > 4096, head * 2 > slots.count {
      slots.removeFirst(head)
      head = 0
    }
  }

  private static let placeholder = BlockOperation(
    device: DeviceNumber(raw: 0), sector: 0, sectors: 0, flags: [], ownerPid: -1, ownerComm: CommName())
}

/// A bio seen on a Q line, waiting to become (or join) a request; and a second one queued at
/// the same sector while it waited (`RequestAssembler.queueBio`).
struct QueuedBio {
  struct Later {
    var pid: Int32
    var comm: CommName
    var time: UInt64
  }

  var pid: Int32
  var comm: CommName
  var time: UInt64
  var later: Later?

  init(pid: Int32, comm: CommName, time: UInt64) {
    self.pid = pid
    self.comm = comm
    self.time = time
  }

  /// This bio without the one behind it.
  var first: QueuedBio { QueuedBio(pid: pid, comm: comm, time: time) }
}

/// A request between its first line and its completion: the operation as assembled so far
/// (no completion time yet), plus what assembly needs to finish it.
struct InFlightRequest {
  static let unsequenced = UInt64.max
  var operation: BlockOperation
  /// An R line came since the last issue: the next D is expected, not a silent re-issue.
  var requeued = false
  /// Sectors completed so far (partial completions).
  var completedSectors: UInt32 = 0
  /// Position in issue order, assigned at the first issue.
  var sequence = unsequenced
}

/// One request's place in issue order.
struct ReorderSlot {
  enum State: UInt8 {
    case pending, done, dropped
    /// A dispatch counted only if the trace has no completions (`appendTentativeDispatch`).
    case tentative
  }
  var state: State
  var issueTime: UInt64
  var sector: UInt64
  var device: DeviceNumber
  var operation: BlockOperation
}
