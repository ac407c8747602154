/// Reads a run of `struct blk_io_trace` records (version 7, spec §1.2), the record decoding
/// shared by `BlktraceBinaryDecoder` (per-CPU blktrace files) and `KernelBlkBinaryDecoder`
/// (the ftrace `blk` tracer's `options/bin=1` output, where each record has a 16-byte prefix).
///
/// Keeps the pid → comm table filled by BLK_TN_PROCESS notes, the markers from BLK_TN_MESSAGE
/// notes, the running byte offset for error messages and the diagnostics.
struct BlkIOTraceReader {
  // MARK: Layout (spec §1.2, §1.3)

  /// Size of the fixed part of a record; `pdu_len` bytes of payload follow.
  static let headerSize = 48
  /// `magic & magicMask == magicBase` for every version; the low byte is the version.
  static let magicMask: UInt32 = 0xFFFF_FF00
  static let magicBase: UInt32 = 0x6561_7400
  /// The only version this reader implements.
  static let supportedVersion: UInt8 = 7
  /// `__BLK_TA_CGROUP`: an 8-byte cgroup id starts the pdu.
  static let cgroupFlag: UInt32 = 0x100
  /// BLK_TC_NOTIFY, shifted into the action word.
  static let notifyCategory: UInt32 = 0x0400 << 16
  /// BLK_TN_PROCESS, BLK_TN_TIMESTAMP, BLK_TN_MESSAGE (low bits of a notify action).
  static let noteProcess: UInt32 = 0
  static let noteTimestamp: UInt32 = 1
  static let noteMessage: UInt32 = 2

  /// Byte order and version of a record whose first four bytes are `raw` (host order load).
  /// Nil when the bytes are not a blktrace magic in either order.
  @inline(__always)
  static func magicInfo(_ raw: UInt32) -> (bigEndian: Bool, version: UInt8)? {
    let little = UInt32(littleEndian: raw)
    if little & magicMask == magicBase { return (false, UInt8(truncatingIfNeeded: little)) }
    let big = UInt32(bigEndian: raw)
    if big & magicMask == magicBase { return (true, UInt8(truncatingIfNeeded: big)) }
    return nil
  }

  /// Maps the category half of the action word (`action >> 16`) and the byte count to
  /// `BlockFlags`, giving the flags a text decoder reads from the RWBS blkparse prints for the
  /// record (spec §2.2), plus FS/PC.
  ///
  /// FLUSH→flush; then one of DISCARD→discard, else WRITE→write, else bytes > 0→read, else
  /// otherOperation ('N'); FUA→fua, AHEAD→readahead, SYNC→sync, META→meta; FS or
  /// PC→requestLevel, PC→passthrough. The kernel sets READ on every event that is not a write,
  /// including P, U and flushes with no data, so the READ bit itself is not used (blkparse
  /// ignores it too). QUEUE, REQUEUE, ISSUE, COMPLETE, NOTIFY and DRV_DATA say nothing the
  /// action code does not.
  @inline(__always)
  static func flags(categories c: UInt32, bytes: UInt32) -> BlockFlags {
    var f: UInt32 =
      c & 0x2000 != 0 ? 0x0004  // DISCARD → discard (bit 2)
      : c & 0x0002 != 0 ? 0x0002  // WRITE → write (bit 1)
      : bytes != 0 ? 0x0001  // → read (bit 0)
      : 0x0100  // 'N' → otherOperation (bit 8)
    f |= (c & 0x0004) << 1  // FLUSH → bit 3
    f |= (c & 0x0008) << 3  // SYNC → bit 6
    f |= (c & 0x0800) >> 6  // AHEAD → bit 5
    f |= (c & 0x1000) >> 5  // META → bit 7
    f |= (c & 0x8000) >> 11  // FUA → bit 4
    f |= ((c & 0x0100) << 1) | (c & 0x0200)  // FS or PC → requestLevel (bit 9)
    f |= (c & 0x0200) << 1  // PC → passthrough (bit 10)
    return BlockFlags(rawValue: UInt16(truncatingIfNeeded: f))
  }

  // MARK: State

  var options: DecoderOptions
  /// `options.countedOnly`, read once per record.
  let countedOnly: BlockActionSet
  /// Bytes before each record: 0 for blktrace files, 16 (u32 pid, u32 cpu, u64 ts) for the
  /// ftrace binary output with context info.
  var prefixLength: Int
  /// Accept ftrace's `CPU:N [LOST n EVENTS]` text lines between records (ftrace binary only).
  var acceptsLostEventLines: Bool
  /// Byte offset of the next unconsumed byte in the whole input.
  var streamOffset = 0
  /// Skipping garbage after a bad magic: don't count every byte again.
  var resynchronizing = false
  var diagnostics = TraceDiagnostics()
  var markers: [TraceMarker] = []
  /// pid → comm from BLK_TN_PROCESS notes.
  var processNames = ProcessNameTable()
  /// Set by `decode` when it stopped for good (truncated tail at the end).
  var finished = false

  init(options: DecoderOptions, prefixLength: Int, acceptsLostEventLines: Bool) {
    self.options = options
    countedOnly = options.countedOnly
    self.prefixLength = prefixLength
    self.acceptsLostEventLines = acceptsLostEventLines
  }

  // MARK: Decoding

  /// Reports a problem at `byteOffset` in the input: throws when strict, counts it otherwise.
  mutating func report(_ reason: TraceParseError.Reason, at byteOffset: Int) throws(TraceParseError) {
    let error = TraceParseError(reason: reason, source: options.sourceName, byteOffset: byteOffset)
    if options.strict { throw error }
    diagnostics.record(error)
  }

  /// Decodes every whole record in `bytes`; returns the bytes consumed (all of them when
  /// `atEnd`). See `TraceDecoder.decode`.
  mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    let end = bytes.count
    if finished || end == 0 {
      streamOffset += end
      return end
    }
    let prefix = prefixLength
    let minimum = prefix + Self.headerSize
    let most = end / minimum + 1
    if events.capacity - events.count < most {
      events.reserveCapacity(Swift.max(events.count + most, events.capacity * 2))
    }
    var at = 0
    records: while at < end {
      if acceptsLostEventLines, bytes[at] == 0x43 {  // 'C' of "CPU:N [LOST n EVENTS]"
        switch scanLostEventsLine(bytes, at: at, end: end, atEnd: atEnd) {
        case .line(let next):
          at = next
          continue records
        case .needMore:
          break records
        case .notALine:
          break
        }
      }
      let runEnd = decodeEventRun(bytes, from: at, end: end, into: &events)
      if runEnd != at {
        at = runEnd
        continue records  // what stopped the run may be a lost-events line: look again
      }
      if end - at < minimum { break }
      let raw = bytes.loadUnaligned(fromByteOffset: at + prefix, as: UInt32.self)
      guard let (bigEndian, version) = Self.magicInfo(raw) else {
        at = try skipGarbage(bytes, from: at, end: end, atEnd: atEnd)
        continue
      }
      if version != Self.supportedVersion {
        throw TraceParseError(
          reason: .unsupportedVersion(version), source: options.sourceName, byteOffset: streamOffset + at)
      }
      let pduLength = Int(load(UInt16.self, bytes, at + prefix + 46, bigEndian))
      let size = minimum + pduLength
      if end - at < size { break }  // partial record: wait for more bytes
      resynchronizing = false
      if let problem = decodeRecord(bytes, at: at + prefix, pduLength: pduLength, bigEndian: bigEndian, into: &events) {
        try report(problem, at: streamOffset + at)
      }
      at += size
    }
    if atEnd, at < end {
      if !resynchronizing {
        if end - at >= prefix + 4,
          Self.magicInfo(bytes.loadUnaligned(fromByteOffset: at + prefix, as: UInt32.self)) == nil
        {
          let raw = bytes.loadUnaligned(fromByteOffset: at + prefix, as: UInt32.self)
          try report(.badMagic(UInt32(littleEndian: raw)), at: streamOffset + at)
        } else {
          try report(.truncated(needed: neededBytes(bytes, at: at, end: end)), at: streamOffset + at)
        }
      }
      at = end
      finished = true
    }
    streamOffset += at
    return at
  }

  /// The common case at full speed: consecutive little-endian version-7 records of events
  /// (not notes; with or without a cgroup id), decoded without the general path's per-field choice of byte
  /// order and per-record error handling. Stops at the first record that needs the general
  /// path, or more bytes, and returns its offset.
  @inline(__always)
  private mutating func decodeEventRun(
    _ bytes: UnsafeRawBufferPointer, from start: Int, end: Int, into events: inout ContiguousArray<BlockEvent>
  ) -> Int {
    let prefix = prefixLength
    let minimum = prefix + Self.headerSize
    let magic = Self.magicBase | UInt32(Self.supportedVersion)
    var at = start
    // Consecutive records mostly come from one task: look its name up once per run of it.
    var lastPid: Int32 = -1
    var lastComm = processNames.name(of: lastPid)
    while end - at >= minimum {
      if acceptsLostEventLines, bytes[at] == 0x43 { break }  // maybe "CPU:N [LOST n EVENTS]"
      let header = at + prefix
      guard load(UInt32.self, bytes, header, false) == magic else { break }
      let action = load(UInt32.self, bytes, header + 28, false)
      guard action & Self.notifyCategory == 0, let kind = Self.action(code: action & 0xFEFF & 0xFFFF) else { break }
      let pduLength = Int(load(UInt16.self, bytes, header + 46, false))
      guard end - at >= minimum + pduLength else { break }
      // With __BLK_TA_CGROUP an 8-byte cgroup id starts the pdu (too short: the general path
      // reports the record).
      let cgroupBytes = action & Self.cgroupFlag != 0 ? 8 : 0
      guard pduLength >= cgroupBytes else { break }
      let pduStart = header + Self.headerSize + cgroupBytes
      let pduCount = pduLength - cgroupBytes
      at += minimum + pduLength
      let byteCount = load(UInt32.self, bytes, header + 24, false)
      if countsOnly(kind, byteCount: byteCount) { continue }
      let pid = Int32(bitPattern: load(UInt32.self, bytes, header + 32, false))
      if pid != lastPid {
        lastPid = pid
        lastComm = processNames.name(of: pid)
      }
      events.append(
        event(
          bytes, header: header, action: action, kind: kind, byteCount: byteCount, pid: pid, comm: lastComm,
          pduStart: pduStart, pduCount: pduCount, bigEndian: false))
    }
    if at != start { resynchronizing = false }
    return at
  }

  /// How many more bytes the partial record at `at` needs.
  private func neededBytes(_ bytes: UnsafeRawBufferPointer, at: Int, end: Int) -> Int {
    let have = end - at
    let minimum = prefixLength + Self.headerSize
    guard have >= minimum else { return minimum - have }
    let raw = bytes.loadUnaligned(fromByteOffset: at + prefixLength, as: UInt32.self)
    let bigEndian = Self.magicInfo(raw)?.bigEndian ?? false
    let pduLength = Int(load(UInt16.self, bytes, at + prefixLength + 46, bigEndian))
    return minimum + pduLength - have
  }

  /// After a bad magic at `at`: reports it (once per run of garbage) and returns the offset
  /// of the next plausible record, or where to continue when more bytes are needed.
  private mutating func skipGarbage(
    _ bytes: UnsafeRawBufferPointer, from at: Int, end: Int, atEnd: Bool
  ) throws(TraceParseError) -> Int {
    if !resynchronizing {
      let raw = bytes.loadUnaligned(fromByteOffset: at + prefixLength, as: UInt32.self)
      try report(.badMagic(UInt32(littleEndian: raw)), at: streamOffset + at)
      resynchronizing = true
    }
    // Look for the next version-7 magic, in either byte order, at or after at + 1 + prefix.
    var scan = at + 1 + prefixLength
    while scan + 4 <= end {
      let b0 = bytes[scan]
      if b0 == 0x07 || b0 == 0x65 {
        let raw = bytes.loadUnaligned(fromByteOffset: scan, as: UInt32.self)
        let little = UInt32(littleEndian: raw)
        if little == Self.magicBase | 7 || little == (Self.magicBase | 7).byteSwapped {
          return scan - prefixLength
        }
      }
      scan += 1
    }
    // No magic here. Rescan the last 3 bytes with the next chunk (a magic may straddle it).
    if atEnd { return end }
    return max(at + 1, end - 4 - prefixLength)
  }

  private enum LostLine { case line(next: Int), needMore, notALine }

  /// ftrace prints `CPU:%d [LOST %lu EVENTS]\n` (or `[LOST EVENTS]`) between records when
  /// its ring buffer overflowed. Adds the count to `diagnostics.lostEvents`.
  private mutating func scanLostEventsLine(
    _ bytes: UnsafeRawBufferPointer, at: Int, end: Int, atEnd: Bool
  ) -> LostLine {
    let limit = min(end, at + 64)
    guard ByteScan.hasPrefix("CPU:", bytes, at: at, end: limit) else { return .notALine }
    let newline = ByteScan.find(0x0A, in: bytes, from: at, to: limit)
    if newline == limit { return limit == end && !atEnd ? .needMore : .notALine }
    var index = at + 4
    guard ByteScan.unsigned(bytes, &index, newline) != nil,
      ByteScan.hasPrefix(" [LOST ", bytes, at: index, end: newline)
    else { return .notALine }
    index += 7
    if let count = ByteScan.unsigned(bytes, &index, newline) {
      diagnostics.lostEvents += Int(clamping: count)
    } else {
      diagnostics.lostEvents += 1  // "[LOST EVENTS]": unknown number, at least one
    }
    diagnostics.ignoredLines += 1
    return .line(next: newline + 1)
  }

  @inline(__always)
  private func load<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, _ offset: Int, _ bigEndian: Bool) -> T {
    let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    return bigEndian ? T(bigEndian: value) : T(littleEndian: value)
  }

  /// Big-endian u64 from a pdu (unplug depth, split sector, remap sector_from).
  @inline(__always)
  private func loadBigEndian64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
    UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  /// Decodes the record whose header starts at `at` (all 48 + `pduLength` bytes present).
  /// Appends an event, or updates the name table or markers for a note. Returns the problem
  /// when the record cannot be right.
  @inline(__always)
  mutating func decodeRecord(
    _ bytes: UnsafeRawBufferPointer, at: Int, pduLength: Int, bigEndian: Bool,
    into events: inout ContiguousArray<BlockEvent>
  ) -> TraceParseError.Reason? {
    let action = load(UInt32.self, bytes, at + 28, bigEndian)
    let pid = Int32(bitPattern: load(UInt32.self, bytes, at + 32, bigEndian))
    var pduStart = at + Self.headerSize
    var pduCount = pduLength
    if action & Self.cgroupFlag != 0 {
      guard pduCount >= 8 else { return .badRecord("cgroup flag set but pdu has \(pduCount) bytes, not 8 or more") }
      pduStart += 8
      pduCount -= 8
    }
    let code = action & 0xFEFF & 0xFFFF

    if action & Self.notifyCategory != 0 {
      decodeNote(code: code, pid: pid, bytes, at: at, pduStart: pduStart, pduCount: pduCount, bigEndian: bigEndian)
      return nil
    }

    guard let kind = Self.action(code: code) else {
      return .badRecord("unknown action code \(code) (action word 0x\(String(action, radix: 16)))")
    }
    let byteCount = load(UInt32.self, bytes, at + 24, bigEndian)
    if countsOnly(kind, byteCount: byteCount) { return nil }
    events.append(
      event(
        bytes, header: at, action: action, kind: kind, byteCount: byteCount, pid: pid, comm: processNames.name(of: pid),
        pduStart: pduStart, pduCount: pduCount, bigEndian: bigEndian))
    return nil
  }

  /// Counts an event of a `countedOnly` action instead of decoding it; true when it did.
  @inline(__always)
  private mutating func countsOnly(_ kind: BlockAction, byteCount: UInt32) -> Bool {
    guard countedOnly.contains(kind) else { return false }
    diagnostics.countedOnly.add(kind)
    if byteCount >= 512 { diagnostics.countedOnlySizedEvents += 1 }
    return true
  }

  /// The event of the action record whose header starts at `header`; its pdu, after any
  /// cgroup id, is `pduCount` bytes at `pduStart`. Both paths build events here: the fast one
  /// with a constant `bigEndian: false`, which inlining turns into plain loads.
  @inline(__always)
  private func event(
    _ bytes: UnsafeRawBufferPointer, header: Int, action: UInt32, kind: BlockAction, byteCount: UInt32, pid: Int32,
    comm: CommName, pduStart: Int, pduCount: Int, bigEndian: Bool
  ) -> BlockEvent {
    var detail: UInt64 = 0
    switch kind {
    case .unplugIO, .unplugTimer, .split:
      if pduCount >= 8 { detail = loadBigEndian64(bytes, pduStart) }
    case .remap:
      if pduCount >= 16 { detail = loadBigEndian64(bytes, pduStart + 8) }
    default:
      break
    }
    return BlockEvent(
      time: load(UInt64.self, bytes, header + 8, bigEndian),
      sector: load(UInt64.self, bytes, header + 16, bigEndian),
      sectors: byteCount >> 9,
      device: DeviceNumber(raw: load(UInt32.self, bytes, header + 36, bigEndian)),
      pid: pid,
      cpu: UInt16(truncatingIfNeeded: load(UInt32.self, bytes, header + 40, bigEndian)),
      action: kind,
      flags: Self.flags(categories: action >> 16, bytes: byteCount),
      error: Int16(bitPattern: load(UInt16.self, bytes, header + 44, bigEndian)),
      comm: comm,
      detail: detail)
  }

  /// A BLK_TN_PROCESS note names a task; a BLK_TN_MESSAGE note is a marker. Out of line: notes
  /// are rare, and keeping them out of `decodeRecord` keeps the per-event path small.
  @inline(never)
  private mutating func decodeNote(
    code: UInt32, pid: Int32, _ bytes: UnsafeRawBufferPointer, at: Int, pduStart: Int, pduCount: Int, bigEndian: Bool
  ) {
    switch code {
    case Self.noteProcess:
      let comm = CommName(bytes: bytes, start: pduStart, end: pduStart + pduCount)
      processNames.learn(pid: pid, comm: comm)
    case Self.noteMessage:
      var stop = pduStart
      let limit = pduStart + pduCount
      while stop < limit, bytes[stop] != 0 { stop += 1 }
      while stop > pduStart, bytes[stop - 1] == 0x0A { stop -= 1 }
      let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[pduStart..<stop]), as: UTF8.self)
      markers.append(TraceMarker(time: load(UInt64.self, bytes, at + 8, bigEndian), text: text))
    default:
      break  // BLK_TN_TIMESTAMP (wall clock at start) and unknown notes: nothing to keep
    }
  }

  /// The action of a `__BLK_TA_*` code (1 to 17); nil for any other.
  @inline(__always)
  static func action(code: UInt32) -> BlockAction? {
    switch code {
    case 1: .queue
    case 2: .backmerge
    case 3: .frontmerge
    case 4: .getRequest
    case 5: .sleepRequest
    case 6: .requeue
    case 7: .issue
    case 8: .complete
    case 9: .plug
    case 10: .unplugIO
    case 11: .unplugTimer
    case 12: .insert
    case 13: .split
    case 14: .bounce
    case 15: .remap
    case 16: .abort
    case 17: .driverData
    default: nil
    }
  }
}
