/// Decodes one CPU's raw ring-buffer pages, as `per_cpu/cpuN/trace_pipe_raw` hands them out
/// and `record` saves them (spec §3.4), into the same `BlockEvent`s the tracepoint text of the
/// same events gives — with nanosecond times instead of the text's microseconds.
///
/// A page is a header (u64 base time, `commit` = data length with the missed-events flags in
/// bits 31 and 30) and events, each a u32 header (type_len in the low 5 bits, a time delta in
/// the high 27) and a payload whose layout comes from the recording's saved `format` files
/// (`FtraceRawFormats`). Padding (the rest of a page, or an event the instance's filter
/// discarded, whose delta still counts), time extends and absolute time stamps are handled
/// as the kernel writes them. One pass over the bytes, no allocation per event.
public struct FtraceRawDecoder: TraceDecoder {
  public let formats: FtraceRawFormats
  public let cpu: UInt16
  private let options: DecoderOptions
  private var consumed = 0
  public private(set) var diagnostics = TraceDiagnostics()
  public private(set) var markers: [TraceMarker] = []
  /// Events of ids the formats do not describe (other tracers' events in the instance).
  public private(set) var unknownEvents = 0
  /// The time of the last event decoded, where a loss interval begins.
  private var lastEventTime: UInt64?
  /// The events this file keeps (`FtraceRawFormats.Window`): times in keepFrom..<keepBefore.
  private let keepFrom: UInt64
  private let keepBefore: UInt64
  /// Events outside the window: the other instance's file of a handoff has them.
  public private(set) var eventsOutsideWindow = 0

  /// The layouts by event id, in the form the hot loop reads.
  private let layouts: [FtraceRawFormats.CompactLayout]
  /// Names by event id, for error messages only.
  private let names: [String]

  public init(options: DecoderOptions, formats: FtraceRawFormats, cpu: UInt16) {
    self.options = options
    self.formats = formats
    self.cpu = cpu
    layouts = formats.compactLayouts
    names = formats.layoutsByID.map { $0?.name ?? "?" }
    let window = formats.windows[cpu]
    keepFrom = window?.keepAfter.map { $0 &+ 1 } ?? 0
    keepBefore = window?.keepBefore ?? .max
  }

  public mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    let pageSize = formats.pageSize
    var at = 0
    while bytes.count - at >= pageSize {
      try decodePage(bytes, at, into: &events)
      at += pageSize
    }
    if atEnd, at < bytes.count {
      let error = TraceParseError(
        reason: .truncated(needed: pageSize - (bytes.count - at)), source: options.sourceName, byteOffset: consumed + at)
      if options.strict { throw error }
      diagnostics.record(error)
      at = bytes.count
    }
    consumed += at
    return at
  }

  @inline(__always)
  private mutating func decodePage(
    _ bytes: UnsafeRawBufferPointer, _ page: Int, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) {
    let pageSize = formats.pageSize
    var time = bytes.loadUnaligned(fromByteOffset: page, as: UInt64.self)
    let commit: UInt64 =
      formats.commitSize == 8
      ? bytes.loadUnaligned(fromByteOffset: page + formats.commitOffset, as: UInt64.self)
      : UInt64(bytes.loadUnaligned(fromByteOffset: page + formats.commitOffset, as: UInt32.self))
    let length = Int(commit & ((1 << 30) - 1))
    let data = page + formats.pageDataOffset
    guard length <= pageSize - formats.pageDataOffset else {
      try malformed("page commit length \(length) is larger than the page", at: page)
      return
    }
    let end = data + length
    if commit & (1 << 31) != 0 {
      // Events were lost before this page; with bit 30 the count follows the data.
      var count = 0
      if commit & (1 << 30) != 0, end + 8 <= page + pageSize {
        count = Int(clamping: bytes.loadUnaligned(fromByteOffset: end, as: UInt64.self))
      }
      diagnostics.lostEvents += max(count, 1)
      if diagnostics.lostIntervals.count < TraceDiagnostics.lostIntervalLimit {
        diagnostics.lostIntervals.append(
          .init(cpu: cpu, fromNanoseconds: lastEventTime ?? 0, toNanoseconds: time, events: count))
      }
    }
    var at = data
    while at + 4 <= end {
      let header = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
      let typeLength = header & 31
      let delta = UInt64(header >> 5)
      switch typeLength {
      case 29:  // padding: the rest of the page, or a discarded event (its delta counts)
        guard delta != 0, at + 8 <= end else { return }
        time &+= delta
        at += 4 + Int(bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self))
      case 30:  // time extend
        guard at + 8 <= end else { return }
        time &+= delta | UInt64(bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)) << 27
        at += 8
      case 31:  // absolute time stamp (59 bits; the top bits come from the running time)
        guard at + 8 <= end else { return }
        let stamp = delta | UInt64(bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)) << 27
        time = stamp | (time & (0xF8 << 56))
        at += 8
      case 0:
        guard at + 8 <= end else { return }
        let size = Int(bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self))
        guard size >= 4, at + 4 + size <= end else {
          try malformed("event length \(size) runs past the page data", at: at)
          return
        }
        time &+= delta
        emit(bytes, record: at + 8, size: size - 4, time: time, into: &events)
        lastEventTime = time
        at += 4 + size
      default:
        let size = Int(typeLength) * 4
        guard at + 4 + size <= end else {
          try malformed("event of \(size) bytes runs past the page data", at: at)
          return
        }
        time &+= delta
        emit(bytes, record: at + 4, size: size, time: time, into: &events)
        lastEventTime = time
        at += 4 + size
      }
    }
  }

  private mutating func malformed(_ what: String, at offset: Int) throws(TraceParseError) {
    let error = TraceParseError(reason: .badRecord(what), source: options.sourceName, byteOffset: consumed + offset)
    if options.strict { throw error }
    diagnostics.record(error)
  }

  /// Appends the event of one record (`bytes[record..<record+size]`).
  @inline(__always)
  private mutating func emit(
    _ bytes: UnsafeRawBufferPointer, record: Int, size: Int, time: UInt64, into events: inout ContiguousArray<BlockEvent>
  ) {
    guard size >= 8 else { return }
    guard time >= keepFrom, time < keepBefore else {
      eventsOutsideWindow += 1
      return
    }
    let id = Int(bytes.loadUnaligned(fromByteOffset: record, as: UInt16.self))
    guard id < layouts.count, layouts[id].kind != .unknown else {
      unknownEvents += 1
      diagnostics.ignoredLines += 1
      return
    }
    let layout = layouts[id]
    // Every field the layout names must lie inside the record.
    @inline(__always) func u32(_ field: Int32) -> UInt32 {
      let offset = Int(field)
      return offset >= 0 && offset + 4 <= size ? bytes.loadUnaligned(fromByteOffset: record + offset, as: UInt32.self) : 0
    }
    @inline(__always) func u64(_ field: Int32) -> UInt64 {
      let offset = Int(field)
      return offset >= 0 && offset + 8 <= size ? bytes.loadUnaligned(fromByteOffset: record + offset, as: UInt64.self) : 0
    }
    @inline(__always) func text(_ field: Int32, _ fieldLength: Int32) -> (start: Int, end: Int) {
      let offset = Int(field)
      let length = Int(fieldLength)
      guard offset >= 0, offset + length <= size else { return (0, 0) }
      let start = record + offset
      var end = start
      while end < start + length, bytes[end] != 0 { end += 1 }
      return (start, end)
    }
    /// A `__data_loc` string: u32 `(length << 16) | offset from the record's start`.
    @inline(__always) func located(_ field: Int32) -> (start: Int, end: Int) {
      let location = u32(field)
      let start = Int32(location & 0xFFFF)
      let length = Int32(location >> 16)
      guard Int(start + length) <= size else { return (0, 0) }
      return text(start, length)
    }
    /// A `char comm[16]` field: two word loads when it fits, else byte by byte.
    @inline(__always) func comm(_ field: Int32, _ fieldLength: Int32) -> CommName {
      let offset = Int(field)
      if fieldLength == 16, offset >= 0, offset + 16 <= size { return CommName(field16: bytes, at: record + offset) }
      let span = text(field, fieldLength)
      return CommName(bytes: bytes, start: span.start, end: span.end)
    }
    let pid = Int32(bitPattern: u32(4))
    var event = BlockEvent(
      time: time, sector: 0, sectors: 0, device: DeviceNumber(raw: 0), pid: pid, cpu: cpu, action: layout.action, flags: [])
    switch layout.kind {
    case .requestWithComm, .requestWithError, .bio, .split:
      event.device = DeviceNumber(raw: u32(layout.device))
      event.sector = u64(layout.sector)
      if layout.kind == .split {
        event.detail = u64(layout.detail)
      } else {
        event.sectors = u32(layout.sectors)
      }
      let rwbs = text(layout.rwbs, layout.rwbsSize)
      guard var flags = RWBS.parse(bytes, start: rwbs.start, end: rwbs.end) else {
        diagnostics.record(
          TraceParseError(reason: .badRecord("\(names[id]): RWBS not readable"), source: options.sourceName, byteOffset: consumed + record))
        return
      }
      if layout.requestLevel { flags.insert(.requestLevel) }
      event.flags = flags
      if layout.error >= 0 { event.error = Int16(clamping: Int32(bitPattern: u32(layout.error))) }
      if layout.comm >= 0 { event.comm = comm(layout.comm, layout.commSize) }
    case .taskNew:
      event.detail = UInt64(u32(layout.otherPid))
      event.sector = u64(layout.flags)
      event.comm = comm(layout.comm, layout.commSize)
    case .taskFork:
      event.pid = Int32(bitPattern: u32(layout.pid))
      event.detail = UInt64(u32(layout.otherPid))
      let comm = located(layout.text)
      event.comm = CommName(bytes: bytes, start: comm.start, end: comm.end)
    case .taskExec:
      event.pid = Int32(bitPattern: u32(layout.pid))
      event.detail = UInt64(u32(layout.otherPid))
      let path = located(layout.text)
      let slash = ByteScan.lastIndex(of: UInt8(ascii: "/"), in: bytes, from: path.start, to: path.end)
      let base = slash.map { $0 + 1 } ?? path.start
      event.comm = CommName(bytes: bytes, start: base, end: min(path.end, base + 15))
    case .taskExit:
      event.pid = Int32(bitPattern: u32(layout.pid))
      event.comm = comm(layout.comm, layout.commSize)
      if layout.groupDead >= 0, Int(layout.groupDead) < size { event.detail = bytes[record + Int(layout.groupDead)] != 0 ? 1 : 0 }
    case .taskRename:
      event.pid = Int32(bitPattern: u32(layout.pid))
      event.comm = comm(layout.comm, layout.commSize)
    case .marker:
      var message = text(layout.text, Int32(size) - layout.text)
      while message.end > message.start, bytes[message.end - 1] == 0x0A { message.end -= 1 }
      markers.append(TraceMarker(time: time, text: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[message.start..<message.end]), as: UTF8.self)))
      return
    case .unknown:
      return
    }
    events.append(event)
  }
}
