/// Writes `BlockEvent`s as raw ring-buffer pages (spec §3.4), the way a tracefs instance with
/// the block tracepoints stores them, for benchmarks, tests and fuzz seeds of
/// `FtraceRawDecoder`. The layouts are Linux 6.18's (`standardFormats`), with small event ids.
/// One encoder per CPU; events must come in time order.
public struct FtraceRawEncoder {
  public let formats: FtraceRawFormats
  public let cpu: UInt16
  private var page: [UInt8]
  private var used = 0
  private var lastTime: UInt64 = 0
  private var pageOpen = false
  private var idByAction: [UInt16] = Array(repeating: 0, count: 32)
  /// block_rq_merge: a request-level `.backmerge`.
  private var requestMergeID: UInt16 = 0
  /// Record size and field offsets by event id, resolved once (-1: the event has no such field).
  private var slots: [Slots] = []

  private struct Slots {
    var size = 0
    var device = -1, sector = -1, sectors = -1, bytes = -1, error = -1, newSector = -1, rwbs = -1, comm = -1

    init() {}

    init(_ fields: [String: (offset: Int, size: Int)]) {
      size = ((fields.values.map { $0.offset + $0.size }.max() ?? 8) + 3) & ~3
      func at(_ name: String) -> Int { fields[name]?.offset ?? -1 }
      (device, sector, sectors, bytes) = (at("dev"), at("sector"), at("nr_sector"), at("bytes"))
      (error, newSector, rwbs, comm) = (at("error"), at("new_sector"), at("rwbs"), at("comm"))
    }
  }

  public init(cpu: UInt16 = 0) throws(TraceParseError) {
    formats = try FtraceRawFormats(parsing: Self.standardFormats)
    self.cpu = cpu
    page = Array(repeating: 0, count: formats.pageSize)
    slots = formats.layoutsByID.map { $0.map { Slots($0.fields) } ?? Slots() }
    for (id, layout) in formats.layoutsByID.enumerated() {
      guard let layout, layout.kind != .unknown, layout.kind != .marker else { continue }
      // Request-level merges are block_rq_merge, bio ones block_bio_backmerge.
      if layout.name == "block_rq_merge" {
        requestMergeID = UInt16(id)
        continue
      }
      idByAction[Int(layout.action.rawValue)] = UInt16(id)
    }
  }

  /// Appends `event` (block events only; others are skipped), closing full pages into `output`.
  public mutating func append(_ event: BlockEvent, to output: inout [UInt8]) {
    let id =
      event.action == .backmerge && event.flags.contains(.requestLevel) ? requestMergeID : idByAction[Int(event.action.rawValue & 31)]
    guard id != 0, !event.action.isTaskEvent else { return }
    let slot = slots[Int(id)]
    let size = slot.size
    let extend = pageOpen && event.time &- lastTime >= 1 << 27
    let needed = 4 + size + (extend ? 8 : 0)
    if !pageOpen || used + needed > formats.pageSize {
      flush(to: &output)
      open(at: event.time)
    }
    var at = used
    var eventDelta = pageOpen ? event.time &- lastTime : 0
    if eventDelta >= 1 << 27 {
      put32(30 | UInt32(truncatingIfNeeded: eventDelta & ((1 << 27) - 1)) << 5, at)
      put32(UInt32(truncatingIfNeeded: eventDelta >> 27), at + 4)
      at += 8
      eventDelta = 0
    }
    put32(UInt32(size / 4) | UInt32(eventDelta) << 5, at)
    let record = at + 4
    for index in record..<(record + size) { page[index] = 0 }
    put16(id, record)
    put32(UInt32(bitPattern: event.pid), record + 4)
    func field(_ offset: Int) -> Int? { offset < 0 ? nil : record + offset }
    if let offset = field(slot.device) { put32(event.device.raw, offset) }
    if let offset = field(slot.sector) { put64(event.sector, offset) }
    if let offset = field(slot.sectors) { put32(event.sectors, offset) }
    if let offset = field(slot.bytes) { put32(event.sectors << 9, offset) }
    if let offset = field(slot.error) { put32(UInt32(bitPattern: Int32(event.error)), offset) }
    if let offset = field(slot.newSector) { put64(event.detail, offset) }
    if let offset = field(slot.rwbs) {
      for (index, byte) in RWBS.format(event.flags.subtracting(.requestLevel), hasSize: event.sectors > 0).utf8.prefix(9).enumerated() {
        page[offset + index] = byte
      }
    }
    if let offset = field(slot.comm) {
      for (index, byte) in event.comm.description.utf8.prefix(15).enumerated() { page[offset + index] = byte }
    }
    used = record + size
    lastTime = event.time
  }

  /// Writes the page in progress (if any) to `output`.
  public mutating func flush(to output: inout [UInt8]) {
    guard pageOpen else { return }
    put64(UInt64(used - formats.pageDataOffset), formats.commitOffset)
    for index in used..<formats.pageSize { page[index] = 0 }
    output += page
    pageOpen = false
  }

  private mutating func open(at time: UInt64) {
    put64(time, 0)
    used = formats.pageDataOffset
    lastTime = time
    pageOpen = true
  }

  private mutating func put16(_ value: UInt16, _ at: Int) {
    page[at] = UInt8(truncatingIfNeeded: value)
    page[at + 1] = UInt8(truncatingIfNeeded: value >> 8)
  }
  private mutating func put32(_ value: UInt32, _ at: Int) {
    for byte in 0..<4 { page[at + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(byte))) }
  }
  private mutating func put64(_ value: UInt64, _ at: Int) {
    for byte in 0..<8 { page[at + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
  }

  /// Linux 6.18's layouts of the events `record` enables (spec §3.4), as a formats file.
  public static let standardFormats: String = {
    let common = [("common_type", 0, 2), ("common_flags", 2, 1), ("common_preempt_count", 3, 1), ("common_pid", 4, 4)]
    let requestWithBytes = [("dev", 8, 4), ("sector", 16, 8), ("nr_sector", 24, 4), ("bytes", 28, 4), ("ioprio", 32, 2), ("rwbs", 34, 10), ("comm", 44, 16), ("cmd", 60, 4)]
    let complete = [("dev", 8, 4), ("sector", 16, 8), ("nr_sector", 24, 4), ("error", 28, 4), ("ioprio", 32, 2), ("rwbs", 34, 10), ("cmd", 44, 4)]
    let requeue = [("dev", 8, 4), ("sector", 16, 8), ("nr_sector", 24, 4), ("ioprio", 28, 2), ("rwbs", 30, 10), ("cmd", 40, 4)]
    let bio = [("dev", 8, 4), ("sector", 16, 8), ("nr_sector", 24, 4), ("rwbs", 28, 10), ("comm", 38, 16)]
    let split = [("dev", 8, 4), ("sector", 16, 8), ("new_sector", 24, 8), ("rwbs", 32, 10), ("comm", 42, 16)]
    let events: [(String, Int, [(String, Int, Int)])] = [
      ("block_rq_insert", 10, requestWithBytes), ("block_rq_issue", 11, requestWithBytes), ("block_rq_merge", 12, requestWithBytes),
      ("block_rq_complete", 13, complete), ("block_rq_requeue", 14, requeue), ("block_bio_queue", 15, bio),
      ("block_bio_backmerge", 16, bio), ("block_bio_frontmerge", 17, bio), ("block_getrq", 18, bio), ("block_split", 19, split),
    ]
    var text = "== events/header_page\n\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
      + "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n"
      + "== buffer_subbuf_size_kb\n4\n"
    for (name, id, fields) in events {
      text += "== events/block/\(name)/format\nname: \(name)\nID: \(id)\nformat:\n"
      for (field, offset, size) in common + fields {
        text += "\tfield:\(field == "rwbs" || field == "comm" ? "char" : "unsigned int") \(field)\(field == "rwbs" ? "[10]" : field == "comm" ? "[16]" : "");\toffset:\(offset);\tsize:\(size);\tsigned:0;\n"
      }
    }
    return text
  }()
}
