/// Writes read requests as a fio iolog version 3 (spec §14), which `fio --read_iolog=LOG`
/// replays: `fio version 3 iolog`, then `TIMESTAMP FILE add|open|read|close [OFFSET LENGTH]`,
/// timestamps in microseconds from the first request's issue (fio waits the difference to the
/// line before, unless `replay_no_stall`).
///
/// Two ways to address the reads:
/// - `files`: by offset in the model's files, so the log replays against a copy of the model
///   on any disk. A request's disk range is mapped through the extents into file pieces (one
///   request over an extent boundary can be two reads); a model in several files gets one
///   target each, opened at the start and closed at the end.
/// - `devices`: by byte offset on the traced disk (sector × 512, the whole request), for fio's
///   `replay_redirect=DEV` to send to another raw device.
public struct FioIologWriter {
  /// One file of the model, where it lies in the model's address space.
  public struct Target: Sendable, Hashable {
    /// The name written into the log (fio opens it).
    public var path: String
    public var start: UInt64
    public var size: UInt64
    public init(path: String, start: UInt64, size: UInt64) {
      self.path = path
      self.start = start
      self.size = size
    }
  }

  /// How reads are addressed.
  public enum Addressing {
    /// File offsets in these files, through the extents.
    case files([Target], FileExtentMap)
    /// Disk offsets; the closure names a device's file (`/dev/vda`), once per device.
    case devices((DeviceNumber) -> String)
  }

  /// The bytes written so far and not yet drained.
  public var out = ExportBuffer()
  /// Read lines written, and their bytes: what fio should report after replaying the log.
  public private(set) var reads = 0
  public private(set) var bytes: UInt64 = 0

  private let addressing: Addressing
  /// Encoded names: of the targets, or of the devices seen so far.
  private var names: [[UInt8]] = []
  private var devices: [DeviceNumber] = []
  private var lastTarget = 0
  private var origin: UInt64?
  private var lastTimestamp: UInt64 = 0

  public init(_ addressing: Addressing) {
    self.addressing = addressing
    if case .files(let targets, _) = addressing { names = targets.map { Array($0.path.utf8) } }
  }

  /// Why fio could not open `path` from a log, or nil: its parser reads the name with `%256s`,
  /// so it must be one word of at most 255 bytes.
  public static func problem(withPath path: String) -> String? {
    if path.isEmpty { return "an empty file name" }
    if path.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
      return "\(path) has white space in it, which fio's iolog parser cannot read (it splits on spaces)"
    }
    if path.utf8.count > 255 { return "\(path) is longer than the 255 bytes fio's iolog parser reads" }
    return nil
  }

  /// Writes the header, and adds and opens every file of the model.
  public mutating func begin() {
    out.literal("fio version 3 iolog\n")
    for index in names.indices {
      fileAction(index, "add", at: 0)
      fileAction(index, "open", at: 0)
    }
  }

  /// Adds one read request (in issue order).
  @inline(__always)
  public mutating func add(_ item: AccessAnalyzer.Accepted) {
    let operation = item.operation
    let issue = operation.issueOrderTime
    if origin == nil { origin = issue }
    // fio waits (this − previous) µs: never let the difference go negative.
    let timestamp = max(lastTimestamp, issue >= origin! ? (issue - origin!) / 1000 : 0)
    lastTimestamp = timestamp
    switch addressing {
    case .devices(let name):
      var index = devices.firstIndex(of: operation.device) ?? -1
      if index < 0 {
        devices.append(operation.device)
        names.append(Array(name(operation.device).utf8))
        index = names.count - 1
        fileAction(index, "add", at: timestamp)
        fileAction(index, "open", at: timestamp)
      }
      read(index, offset: operation.sector &* 512, length: operation.bytes, at: timestamp)
    case .files(let targets, let extents):
      // Pieces come in disk order; consecutive ones that continue each other in the file are one read.
      var pending: (start: UInt64, end: UInt64)?
      extents.forEachPiece(sector: operation.sector, endSector: operation.endSector) { start, end in
        if let run = pending, run.end == start {
          pending = (run.start, end)
          return
        }
        if let run = pending { readPieces(run.start, run.end, targets, at: timestamp) }
        pending = (start, end)
      }
      if let run = pending { readPieces(run.start, run.end, targets, at: timestamp) }
    }
  }

  /// Closes every file at the last request's time.
  public mutating func finish() {
    for index in names.indices { fileAction(index, "close", at: lastTimestamp) }
  }

  /// Reads `[start, end)` of the model's address space, split where one file ends.
  private mutating func readPieces(_ start: UInt64, _ end: UInt64, _ targets: [Target], at timestamp: UInt64) {
    var from = start
    while from < end {
      guard let index = target(holding: from, targets) else { return }
      let target = targets[index]
      let stop = min(end, target.start + target.size)
      read(index, offset: from - target.start, length: stop - from, at: timestamp)
      from = stop
    }
  }

  /// The target holding `offset`: the one the last read used, else a search (few files).
  @inline(__always)
  private mutating func target(holding offset: UInt64, _ targets: [Target]) -> Int? {
    let last = targets[lastTarget]
    if offset >= last.start, offset < last.start + last.size { return lastTarget }
    guard let found = targets.firstIndex(where: { offset >= $0.start && offset < $0.start + $0.size }) else { return nil }
    lastTarget = found
    return found
  }

  @inline(__always)
  private mutating func read(_ index: Int, offset: UInt64, length: UInt64, at timestamp: UInt64) {
    guard length > 0 else { return }
    out.decimal(timestamp)
    out.literal(" ")
    out.raw(names[index])
    out.literal(" read ")
    out.decimal(offset)
    out.literal(" ")
    out.decimal(length)
    out.literal("\n")
    reads += 1
    bytes += length
  }

  private mutating func fileAction(_ index: Int, _ action: StaticString, at timestamp: UInt64) {
    out.decimal(timestamp)
    out.literal(" ")
    out.raw(names[index])
    out.literal(" ")
    out.literal(action)
    out.literal("\n")
  }
}
