/// Parses the text of the scheduler's task events (spec §12) after the ftrace prefix, into
/// `BlockEvent`s with a task action, for example
/// `task_newtask: pid=3670 comm=bash clone_flags=1200000 oom_score_adj=0` or
/// `sched_process_fork: comm=bash pid=3667 child_comm=bash child_pid=3670`.
///
/// Names come from the event's own fields, never from the prefix: tracefs prints the prefix's
/// name from its pid → comm cache when the trace is read, so it can be a later name of the
/// task (a `python3-3672` prefix on the events of the shell it was before exec).
/// A comm may hold blanks and `=`: each field is found from the end of the line, where the
/// numeric fields are.
enum TaskEventText {
  /// The event and how its fields are printed, for a body that starts with a task event's
  /// name; nil for other bodies.
  @inline(__always)
  static func action(_ bytes: UnsafeRawBufferPointer, body: Int, end: Int) -> (BlockAction, nameLength: Int)? {
    if ByteScan.hasPrefix("sched_process_", bytes, at: body, end: end) {
      let name = body + 14
      if ByteScan.hasPrefix("fork:", bytes, at: name, end: end) { return (.taskFork, 19) }
      if ByteScan.hasPrefix("exec:", bytes, at: name, end: end) { return (.taskExec, 19) }
      if ByteScan.hasPrefix("exit:", bytes, at: name, end: end) { return (.taskExit, 19) }
      return nil
    }
    if ByteScan.hasPrefix("task_newtask:", bytes, at: body, end: end) { return (.taskNew, 13) }
    if ByteScan.hasPrefix("task_rename:", bytes, at: body, end: end) { return (.taskRename, 12) }
    return nil
  }

  /// Appends the event of a task-event line; `.malformed` when its fields are not as printed
  /// by the kernel.
  static func parse(
    _ action: BlockAction, _ bytes: UnsafeRawBufferPointer, from start: Int, to lineEnd: Int, prefix: FtracePrefix,
    into events: inout ContiguousArray<BlockEvent>
  ) -> TextLineOutcome {
    var end = lineEnd
    ByteScan.trimTrailingBlanks(bytes, start, &end)
    var at = start
    ByteScan.skipBlanks(bytes, &at, end)
    var event = BlockEvent(
      time: prefix.time, sector: 0, sectors: 0, device: DeviceNumber(raw: 0), pid: 0, cpu: prefix.cpu, action: action,
      flags: [])
    switch action {
    case .taskFork:
      // comm=%s pid=%d child_comm=%s child_pid=%d
      guard let childPid = lastNumber(" child_pid=", bytes, at, end),
        let childComm = lastText(" child_comm=", bytes, at, childPid.fieldStart),
        let pid = lastNumber(" pid=", bytes, at, childComm.fieldStart), ByteScan.hasPrefix("comm=", bytes, at: at, end: end)
      else { return .malformed(expected: "`comm=… pid=N child_comm=… child_pid=N`") }
      event.pid = Int32(truncatingIfNeeded: pid.value)
      event.detail = UInt64(childPid.value)
      event.comm = CommName(bytes: bytes, start: childComm.start, end: childComm.end)
    case .taskNew:
      // pid=%d comm=%s clone_flags=%llx oom_score_adj=%hd
      guard let score = ByteScan.lastIndexOf(" oom_score_adj=", bytes, from: at, to: end),
        let flagsField = ByteScan.lastIndexOf(" clone_flags=", bytes, from: at, to: score),
        let flags = hexNumber(bytes, flagsField + 13, score), ByteScan.hasPrefix("pid=", bytes, at: at, end: end),
        let comm = ByteScan.lastIndexOf(" comm=", bytes, from: at, to: flagsField)
      else { return .malformed(expected: "`pid=N comm=… clone_flags=HEX oom_score_adj=N`") }
      var number = at + 4
      guard let pid = ByteScan.unsigned(bytes, &number, comm), number == comm else {
        return .malformed(expected: "`pid=N` first")
      }
      // The event fires in the parent: the prefix's pid is the task that cloned.
      event.pid = prefix.pid
      event.detail = pid
      event.sector = flags
      event.comm = CommName(bytes: bytes, start: comm + 6, end: flagsField)
    case .taskExec:
      // filename=%s pid=%d old_pid=%d
      guard let oldPid = lastNumber(" old_pid=", bytes, at, end), let pid = lastNumber(" pid=", bytes, at, oldPid.fieldStart),
        ByteScan.hasPrefix("filename=", bytes, at: at, end: end)
      else { return .malformed(expected: "`filename=… pid=N old_pid=N`") }
      event.pid = Int32(truncatingIfNeeded: pid.value)
      event.detail = UInt64(oldPid.value)
      // The task's name after exec is the file's base name (at most 15 bytes).
      let pathStart = at + 9
      let slash = ByteScan.lastIndex(of: UInt8(ascii: "/"), in: bytes, from: pathStart, to: pid.fieldStart)
      let base = slash.map { $0 + 1 } ?? pathStart
      event.comm = CommName(bytes: bytes, start: base, end: min(pid.fieldStart, base + 15))
    case .taskExit:
      // comm=%s pid=%d prio=%d [group_dead=true|false]
      var tail = end
      if let group = ByteScan.lastIndexOf(" group_dead=", bytes, from: at, to: end) {
        event.detail = ByteScan.hasPrefix("true", bytes, at: group + 12, end: end) ? 1 : 0
        tail = group
      }
      guard let prio = ByteScan.lastIndexOf(" prio=", bytes, from: at, to: tail),
        let pid = lastNumber(" pid=", bytes, at, prio), ByteScan.hasPrefix("comm=", bytes, at: at, end: end)
      else { return .malformed(expected: "`comm=… pid=N prio=N`") }
      event.pid = Int32(truncatingIfNeeded: pid.value)
      event.comm = CommName(bytes: bytes, start: at + 5, end: pid.fieldStart)
    case .taskRename:
      // pid=%d oldcomm=%s newcomm=%s oom_score_adj=%hd
      guard let score = ByteScan.lastIndexOf(" oom_score_adj=", bytes, from: at, to: end),
        let newComm = ByteScan.lastIndexOf(" newcomm=", bytes, from: at, to: score), ByteScan.hasPrefix("pid=", bytes, at: at, end: end)
      else { return .malformed(expected: "`pid=N oldcomm=… newcomm=… oom_score_adj=N`") }
      var number = at + 4
      guard let pid = ByteScan.unsigned(bytes, &number, end), number < end, bytes[number] == 0x20 else {
        return .malformed(expected: "`pid=N` first")
      }
      event.pid = Int32(truncatingIfNeeded: pid)
      event.comm = CommName(bytes: bytes, start: newComm + 9, end: score)
    default:
      return .malformed(expected: "a task event")
    }
    events.append(event)
    return .event
  }

  /// The number after the last `field` (which starts with a blank) before `end`, and where the
  /// field starts; the number must run to `end`.
  @inline(__always)
  private static func lastNumber(
    _ field: StaticString, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int
  ) -> (value: Int64, fieldStart: Int)? {
    guard let found = ByteScan.lastIndexOf(field, bytes, from: start, to: end) else { return nil }
    var at = found + field.utf8CodeUnitCount
    guard let value = ByteScan.signed(bytes, &at, end), at == end else { return nil }
    return (value, found)
  }

  /// The text between the last `field` before `end` and `end`.
  @inline(__always)
  private static func lastText(
    _ field: StaticString, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int
  ) -> (start: Int, end: Int, fieldStart: Int)? {
    guard let found = ByteScan.lastIndexOf(field, bytes, from: start, to: end) else { return nil }
    return (found + field.utf8CodeUnitCount, end, found)
  }

  /// A hexadecimal number filling `bytes[start..<end]`.
  private static func hexNumber(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64? {
    guard end > start, end - start <= 16 else { return nil }
    var value: UInt64 = 0
    for index in start..<end {
      let byte = bytes[index] | 0x20
      let digit: UInt8
      if byte &- 0x30 < 10 { digit = byte &- 0x30 } else if byte &- 0x61 < 6 { digit = byte &- 0x61 + 10 } else { return nil }
      value = value << 4 | UInt64(digit)
    }
    return value
  }
}
