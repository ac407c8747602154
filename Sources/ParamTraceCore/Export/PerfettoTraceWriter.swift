/// Writes requests as Chrome's JSON trace-event format (spec §13), which ui.perfetto.dev and
/// chrome://tracing open, one event at a time into an `ExportBuffer` (no tree of the document
/// is ever built):
///
/// - one process per device (`disk vda (254:0)`), each request an async slice (`b`/`e`, one
///   `id` per request, since requests overlap) from its issue to its completion, named by the
///   tensor that got most of its bytes, or "outside the model"; args: sector, bytes, file
///   offset, layer, expert, owner, latency;
/// - counters (`C`) per device, per 10 ms window: MiB/s completed, by completion time
///   (DESIGN.md: bandwidth from completions), and the mean number of requests in flight
///   (dispatch to completion);
/// - with a model, a process for it: the block being read as slices on one track (runs of
///   requests in issue order, `X`), and a `layer` counter (-1 outside the blocks);
/// - with a residency timeline (`record`'s residency.json), counters on the model's process of
///   the MiB of each layer (and of the tensors outside the blocks, and of the whole model) in
///   the page cache at each sample, so eviction under a budget lines up with the reads;
/// - instants (`i`, global) for trace markers, the load/decode boundary and the workload's
///   phases; metadata (`M`) naming processes and tracks.
///
/// Times are microseconds (three decimals, so nanoseconds survive) from `origin`, the trace's
/// first event. Past `requestLimit` requests the rest are left out (counted) and an instant
/// marks where, so that a large run still opens in the browser (about 2 GB there).
public struct PerfettoTraceWriter {
  /// What to write besides the requests.
  public struct Settings: Sendable {
    /// Most requests written; 0 writes all.
    public var requestLimit = 2_000_000
    /// The model's name for its process (file name), when known.
    public var modelName: String?
    /// The writer's version, in `otherData`.
    public var toolVersion = ""
    /// The model's page-cache residency sampled during the run, written as counters.
    public var residency: ResidencyTimeline?
    /// The window the requests were cut to (`--from`/`--to`, trace clock): residency samples
    /// outside it are left out too.
    public var windowStart: UInt64?
    public var windowEnd: UInt64?
    public init() {}
  }

  /// Pid of the model's process; devices follow from `firstDevicePid`.
  static let modelPid = 1
  static let firstDevicePid = 2
  /// Counter window (10 ms).
  static let rateWindowNanoseconds: UInt64 = 10_000_000

  public let settings: Settings
  public let model: ModelLayout?
  public let extents: FileExtentMap?
  /// The bytes written so far and not yet drained.
  public var out = ExportBuffer()
  public private(set) var requestsWritten = 0
  /// Requests past the limit, not written.
  public private(set) var requestsLeftOut = 0
  /// Issue time of the first request left out.
  public private(set) var cutTime: UInt64?
  /// The time zero of the file, on the trace's clock.
  public private(set) var origin: UInt64 = 0
  /// Residency samples written as counters.
  public private(set) var residencySamplesWritten = 0

  private let deviceName: (DeviceNumber) -> String
  private var devices: [DeviceTrack] = []
  private var lastDevice = -1
  private var layers = LayerRunTrack()
  /// Per tensor index: the request name (the tensor's name) and the run name (`blk.N`, or the
  /// tensor's name outside the blocks), encoded once.
  private let requestNames: [[UInt8]]
  private let runNames: [[UInt8]]
  private var rwbsFlags = BlockFlags(rawValue: UInt16.max)
  private var rwbsBytes: [UInt8] = []
  private var wroteEvent = false
  private var nextID: UInt64 = 1

  /// `deviceName` names a device for its process, once per device seen.
  public init(settings: Settings, model: ModelLayout?, extents: FileExtentMap?, deviceName: @escaping (DeviceNumber) -> String) {
    self.settings = settings
    self.model = extents == nil ? nil : model
    self.extents = extents
    self.deviceName = deviceName
    let tensors = self.model?.tensors ?? []
    requestNames = tensors.map { ExportBuffer.encodedJSONString($0.name) }
    runNames = tensors.map { ExportBuffer.encodedJSONString($0.layer.map { "blk.\($0)" } ?? $0.name) }
  }

  /// Starts the file; `origin` (the first event's time) becomes time zero.
  public mutating func begin(origin: UInt64) {
    self.origin = origin
    out.literal("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[")
    guard model != nil else { return }
    metadata(pid: Self.modelPid, tid: nil, name: "process_name", value: "model \(settings.modelName ?? model?.path ?? "")")
    sortIndex(pid: Self.modelPid, 0)
    metadata(pid: Self.modelPid, tid: 1, name: "thread_name", value: "block being read (runs of requests)")
  }

  /// Adds one request that passed the filters (requests come in issue order).
  @inline(__always)
  public mutating func add(_ item: AccessAnalyzer.Accepted) {
    let operation = item.operation
    let issue = operation.issueOrderTime
    if settings.requestLimit > 0, requestsWritten >= settings.requestLimit {
      if cutTime == nil { cutTime = issue }
      requestsLeftOut += 1
      return
    }
    requestsWritten += 1
    let device = deviceIndex(operation.device)
    let complete = operation.completeTime == BlockOperation.noTime ? issue : max(issue, operation.completeTime)
    var match = RequestTensorMatch()
    if let model, let extents { match = model.match(extents: extents, sector: operation.sector, endSector: operation.endSector) }

    let id = nextID
    nextID += 1
    let pid = UInt64(devices[device].pid)
    let category: StaticString = operation.flags.contains(.write) ? "write" : "read"
    startRequestEvent(match, category: category, phase: "b", id: id, time: issue, pid: pid)
    writeRequestArgs(item, match: match)
    out.literal("}}")

    startRequestEvent(match, category: category, phase: "e", id: id, time: complete, pid: pid)
    out.literal("}}")

    if operation.completeTime != BlockOperation.noTime {
      // In flight from the (last) dispatch to the driver, as latency_us counts it.
      let dispatched = operation.lastIssueTime == BlockOperation.noTime ? issue : min(operation.lastIssueTime, complete)
      devices[device].windows.add(bytes: operation.bytes, issue: dispatched, complete: complete)
    }
    releaseRates(device, before: issue)
    if let tensor = match.tensor, let finished = layers.add(
      tensor: tensor, layer: model!.tensors[tensor].layer, issue: issue, complete: complete, bytes: item.countedBytes)
    {
      writeRun(finished)
    }
  }

  /// Ends the file: the last block run, the remaining counter windows, `instants` (and the
  /// limit's mark), and `otherData` with the counts.
  public mutating func finish(instants: [ExportInstant]) {
    if let run = layers.finish(cutAt: cutTime) { writeRun(run) }
    for index in devices.indices { releaseRates(index, before: nil) }
    if let residency = settings.residency { writeResidency(residency) }
    var marks = instants
    if let cutTime {
      marks.append(
        ExportInstant(
          time: cutTime, name: "export limit: later requests left out",
          detail: "\(requestsLeftOut) requests after the first \(settings.requestLimit) were not written; use --from/--to for a window, or --limit"))
    }
    for mark in marks.sorted(by: { $0.time < $1.time }) {
      startEvent()
      out.literal("\"name\":")
      out.jsonString(mark.name)
      out.literal(",\"cat\":\"phase\",\"ph\":\"i\",\"s\":\"g\",\"ts\":")
      out.microseconds(nanoseconds: relative(mark.time))
      out.literal(",\"pid\":0,\"tid\":0,\"args\":{\"detail\":")
      out.jsonString(mark.detail)
      out.literal("}}")
    }
    out.literal("\n],\"otherData\":{\"tool\":")
    out.jsonString("paramtrace \(settings.toolVersion)")
    out.literal(",\"origin_ns\":")
    out.decimal(origin)
    out.literal(",\"requests_written\":")
    out.decimal(UInt64(requestsWritten))
    out.literal(",\"requests_left_out\":")
    out.decimal(UInt64(requestsLeftOut))
    out.literal(",\"request_limit\":")
    out.decimal(UInt64(settings.requestLimit))
    out.literal(",\"residency_samples\":")
    out.decimal(UInt64(residencySamplesWritten))
    out.literal(",\"late_requests\":")
    out.decimal(UInt64(devices.reduce(0) { $0 + $1.windows.lateRequests }))
    out.literal("}}\n")
  }

  // MARK: - Pieces

  /// A device's process: its pid, its open counter windows, and the last values written.
  private struct DeviceTrack {
    var device: DeviceNumber
    var pid: Int
    var windows: DeviceWindows
    var last = DeviceWindows.Window()
    var lastEnd: UInt64 = 0
  }

  /// The device's index in `devices`; a new device gets its process and names first.
  @inline(__always)
  private mutating func deviceIndex(_ device: DeviceNumber) -> Int {
    if lastDevice >= 0, devices[lastDevice].device == device { return lastDevice }
    if let found = devices.firstIndex(where: { $0.device == device }) {
      lastDevice = found
      return found
    }
    let pid = Self.firstDevicePid + devices.count
    devices.append(DeviceTrack(device: device, pid: pid, windows: DeviceWindows(origin: origin, width: Self.rateWindowNanoseconds)))
    metadata(pid: pid, tid: nil, name: "process_name", value: deviceName(device))
    sortIndex(pid: pid, pid)
    lastDevice = devices.count - 1
    return lastDevice
  }

  /// A request's begin or end up to its args (`…,"args":{`, left open): the same name on both,
  /// as the format matches them by category and id.
  @inline(__always)
  private mutating func startRequestEvent(
    _ match: RequestTensorMatch, category: StaticString, phase: StaticString, id: UInt64, time: UInt64, pid: UInt64
  ) {
    startEvent()
    out.literal("\"name\":")
    if let tensor = match.tensor {
      out.raw(requestNames[tensor])
    } else if model != nil {
      out.literal("\"outside the model\"")
    } else {
      out.literal("\"")
      out.literal(category)
      out.literal("\"")
    }
    out.literal(",\"cat\":\"")
    out.literal(category)
    out.literal("\",\"ph\":\"")
    out.literal(phase)
    out.literal("\",\"id\":")
    out.decimal(id)
    out.literal(",\"ts\":")
    out.microseconds(nanoseconds: relative(time))
    out.literal(",\"pid\":")
    out.decimal(pid)
    // Async slices belong to the process (tid is required but not used for them).
    out.literal(",\"tid\":1,\"args\":{")
  }

  private mutating func writeRequestArgs(_ item: AccessAnalyzer.Accepted, match: RequestTensorMatch) {
    let operation = item.operation
    out.literal("\"sector\":")
    out.decimal(operation.sector)
    out.literal(",\"bytes\":")
    out.decimal(operation.bytes)
    out.literal(",\"rwbs\":\"")
    if operation.flags != rwbsFlags {
      rwbsFlags = operation.flags
      rwbsBytes = Array(RWBS.format(operation.flags).utf8)
    }
    out.raw(rwbsBytes)
    out.literal("\"")
    if let mapping = item.mapping {
      out.literal(",\"file_offset\":")
      out.decimal(mapping.logicalStart)
      out.literal(",\"file_bytes\":")
      out.decimal(mapping.fileBytes)
    }
    if let tensor = match.tensor, let model {
      if let layer = model.tensors[tensor].layer {
        out.literal(",\"layer\":")
        out.decimal(UInt64(layer))
      }
      if let expert = match.expert {
        out.literal(",\"expert\":")
        out.decimal(UInt64(expert))
      }
      out.literal(",\"tensor_bytes\":")
      out.decimal(match.tensorBytes)
      if match.tensorsTouched > 1 {
        out.literal(",\"tensors\":")
        out.decimal(UInt64(match.tensorsTouched))
      }
    }
    if match.headerBytes > 0 {
      out.literal(",\"header_bytes\":")
      out.decimal(match.headerBytes)
    }
    out.literal(",\"owner\":")
    out.jsonString(operation.ownerComm)
    if operation.ownerPid >= 0 {
      out.literal(",\"owner_pid\":")
      out.decimal(UInt64(operation.ownerPid))
    }
    if let latency = operation.issueToCompleteNanoseconds {
      out.literal(",\"latency_us\":")
      out.microseconds(nanoseconds: latency)
    }
    if let queued = operation.queueToCompleteNanoseconds {
      out.literal(",\"queue_to_complete_us\":")
      out.microseconds(nanoseconds: queued)
    }
    if operation.dispatches > 1 {
      out.literal(",\"dispatches\":")
      out.decimal(UInt64(operation.dispatches))
    }
  }

  /// Writes the counter windows of device `index` that can no longer change: each series a
  /// value where it changes, and a zero where it stops.
  private mutating func releaseRates(_ index: Int, before time: UInt64?) {
    if let time, !devices[index].windows.hasReady(before: time) { return }
    let pid = UInt64(devices[index].pid)
    var windows = devices[index].windows
    var last = devices[index].last
    var lastEnd = devices[index].lastEnd
    let width = Self.rateWindowNanoseconds
    windows.release(before: time) { start, window in
      if start > lastEnd, last != DeviceWindows.Window() {
        writeSeries(pid: pid, at: lastEnd, DeviceWindows.Window(), changed: last)
        last = DeviceWindows.Window()
      }
      writeSeries(pid: pid, at: start, window, changed: last)
      last = window
      lastEnd = start + width
    }
    if time == nil, last != DeviceWindows.Window() {
      writeSeries(pid: pid, at: lastEnd, DeviceWindows.Window(), changed: last)
      last = DeviceWindows.Window()
    }
    devices[index].windows = windows
    devices[index].last = last
    devices[index].lastEnd = lastEnd
  }

  /// The window's counters whose value differs from `before`: completed MiB/s, and the mean
  /// number of requests in flight.
  private mutating func writeSeries(pid: UInt64, at time: UInt64, _ window: DeviceWindows.Window, changed before: DeviceWindows.Window) {
    let seconds = Double(Self.rateWindowNanoseconds) / 1e9
    if window.bytes != before.bytes {
      writeCounter(pid: pid, at: time, name: "completed MiB/s", series: "MiB/s", Double(window.bytes) / seconds / 1_048_576)
    }
    if window.busy != before.busy {
      writeCounter(pid: pid, at: time, name: "requests in flight", series: "mean", Double(window.busy) / Double(Self.rateWindowNanoseconds))
    }
  }

  private mutating func writeCounter(pid: UInt64, at time: UInt64, name: StaticString, series: StaticString, _ value: Double) {
    startEvent()
    out.literal("\"name\":\"")
    out.literal(name)
    out.literal("\",\"cat\":\"disk\",\"ph\":\"C\",\"ts\":")
    out.microseconds(nanoseconds: relative(time))
    out.literal(",\"pid\":")
    out.decimal(pid)
    out.literal(",\"tid\":0,\"args\":{\"")
    out.literal(series)
    out.literal("\":")
    out.fixed(value, digits: 3)
    out.literal("}}")
  }

  /// One block run: its slice on the model's track and the layer counter at its start.
  private mutating func writeRun(_ run: LayerRunTrack.Run) {
    startEvent()
    out.literal("\"name\":")
    out.raw(runNames[run.tensor])
    out.literal(",\"cat\":\"layer\",\"ph\":\"X\",\"ts\":")
    out.microseconds(nanoseconds: relative(run.start))
    out.literal(",\"dur\":")
    out.microseconds(nanoseconds: run.end - run.start)
    out.literal(",\"pid\":1,\"tid\":1,\"args\":{\"layer\":")
    out.signed(Int64(run.layer))
    out.literal(",\"bytes\":")
    out.decimal(run.bytes)
    out.literal(",\"requests\":")
    out.decimal(UInt64(run.requests))
    out.literal("}}")
    startEvent()
    out.literal("\"name\":\"layer\",\"cat\":\"layer\",\"ph\":\"C\",\"ts\":")
    out.microseconds(nanoseconds: relative(run.start))
    out.literal(",\"pid\":1,\"tid\":0,\"args\":{\"layer\":")
    out.signed(Int64(run.layer))
    out.literal("}}")
  }

  /// The residency samples inside the trace's window as counters on the model's process: one
  /// track per layer (`resident MiB blk.7`), one for the tensors outside the blocks and one for
  /// the whole model, each written where its value changes. A sample taken before the trace's
  /// first event is shown at time zero (the last such one only); samples past the request
  /// limit's cut are left out, as the requests are.
  private mutating func writeResidency(_ timeline: ResidencyTimeline) {
    let groups = timeline.groups
    guard timeline.count > 0, !groups.isEmpty else { return }
    let names = groups.map { group in
      ExportBuffer.encodedJSONString("resident MiB " + (group.layer.map { "blk.\($0)" } ?? "outside the blocks"))
    }
    let lower = max(settings.windowStart ?? 0, origin)
    let upper = min(settings.windowEnd ?? .max, cutTime ?? .max)
    var first = 0
    while first + 1 < timeline.count, timeline.times[first + 1] <= lower { first += 1 }
    if model == nil {
      metadata(pid: Self.modelPid, tid: nil, name: "process_name", value: "model \(settings.modelName ?? "") page cache")
      sortIndex(pid: Self.modelPid, 0)
    }
    var last = [UInt64?](repeating: nil, count: groups.count)
    var lastTotal: UInt64?
    for sample in first..<timeline.count {
      let time = max(timeline.times[sample], lower)
      guard time <= upper else { break }
      var total: UInt64 = 0
      for group in groups.indices {
        let bytes = timeline.resident(sample: sample, group: group)
        total += bytes
        if last[group] != bytes {
          writeResidencyCounter(name: names[group], at: time, bytes: bytes)
          last[group] = bytes
        }
      }
      if lastTotal != total {
        writeResidencyCounter(name: Self.residencyTotalName, at: time, bytes: total)
        lastTotal = total
      }
      residencySamplesWritten += 1
    }
  }

  static let residencyTotalName = ExportBuffer.encodedJSONString("resident MiB (whole model)")

  private mutating func writeResidencyCounter(name: [UInt8], at time: UInt64, bytes: UInt64) {
    startEvent()
    out.literal("\"name\":")
    out.raw(name)
    out.literal(",\"cat\":\"page cache\",\"ph\":\"C\",\"ts\":")
    out.microseconds(nanoseconds: relative(time))
    out.literal(",\"pid\":1,\"tid\":0,\"args\":{\"MiB\":")
    out.fixed(Double(bytes) / 1_048_576, digits: 3)
    out.literal("}}")
  }

  private mutating func metadata(pid: Int, tid: Int?, name: StaticString, value: String) {
    startEvent()
    out.literal("\"name\":\"")
    out.literal(name)
    out.literal("\",\"cat\":\"__metadata\",\"ph\":\"M\",\"ts\":0,\"pid\":")
    out.decimal(UInt64(pid))
    out.literal(",\"tid\":")
    out.decimal(UInt64(tid ?? 0))
    out.literal(",\"args\":{\"name\":")
    out.jsonString(value)
    out.literal("}}")
  }

  private mutating func sortIndex(pid: Int, _ index: Int) {
    startEvent()
    out.literal("\"name\":\"process_sort_index\",\"cat\":\"__metadata\",\"ph\":\"M\",\"ts\":0,\"pid\":")
    out.decimal(UInt64(pid))
    out.literal(",\"tid\":0,\"args\":{\"sort_index\":")
    out.decimal(UInt64(index))
    out.literal("}}")
  }

  /// Separates events: one per line, so the file is greppable and diffs well.
  @inline(__always)
  private mutating func startEvent() {
    out.literal(wroteEvent ? ",\n{" : "\n{")
    wroteEvent = true
  }

  @inline(__always)
  private func relative(_ time: UInt64) -> UInt64 { time >= origin ? time - origin : 0 }
}
