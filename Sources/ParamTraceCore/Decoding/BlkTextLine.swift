/// Pieces shared by the blk-style text lines: blkparse's default output, the ftrace `blk`
/// tracer (after the ftrace prefix) and its `blk_classic` form.
enum BlkTextLine {
  /// Parses `MAJ,MIN` into a device number; nil when malformed or out of range.
  @inline(__always)
  static func parseDevice(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, _ end: Int) -> DeviceNumber? {
    guard let major = ByteScan.unsigned(bytes, &at, end), major < 1 << 12,
      at < end, bytes[at] == UInt8(ascii: ",")
    else { return nil }
    at += 1
    guard let minor = ByteScan.unsigned(bytes, &at, end), minor < 1 << 20 else { return nil }
    return DeviceNumber(major: UInt32(truncatingIfNeeded: major), minor: UInt32(truncatingIfNeeded: minor))
  }

  /// Parses a pid printed with `%u` or `%d`.
  @inline(__always)
  static func parsePid(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, _ end: Int) -> Int32? {
    guard let pid = ByteScan.unsigned(bytes, &at, end), pid <= UInt64(UInt32.max) else { return nil }
    return Int32(bitPattern: UInt32(truncatingIfNeeded: pid))
  }

  /// Parses the lines without an ftrace prefix, blkparse's
  /// `MAJ,MIN CPU SEQ SEC.NSEC PID ACT RWBS tail` and the `blk_classic`
  /// `MAJ,MIN CPU SEC.NSEC PID ACT RWBS tail` (told apart by the `.` of the time).
  @inline(__always)
  static func parseUnprefixed(
    _ bytes: UnsafeRawBufferPointer, start: Int, end: Int,
    into events: inout ContiguousArray<BlockEvent>, sink: inout TextLineSink
  ) -> TextLineOutcome {
    var at = start
    guard let device = parseDevice(bytes, &at, end) else { return .malformed(expected: "`MAJ,MIN` device") }
    ByteScan.skipBlanks(bytes, &at, end)
    guard let cpu = ByteScan.unsigned(bytes, &at, end), cpu <= UInt64(UInt16.max) else {
      return .malformed(expected: "a CPU number after the device")
    }
    ByteScan.skipBlanks(bytes, &at, end)
    // blkparse has a sequence number here, blk_classic the time.
    var probe = at
    guard ByteScan.unsigned(bytes, &probe, end) != nil else {
      return .malformed(expected: "a sequence number or time after the CPU")
    }
    let form: TraceFormat
    if probe >= end || bytes[probe] != UInt8(ascii: ".") {
      at = probe
      ByteScan.skipBlanks(bytes, &at, end)
      form = .blkparse
    } else {
      form = .ftraceBlk
    }
    guard let time = ByteScan.secondsAsNanoseconds(bytes, &at, end), at < end, ByteScan.isBlank(bytes[at]) else {
      return .malformed(expected: "a time `SECONDS.NANOSECONDS`")
    }
    ByteScan.skipBlanks(bytes, &at, end)
    guard let pid = parsePid(bytes, &at, end) else { return .malformed(expected: "a pid after the time") }
    let outcome = parseActionAndTail(
      bytes, from: at, to: end, time: time, device: device, pid: pid, cpu: UInt16(truncatingIfNeeded: cpu),
      prefixCommStart: 0, prefixCommEnd: 0, into: &events, sink: &sink)
    // blkparse times are relative to its first event, blk_classic's are the trace clock: a
    // file with both forms mixes two clocks.
    guard case .event = outcome else { return outcome }
    if sink.unprefixedForm == nil { sink.unprefixedForm = form }
    return sink.unprefixedForm == form ? .event : .secondFormat(form)
  }

  /// Parses `ACT RWBS tail` at `index` and appends the event (or, for `m`, the marker).
  ///
  /// The comm comes from the line's bracket; lines whose bracket holds something else (C and
  /// R: the errno) or none (A) take `bytes[prefixCommStart..<prefixCommEnd]`, the ftrace
  /// prefix's task, which is empty for formats without a prefix.
  @inline(__always)
  static func parseActionAndTail(
    _ bytes: UnsafeRawBufferPointer, from index: Int, to end: Int,
    time: UInt64, device: DeviceNumber, pid: Int32, cpu: UInt16,
    prefixCommStart: Int, prefixCommEnd: Int,
    into events: inout ContiguousArray<BlockEvent>, sink: inout TextLineSink
  ) -> TextLineOutcome {
    var at = index
    ByteScan.skipBlanks(bytes, &at, end)
    let actionStart = at
    ByteScan.skipToken(bytes, &at, end)
    guard let action = BlkTextAction.parse(bytes, start: actionStart, end: at) else {
      return .malformed(expected: "an action (Q, M, G, I, D, C, ...)")
    }
    ByteScan.skipBlanks(bytes, &at, end)
    let rwbsStart = at
    ByteScan.skipToken(bytes, &at, end)
    if action == .message {
      guard at > rwbsStart else { return .malformed(expected: "RWBS before the message text") }
      ByteScan.skipBlanks(bytes, &at, end)
      sink.addMarker(time: time, bytes, start: at, end: end)
      return .consumed
    }
    guard var flags = RWBS.parse(bytes, start: rwbsStart, end: at) else {
      return .malformed(expected: "RWBS flags (R, W, D, N, F, A, S, M)")
    }
    guard let tail = BlkTextTail.parse(action, bytes, from: at, to: end) else {
      return .malformed(expected: BlkTextTail.expected(for: action))
    }
    if BlkTextAction.isRequestLevel(action) { flags.insert(.requestLevel) }
    if tail.passthrough { flags.insert(.passthrough) }
    let comm =
      tail.commEnd > tail.commStart
      ? CommName(bytes: bytes, start: tail.commStart, end: tail.commEnd)
      : CommName(bytes: bytes, start: prefixCommStart, end: prefixCommEnd)
    events.append(
      BlockEvent(
        time: time, sector: tail.sector, sectors: tail.sectors, device: device, pid: pid, cpu: cpu,
        action: action, flags: flags, error: tail.error, comm: comm, detail: tail.detail))
    return .event
  }
}
