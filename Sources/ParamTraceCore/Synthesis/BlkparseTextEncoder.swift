/// Writes events as blkparse's default text lines (spec §2.1): the fixed part
/// `"%3d,%-3d %2d %8d %5d.%09lu %5u %2s %3s "` (device, cpu, sequence, time, pid, action,
/// RWBS), then the action's tail, as `blkparse -i NAME` prints blktrace's per-CPU files.
///
/// Times are printed relative to `startTime` (blkparse uses the first event's time).
/// Sequence numbers count per CPU from 1, as in the binary records. The error of C and R lines
/// is printed as blkparse does, the u16 from the record (-EIO prints as 65531). Events whose
/// comm is empty print `[(null)]`, like a pid without a PROCESS note.
public struct BlkparseTextEncoder: Sendable {
  /// Time printed as 0.000000000.
  public var startTime: UInt64
  private var sequences: [UInt32] = []

  public init(startTime: UInt64) {
    self.startTime = startTime
  }

  /// Appends `event`'s line, with its newline.
  public mutating func append(_ event: BlockEvent, to output: inout [UInt8]) {
    let index = Int(event.cpu)
    if index >= sequences.count { sequences.append(contentsOf: repeatElement(0, count: index + 1 - sequences.count)) }
    sequences[index] &+= 1
    appendFixedPart(
      event, sequence: sequences[index], action: event.action.letters,
      rwbs: RWBS.format(event.flags, hasSize: event.sectors > 0), to: &output)
    switch event.action {
    case .complete, .requeue:
      appendNumber(event.sector, to: &output)
      if event.sectors > 0 {
        appendLiteral(" + ", to: &output)
        appendNumber(UInt64(event.sectors), to: &output)
      }
      appendLiteral(" [", to: &output)
      appendNumber(UInt64(UInt16(bitPattern: event.error)), to: &output)
      output.append(0x5D)  // ]
    case .plug:
      appendComm(event.comm, to: &output)
    case .unplugIO, .unplugTimer:
      appendComm(event.comm, to: &output)
      output.append(0x20)
      appendNumber(event.detail, to: &output)
    case .split:
      appendNumber(event.sector, to: &output)
      appendLiteral(" / ", to: &output)
      appendNumber(event.detail, to: &output)
      output.append(0x20)
      appendComm(event.comm, to: &output)
    case .remap:
      appendNumber(event.sector, to: &output)
      appendLiteral(" + ", to: &output)
      appendNumber(UInt64(event.sectors), to: &output)
      appendLiteral(" <- (", to: &output)
      let from = remapSource ?? event.device
      appendNumber(UInt64(from.major), to: &output)
      output.append(0x2C)
      appendNumber(UInt64(from.minor), to: &output)
      appendLiteral(") ", to: &output)
      appendNumber(event.detail, to: &output)
    default:
      if event.sectors > 0 {
        appendNumber(event.sector, to: &output)
        appendLiteral(" + ", to: &output)
        appendNumber(UInt64(event.sectors), to: &output)
        output.append(0x20)
      }
      appendComm(event.comm, to: &output)
    }
    output.append(0x0A)
  }

  /// The partition A lines name after `<-`; nil prints the event's own device.
  public var remapSource: DeviceNumber?

  /// Appends an `m N` message line (blkparse prints BLK_TN_MESSAGE notes so, sequence 0).
  public func appendMessage(_ text: String, time: UInt64, cpu: UInt16, pid: Int32 = 0, device: DeviceNumber, to output: inout [UInt8]) {
    let event = BlockEvent(
      time: time, sector: 0, sectors: 0, device: device, pid: pid, cpu: cpu, action: .message, flags: [])
    appendFixedPart(event, sequence: 0, action: "m", rwbs: "N", to: &output)
    output.append(contentsOf: text.utf8)
    output.append(0x0A)
  }

  private func appendFixedPart(_ event: BlockEvent, sequence: UInt32, action: String, rwbs: String, to output: inout [UInt8]) {
    appendNumber(UInt64(event.device.major), width: 3, to: &output)
    output.append(0x2C)  // ,
    let minorStart = output.count
    appendNumber(UInt64(event.device.minor), to: &output)
    appendSpaces(3 - (output.count - minorStart), to: &output)
    output.append(0x20)
    appendNumber(UInt64(event.cpu), width: 2, to: &output)
    output.append(0x20)
    appendNumber(UInt64(sequence), width: 8, to: &output)
    output.append(0x20)
    let relative = event.time &- startTime
    appendNumber(relative / 1_000_000_000, width: 5, to: &output)
    output.append(0x2E)  // .
    appendNumber(relative % 1_000_000_000, width: 9, zeros: true, to: &output)
    output.append(0x20)
    appendNumber(UInt64(UInt32(bitPattern: event.pid)), width: 5, to: &output)
    output.append(0x20)
    appendPadded(action, width: 2, to: &output)
    output.append(0x20)
    appendPadded(rwbs, width: 3, to: &output)
    output.append(0x20)
  }

  private func appendComm(_ comm: CommName, to output: inout [UInt8]) {
    output.append(0x5B)  // [
    if comm.isEmpty {
      appendLiteral("(null)", to: &output)
    } else {
      var word = comm.low
      for index in 0..<16 {
        if index == 8 { word = comm.high }
        let byte = UInt8(truncatingIfNeeded: word)
        if byte == 0 { break }
        output.append(byte)
        word >>= 8
      }
    }
    output.append(0x5D)  // ]
  }

  private func appendLiteral(_ text: StaticString, to output: inout [UInt8]) {
    text.withUTF8Buffer { output.append(contentsOf: $0) }
  }

  private func appendPadded(_ text: String, width: Int, to output: inout [UInt8]) {
    let utf8 = text.utf8
    appendSpaces(width - utf8.count, to: &output)
    output.append(contentsOf: utf8)
  }

  private func appendSpaces(_ count: Int, to output: inout [UInt8]) {
    if count > 0 { output.append(contentsOf: repeatElement(0x20, count: count)) }
  }

  /// Decimal `value`, right-aligned in `width` (padded with spaces, or zeros).
  private func appendNumber(_ value: UInt64, width: Int = 0, zeros: Bool = false, to output: inout [UInt8]) {
    ExportBuffer.appendDecimal(value, width: width, zeros: zeros, to: &output)
  }
}
