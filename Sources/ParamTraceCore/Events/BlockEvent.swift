/// One line or record of a block-layer trace, in a form shared by every trace format.
///
/// Times are nanoseconds on the trace's own clock: absolute CLOCK_MONOTONIC for blktrace
/// binary, the ftrace `blk` tracer and tracepoints recorded with `trace_clock=mono`;
/// relative to the first event for blkparse text. Sectors are 512-byte units, absolute on
/// the traced (whole) disk.
public struct BlockEvent: Sendable, Hashable {
  /// Event time in nanoseconds on the trace's clock.
  public var time: UInt64
  /// First 512-byte sector on the traced device.
  public var sector: UInt64
  /// Length in 512-byte sectors; 0 when the line carries no size (P, U, flushes).
  public var sectors: UInt32
  /// The traced device, `major << 20 | minor`.
  public var device: DeviceNumber
  /// The task that was current when the event fired (for C lines: whatever was interrupted).
  public var pid: Int32
  /// CPU the event fired on, when the format says.
  public var cpu: UInt16
  /// What happened: queue, issue, complete, ...
  public var action: BlockAction
  /// Direction and request flags (RWBS, plus the request-level FS bit).
  public var flags: BlockFlags
  /// Errno on completions and requeues (0 = success), negative as the kernel stores it.
  public var error: Int16
  /// Name of the task in `pid`, as the trace records it (empty when unknown).
  public var comm: CommName
  /// Action-specific extra value: the new sector of a split (X), the depth of an unplug (U),
  /// the pre-remap sector of a remap (A). 0 otherwise.
  public var detail: UInt64

  public init(
    time: UInt64, sector: UInt64, sectors: UInt32, device: DeviceNumber, pid: Int32,
    cpu: UInt16 = 0, action: BlockAction, flags: BlockFlags, error: Int16 = 0,
    comm: CommName = CommName(), detail: UInt64 = 0
  ) {
    self.time = time
    self.sector = sector
    self.sectors = sectors
    self.device = device
    self.pid = pid
    self.cpu = cpu
    self.action = action
    self.flags = flags
    self.error = error
    self.comm = comm
    self.detail = detail
  }

  /// Bytes the event covers (sectors × 512).
  @inlinable public var bytes: UInt64 { UInt64(sectors) &* 512 }
  /// One past the last sector covered.
  @inlinable public var endSector: UInt64 { sector &+ UInt64(sectors) }
}

/// A kernel device number as block traces carry it: `major << 20 | minor` (not glibc's dev_t).
public struct DeviceNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The raw kernel encoding, `major << 20 | minor`.
  public var raw: UInt32
  public init(raw: UInt32) { self.raw = raw }
  public init(major: UInt32, minor: UInt32) { self.raw = (major << 20) | (minor & 0xF_FFFF) }
  public var major: UInt32 { raw >> 20 }
  public var minor: UInt32 { raw & 0xF_FFFF }
  public var description: String { "\(major):\(minor)" }
  public static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
}

/// What a trace line reports. The letters are blkparse's; the kernel's names are in comments.
public enum BlockAction: UInt8, Sendable, Hashable, CaseIterable {
  case queue = 1        // 'Q', __BLK_TA_QUEUE, block_bio_queue
  case backmerge = 2    // 'M', __BLK_TA_BACKMERGE, block_bio_backmerge (request-level with FS: block_rq_merge)
  case frontmerge = 3   // 'F', __BLK_TA_FRONTMERGE, block_bio_frontmerge
  case getRequest = 4   // 'G', __BLK_TA_GETRQ, block_getrq
  case sleepRequest = 5 // 'S', __BLK_TA_SLEEPRQ
  case requeue = 6      // 'R', __BLK_TA_REQUEUE, block_rq_requeue
  case issue = 7        // 'D', __BLK_TA_ISSUE, block_rq_issue
  case complete = 8     // 'C', __BLK_TA_COMPLETE, block_rq_complete
  case plug = 9         // 'P', __BLK_TA_PLUG, block_plug
  case unplugIO = 10    // 'U', __BLK_TA_UNPLUG_IO, block_unplug
  case unplugTimer = 11 // 'UT', __BLK_TA_UNPLUG_TIMER
  case insert = 12      // 'I', __BLK_TA_INSERT, block_rq_insert
  case split = 13       // 'X', __BLK_TA_SPLIT, block_split
  case bounce = 14      // 'B', __BLK_TA_BOUNCE
  case remap = 15       // 'A', __BLK_TA_REMAP, block_bio_remap / block_rq_remap
  case abort = 16       // __BLK_TA_ABORT
  case driverData = 17  // __BLK_TA_DRV_DATA (binary only)
  case message = 18     // 'm', BLK_TN_MESSAGE, or a trace_marker line
  // Task events (spec §12), carried in the same stream so the workload's task tree is built
  // in time order with its I/O. `pid` is the task the event is about (the parent for
  // newtask and fork), `detail` the other task, `comm` the name the event gives.
  case taskNew = 19     // task:task_newtask: pid = parent, detail = new pid, sector = clone_flags
  case taskFork = 20    // sched:sched_process_fork: pid = parent, detail = child, comm = child's
  case taskExec = 21    // sched:sched_process_exec: pid, detail = old_pid, comm = program's name
  case taskExit = 22    // sched:sched_process_exit: pid, comm; detail = 1 when the group died
  case taskRename = 23  // task:task_rename: pid, comm = the new name

  /// The actions in the order of a request's life, for reports.
  public static let lifecycleOrder: [BlockAction] = [
    .queue, .remap, .split, .bounce, .backmerge, .frontmerge, .getRequest, .sleepRequest, .plug, .unplugIO,
    .unplugTimer, .insert, .issue, .requeue, .complete, .abort, .driverData, .message,
    .taskNew, .taskFork, .taskExec, .taskExit, .taskRename,
  ]

  /// True for the task events (fork, exec, exit, newtask, rename): not block I/O.
  @inlinable public var isTaskEvent: Bool { rawValue >= BlockAction.taskNew.rawValue }

  /// The letters blkparse prints for this action.
  public var letters: String {
    switch self {
    case .queue: "Q"
    case .backmerge: "M"
    case .frontmerge: "F"
    case .getRequest: "G"
    case .sleepRequest: "S"
    case .requeue: "R"
    case .issue: "D"
    case .complete: "C"
    case .plug: "P"
    case .unplugIO: "U"
    case .unplugTimer: "UT"
    case .insert: "I"
    case .split: "X"
    case .bounce: "B"
    case .remap: "A"
    case .abort: "abort"
    case .driverData: "drv_data"
    case .message: "m"
    case .taskNew: "newtask"
    case .taskFork: "fork"
    case .taskExec: "exec"
    case .taskExit: "exit"
    case .taskRename: "rename"
    }
  }
}

/// Request flags: the RWBS letters, plus where the event sits in the request's life.
public struct BlockFlags: OptionSet, Sendable, Hashable {
  public var rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }

  /// 'R': a read.
  public static let read = BlockFlags(rawValue: 1 << 0)
  /// 'W': a write.
  public static let write = BlockFlags(rawValue: 1 << 1)
  /// 'D': a discard or secure erase (carries no data).
  public static let discard = BlockFlags(rawValue: 1 << 2)
  /// Leading 'F': a flush (preflush or flush op; carries no data).
  public static let flush = BlockFlags(rawValue: 1 << 3)
  /// Trailing 'F': forced unit access.
  public static let fua = BlockFlags(rawValue: 1 << 4)
  /// 'A': readahead.
  public static let readahead = BlockFlags(rawValue: 1 << 5)
  /// 'S': synchronous.
  public static let sync = BlockFlags(rawValue: 1 << 6)
  /// 'M': metadata.
  public static let meta = BlockFlags(rawValue: 1 << 7)
  /// Another operation (zone ops, write-zeroes: 'N', 'Z…'): no read or write data.
  public static let otherOperation = BlockFlags(rawValue: 1 << 8)
  /// The event describes a request (blktrace FS/PC category bit), not a bio.
  /// Distinguishes a request merge (absorbed request) from a bio merge on 'M' lines.
  public static let requestLevel = BlockFlags(rawValue: 1 << 9)
  /// Passthrough (SCSI CDB) request: no file data.
  public static let passthrough = BlockFlags(rawValue: 1 << 10)
  /// Not from the trace: set by request assembly on an operation that is a dispatch of a
  /// sector dispatched shortly before (within `RequestAssembler.reissueWindowNanoseconds`) in a
  /// trace without completions or a requeue line between them: a re-issue or a genuine re-read,
  /// which the trace cannot tell apart (docs/metrics.md "Traces without completions").
  public static let repeatedDispatch = BlockFlags(rawValue: 1 << 11)

  /// True when the operation moves file data (a read or write that is not a flush or discard).
  @inlinable public var carriesData: Bool {
    !isDisjoint(with: [.read, .write]) && isDisjoint(with: [.discard, .passthrough])
  }
}

/// A task name of at most 16 bytes, stored inline so events stay plain values.
///
/// The kernel's TASK_COMM_LEN is 16 including the NUL, so 16 bytes hold every real name;
/// longer names from text traces are truncated.
public struct CommName: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var low: UInt64
  public var high: UInt64

  /// The empty name: the trace did not say.
  public init() {
    low = 0
    high = 0
  }

  /// Up to 16 bytes from `bytes[start..<end]`; stops at a NUL.
  @inlinable
  public init(bytes: UnsafeRawBufferPointer, start: Int, end: Int) {
    var lo: UInt64 = 0
    var hi: UInt64 = 0
    var index = start
    var shift: UInt64 = 0
    let stop = min(end, start + 16)
    while index < stop {
      let byte = bytes[index]
      if byte == 0 { break }
      if shift < 64 { lo |= UInt64(byte) << shift } else { hi |= UInt64(byte) << (shift - 64) }
      shift += 8
      index += 1
    }
    low = lo
    high = hi
  }

  /// A NUL-padded 16-byte field (the kernel's `char comm[16]`) read as two words: the bytes
  /// after the first NUL (garbage in ring buffers) are cleared without a byte loop.
  @inlinable @inline(__always)
  public init(field16 bytes: UnsafeRawBufferPointer, at offset: Int) {
    var lo = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    var hi = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
    // High bit set in each byte that is zero (exact for the first zero byte, which is all we use).
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let zerosLow = (lo &- ones) & ~lo & highs
    if zerosLow != 0 {
      let keep = zerosLow.trailingZeroBitCount & ~7  // bits before the first NUL byte
      lo = keep == 0 ? 0 : lo & (UInt64.max >> (64 - keep))
      hi = 0
    } else {
      let zerosHigh = (hi &- ones) & ~hi & highs
      if zerosHigh != 0 {
        let keep = zerosHigh.trailingZeroBitCount & ~7
        hi = keep == 0 ? 0 : hi & (UInt64.max >> (64 - keep))
      }
    }
    low = lo
    high = hi
  }

  public init(_ string: String) {
    var utf8 = Array(string.utf8.prefix(16))
    self = utf8.withUnsafeMutableBytes { CommName(bytes: UnsafeRawBufferPointer($0), start: 0, end: $0.count) }
    utf8.removeAll()
  }

  public var isEmpty: Bool { low == 0 && high == 0 }

  public var description: String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(16)
    for word in [low, high] {
      var value = word
      for _ in 0..<8 {
        let byte = UInt8(truncatingIfNeeded: value)
        if byte == 0 { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(byte)
        value >>= 8
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}
