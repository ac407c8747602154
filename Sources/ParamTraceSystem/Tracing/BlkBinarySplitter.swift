import ParamTraceCore

#if canImport(Glibc)
  import Glibc
#endif

/// Turns the ftrace `blk` tracer's binary stream (`options/bin=1`, `options/context-info=0`,
/// read from `trace_pipe`) into blktrace's per-CPU files `NAME.blktrace.N` as it comes
/// (spec §3.1, "binary trick").
///
/// Live on 6.18, `trace_pipe` gives the bare version-7 `struct blk_io_trace` records (the
/// `# tracer: blk` header is only in the `trace` file), sequence 0, time on `trace_clock`,
/// globally time-ordered across CPUs, with `CPU:N [LOST M EVENTS]\n` text between records
/// when the ring overflowed. This sink:
/// - sends each record to the file of its `cpu` field and numbers it in that CPU's sequence
///   (1, 2, ...), as relay blktrace does; a LOST notice advances that CPU's sequence by M,
///   so blkparse reports the gap as skips;
/// - writes a BLK_TN_PROCESS note before the first record of each pid (bin mode has none),
///   with the name from `/proc/PID/comm` when the drain sees the pid (within ~50 ms of the
///   event), else from the tracer's `saved_cmdlines`; unnamed when the task is gone from both;
/// - writes `mark()` texts as BLK_TN_MESSAGE notes, before the first record later than the
///   marker, so `BlktraceBinaryDecoder` reports them as markers;
/// - keeps notes (sequence 0) as they are, and skips bytes that are neither a record nor a
///   LOST notice (counted), resynchronizing on the next record magic.
final class BlkBinarySplitter: TraceDrainSink {
  static let recordHeader = 48
  static let magic: UInt32 = 0x6561_7407
  /// BLK_TC_NOTIFY in the action word.
  static let notifyBit: UInt32 = 0x0400 << 16
  static let stagingCapacity = (1 << 20) + (128 << 10)
  static let readChunk = 256 << 10
  /// A CPU's output is written when this much is buffered (or after a second).
  static let writeThreshold = 256 << 10

  let directory: String
  let baseName: String
  /// The traced disk (device of markers written after the last record).
  let disk: DeviceNumber
  let tracefsRoot: String
  private var outputs: [TraceOutputFile] = []
  private var pending: [[UInt8]] = []
  private var sequences: [UInt32] = []
  private let staging: UnsafeMutableRawBufferPointer
  private var stagingCount = 0
  private var named: Set<UInt32> = []
  private var savedCommands: [UInt32: String]? = nil
  private var markers: [TraceMarker] = []
  private var records = 0
  private var lost = 0
  private var skipped = 0
  private var lastTime: UInt64 = 0
  private var lastWrite = MonotonicClock.nanoseconds()
  private let encoder = BlktraceBinaryEncoder()

  /// Creates `directory/baseName.blktrace.0 ..< cpuCount` (more appear if a record names a
  /// higher CPU).
  init(
    directory: String, baseName: String = "trace", disk: DeviceNumber, cpuCount: Int, tracefsRoot: String
  ) throws(TraceRecorderError) {
    self.directory = directory
    self.disk = disk
    self.baseName = baseName
    self.tracefsRoot = tracefsRoot
    staging = .allocate(byteCount: Self.stagingCapacity, alignment: 4096)
    try ensureOutputs(upTo: max(0, cpuCount - 1))
  }

  deinit { staging.deallocate() }

  private func ensureOutputs(upTo cpu: Int) throws(TraceRecorderError) {
    while outputs.count <= cpu {
      outputs.append(try TraceOutputFile(path: "\(directory)/\(baseName).blktrace.\(outputs.count)"))
      pending.append([])
      pending[pending.count - 1].reserveCapacity(Self.writeThreshold + (64 << 10))
      sequences.append(0)
    }
  }

  func readSpace() throws(TraceRecorderError) -> UnsafeMutableRawBufferPointer {
    UnsafeMutableRawBufferPointer(rebasing: staging[stagingCount..<min(Self.stagingCapacity, stagingCount + Self.readChunk)])
  }

  func commit(_ count: Int) throws(TraceRecorderError) {
    stagingCount += count
    let used = try parse(UnsafeRawBufferPointer(rebasing: staging[0..<stagingCount]), atEnd: false)
    let rest = stagingCount - used
    if rest > 0, used > 0 { staging.baseAddress!.copyMemory(from: staging.baseAddress! + used, byteCount: rest) }
    stagingCount = rest
    if stagingCount > Self.stagingCapacity - Self.readChunk {
      // Cannot happen with real records (at most 48 + 65535 bytes); never stall on garbage.
      skipped += stagingCount
      stagingCount = 0
    }
  }

  func add(markers new: [TraceMarker]) {
    guard !new.isEmpty else { return }
    markers.append(contentsOf: new)
    markers.sort { $0.time < $1.time }
  }

  func idle() throws(TraceRecorderError) {
    guard MonotonicClock.nanoseconds() &- lastWrite >= 1_000_000_000 else { return }
    for cpu in outputs.indices where !pending[cpu].isEmpty { try writePending(cpu) }
    lastWrite = MonotonicClock.nanoseconds()
  }

  func finish() throws(TraceRecorderError) {
    if stagingCount > 0 {
      let used = try parse(UnsafeRawBufferPointer(rebasing: staging[0..<stagingCount]), atEnd: true)
      skipped += stagingCount - used
      stagingCount = 0
    }
    // Markers after the last record: at the end of CPU 0's file, in time order.
    for marker in markers {
      encoder.appendMessage(marker.text, time: marker.time, device: disk, to: &pending[0])
    }
    markers.removeAll()
    for cpu in outputs.indices {
      try writePending(cpu)
      try outputs[cpu].finish()
    }
  }

  func abandon() {
    for output in outputs { output.abandon() }
  }

  var summary: TraceDrainSummary {
    TraceDrainSummary(
      files: outputs.map(\.path), bytesWritten: outputs.reduce(0) { $0 + $1.bytesWritten } + pending.reduce(0) { $0 + $1.count },
      records: records, lostEventsInStream: lost, skippedBytes: skipped)
  }

  private func writePending(_ cpu: Int) throws(TraceRecorderError) {
    guard !pending[cpu].isEmpty else { return }
    try outputs[cpu].write(pending[cpu])
    pending[cpu].removeAll(keepingCapacity: true)
  }

  /// Handles every whole record and notice at the start of `bytes`; returns the bytes used.
  private func parse(_ bytes: UnsafeRawBufferPointer, atEnd: Bool) throws(TraceRecorderError) -> Int {
    let end = bytes.count
    var at = 0
    while at < end {
      if bytes[at] == 0x43 /* C of CPU:N [LOST M EVENTS] */ {
        let limit = min(end, at + 64)
        if let newline = (at..<limit).first(where: { bytes[$0] == 0x0A }) {
          if let notice = parseLostEventsNotice(bytes, start: at, end: newline) {
            lost += notice.lost
            try ensureOutputs(upTo: notice.cpu)
            sequences[notice.cpu] &+= UInt32(truncatingIfNeeded: notice.lost)
            at = newline + 1
            continue
          }
        } else if limit == end, !atEnd {
          break  // the notice may end in the next read
        }
      }
      guard end - at >= Self.recordHeader else {
        if atEnd {
          skipped += end - at
          at = end
        }
        break
      }
      guard UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) == Self.magic else {
        skipped += 1  // not a record: resynchronize on the next magic
        at += 1
        continue
      }
      let pduLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at + 46, as: UInt16.self)))
      let size = Self.recordHeader + pduLength
      guard end - at >= size else { break }
      try place(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + size)]))
      at += size
    }
    return at
  }

  /// Appends one record to its CPU's output, after its pid's PROCESS note and due markers.
  private func place(_ record: UnsafeRawBufferPointer) throws(TraceRecorderError) {
    func field<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
      T(littleEndian: record.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
    let time = field(8, UInt64.self)
    let action = field(28, UInt32.self)
    let pid = field(32, UInt32.self)
    let device = DeviceNumber(raw: field(36, UInt32.self))
    let cpu = Int(field(40, UInt32.self))
    try ensureOutputs(upTo: cpu)
    while let first = markers.first, first.time <= time {
      encoder.appendMessage(first.text, time: first.time, cpu: UInt16(truncatingIfNeeded: cpu), device: device, to: &pending[cpu])
      markers.removeFirst()
    }
    if pid != 0, !named.contains(pid) {
      named.insert(pid)
      encoder.appendProcessNote(
        pid: Int32(bitPattern: pid), comm: CommName(commandName(of: pid) ?? ""), time: time,
        cpu: UInt16(truncatingIfNeeded: cpu), device: device, to: &pending[cpu])
    }
    let start = pending[cpu].count
    pending[cpu].append(contentsOf: record)
    if action & Self.notifyBit == 0 {
      sequences[cpu] &+= 1
      let sequence = sequences[cpu].littleEndian
      pending[cpu].withUnsafeMutableBytes { raw in
        raw.storeBytes(of: sequence, toByteOffset: start + 4, as: UInt32.self)
      }
      records += 1
    }
    lastTime = max(lastTime, time)
    if pending[cpu].count >= Self.writeThreshold { try writePending(cpu) }
  }

  /// The task name of `pid`: `/proc/PID/comm`, else ftrace's `saved_cmdlines` (read again
  /// when a pid is missing from the copy read last), else nil.
  private func commandName(of pid: UInt32) -> String? {
    if let name = try? Tracefs.read("/proc/\(pid)/comm"), !name.isEmpty { return name }
    if savedCommands?[pid] == nil { savedCommands = Self.readSavedCommands(tracefsRoot) }
    return savedCommands?[pid]
  }

  /// `saved_cmdlines` (`PID COMM` lines): names ftrace recorded when the `blk` tracer saw each task.
  static func readSavedCommands(_ root: String) -> [UInt32: String] {
    guard let text = try? Tracefs.read(root + "/saved_cmdlines") else { return [:] }
    var names: [UInt32: String] = [:]
    for line in text.split(separator: "\n") {
      guard let space = line.firstIndex(of: " "), let pid = UInt32(line[..<space]) else { continue }
      names[pid] = String(line[line.index(after: space)...])
    }
    return names
  }
}
