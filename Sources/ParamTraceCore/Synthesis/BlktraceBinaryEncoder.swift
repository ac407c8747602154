/// Writes events as blktrace binary records (`struct blk_io_trace`, version 7, spec §1.2), as
/// the kernel's relay channel would: one sequence counter per CPU starting at 1, a
/// BLK_TN_PROCESS note before the first event of each pid, pdus for U/UT/X/A.
///
/// The caller keeps one output per CPU (`event.cpu`) to write `NAME.blktrace.N` files, or one
/// output for a single interleaved stream (`blktrace -o -`).
public struct BlktraceBinaryEncoder: Sendable {
  /// Write big-endian records (as a big-endian host would).
  public var bigEndian: Bool
  /// Write a PROCESS note before the first event of each pid (in that event's CPU).
  public var writesProcessNotes: Bool
  /// `device_from` of A (remap) pdus: the partition; nil uses the event's own device.
  public var remapSource: DeviceNumber?
  private var sequences: [UInt32] = []
  private var noted: Set<Int32> = []

  public init(bigEndian: Bool = false, writesProcessNotes: Bool = true, remapSource: DeviceNumber? = nil) {
    self.bigEndian = bigEndian
    self.writesProcessNotes = writesProcessNotes
    self.remapSource = remapSource
  }

  /// The fields of one record as stored (before byte-order conversion).
  public struct Record: Sendable, Hashable {
    public var magic: UInt32 = 0x6561_7407
    public var sequence: UInt32 = 0
    public var time: UInt64 = 0
    public var sector: UInt64 = 0
    public var bytes: UInt32 = 0
    public var action: UInt32 = 0
    public var pid: UInt32 = 0
    public var device: UInt32 = 0
    public var cpu: UInt32 = 0
    public var error: UInt16 = 0
    /// `pdu_len`; nil writes the pdu's real length.
    public var pduLength: UInt16? = nil
    public init() {}
  }

  /// Appends one raw record and its pdu (the building block for hand-made edge cases).
  public static func append(_ record: Record, pdu: [UInt8] = [], bigEndian: Bool = false, to output: inout [UInt8]) {
    let start = output.count
    output.append(contentsOf: repeatElement(0, count: BlkIOTraceReader.headerSize))
    output.withUnsafeMutableBytes { raw in
      let p = raw.baseAddress! + start
      func store<T: FixedWidthInteger>(_ value: T, _ offset: Int) {
        p.storeBytes(of: bigEndian ? value.bigEndian : value.littleEndian, toByteOffset: offset, as: T.self)
      }
      store(record.magic, 0)
      store(record.sequence, 4)
      store(record.time, 8)
      store(record.sector, 16)
      store(record.bytes, 24)
      store(record.action, 28)
      store(record.pid, 32)
      store(record.device, 36)
      store(record.cpu, 40)
      store(record.error, 44)
      store(record.pduLength ?? UInt16(truncatingIfNeeded: pdu.count), 46)
    }
    output.append(contentsOf: pdu)
  }

  /// The action word for `event`: its code with the category bits the kernel would set.
  ///
  /// Every event that is not a write carries READ (the kernel derives it from the op, so P, U
  /// and flushes have it); a discard carries WRITE too. requestLevel → FS, passthrough → PC.
  public static func actionWord(for event: BlockEvent) -> UInt32 {
    var categories: UInt32 = 0
    switch event.action {
    case .queue, .backmerge, .frontmerge, .getRequest, .sleepRequest, .plug, .unplugIO, .unplugTimer, .insert,
      .remap, .abort:
      categories |= 0x0010  // QUEUE
    case .requeue: categories |= 0x0020
    case .issue: categories |= 0x0040
    case .complete: categories |= 0x0080
    case .driverData: categories |= 0x4000
    case .split, .bounce, .message: break
    case .taskNew, .taskFork, .taskExec, .taskExit, .taskRename: break  // not blktrace records
    }
    let flags = event.flags
    categories |= flags.contains(.write) || flags.contains(.discard) ? 0x0002 : 0x0001
    if flags.contains(.flush) { categories |= 0x0004 }
    if flags.contains(.sync) { categories |= 0x0008 }
    if flags.contains(.readahead) { categories |= 0x0800 }
    if flags.contains(.meta) { categories |= 0x1000 }
    if flags.contains(.discard) { categories |= 0x2000 }
    if flags.contains(.fua) { categories |= 0x8000 }
    if flags.contains(.passthrough) {
      categories |= 0x0200
    } else if flags.contains(.requestLevel) {
      categories |= 0x0100
    }
    return categories << 16 | UInt32(event.action.rawValue)
  }

  /// Appends `event`'s record (after a PROCESS note the first time its pid appears).
  /// Message events become MESSAGE notes; their text is not in a `BlockEvent`, use
  /// `appendMessage` instead.
  public mutating func append(_ event: BlockEvent, to output: inout [UInt8]) {
    if writesProcessNotes, !noted.contains(event.pid) {
      noted.insert(event.pid)
      appendProcessNote(pid: event.pid, comm: event.comm, time: event.time, cpu: event.cpu, device: event.device, to: &output)
    }
    var record = Record()
    record.sequence = nextSequence(cpu: event.cpu)
    record.time = event.time
    record.sector = event.sector
    record.bytes = event.sectors &<< 9
    record.action = Self.actionWord(for: event)
    record.pid = UInt32(bitPattern: event.pid)
    record.device = event.device.raw
    record.cpu = UInt32(event.cpu)
    record.error = UInt16(bitPattern: event.error)
    switch event.action {
    case .unplugIO, .unplugTimer, .split:
      Self.append(record, pdu: Self.bigEndianBytes(event.detail), bigEndian: bigEndian, to: &output)
    case .remap:
      let from = (remapSource ?? event.device).raw
      let pdu = Self.bigEndianBytes(UInt64(from) << 32 | UInt64(event.device.raw)) + Self.bigEndianBytes(event.detail)
      Self.append(record, pdu: pdu, bigEndian: bigEndian, to: &output)
    default:
      Self.append(record, bigEndian: bigEndian, to: &output)
    }
  }

  /// Appends a BLK_TN_PROCESS note naming `pid`.
  public func appendProcessNote(
    pid: Int32, comm: CommName, time: UInt64, cpu: UInt16, device: DeviceNumber, to output: inout [UInt8]
  ) {
    var record = Record()
    record.time = time
    record.action = BlkIOTraceReader.notifyCategory | BlkIOTraceReader.noteProcess
    record.pid = UInt32(bitPattern: pid)
    record.device = device.raw
    record.cpu = UInt32(cpu)
    var pdu = [UInt8](repeating: 0, count: 16)
    var word = comm.low
    for i in 0..<8 {
      pdu[i] = UInt8(truncatingIfNeeded: word)
      word >>= 8
    }
    word = comm.high
    for i in 8..<16 {
      pdu[i] = UInt8(truncatingIfNeeded: word)
      word >>= 8
    }
    Self.append(record, pdu: pdu, bigEndian: bigEndian, to: &output)
  }

  /// Appends a BLK_TN_MESSAGE note (what `blktrace`'s debugfs `msg` file produces).
  public func appendMessage(
    _ text: String, time: UInt64, pid: Int32 = 0, cpu: UInt16 = 0, device: DeviceNumber, to output: inout [UInt8]
  ) {
    var record = Record()
    record.time = time
    record.action = BlkIOTraceReader.notifyCategory | BlkIOTraceReader.noteMessage
    record.pid = UInt32(bitPattern: pid)
    record.device = device.raw
    record.cpu = UInt32(cpu)
    Self.append(record, pdu: Array(text.utf8.prefix(128)), bigEndian: bigEndian, to: &output)
  }

  private mutating func nextSequence(cpu: UInt16) -> UInt32 {
    let index = Int(cpu)
    if index >= sequences.count { sequences.append(contentsOf: repeatElement(0, count: index + 1 - sequences.count)) }
    sequences[index] &+= 1
    return sequences[index]
  }

  static func bigEndianBytes(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
  }
}
