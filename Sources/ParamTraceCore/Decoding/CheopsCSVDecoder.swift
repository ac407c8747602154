/// Decodes the CSV of the CHEOPS'25 bpftrace script `bio-bite-size.bt` (spec §4):
/// `NSECS, RWBS, BYTES, SECTOR, NR_SECTOR`, one `block_rq_issue` per line.
///
/// Every line becomes an `.issue` at request level with time in CLOCK_MONOTONIC ns. The CSV
/// names neither device nor task: the device is `DeviceNumber(raw: 0)`, the pid 0 and the comm
/// empty. bpftrace's own lines are ignored: `Attaching N probes...` at the start and the maps it
/// prints at exit (`@name[...]: value`); any other line is malformed, so a second format in the
/// file is counted, never dropped silently.
public struct CheopsCSVDecoder: TraceDecoder {
  private var reader: TextLineReader
  private var parser = Parser()

  /// A decoder for one input; `options.sourceName` names it in errors.
  public init(options: DecoderOptions) {
    reader = TextLineReader(options: options)
  }

  /// Ignored, malformed and lost lines so far.
  public var diagnostics: TraceDiagnostics { reader.sink.diagnostics }
  /// Marker lines so far, in input order.
  public var markers: [TraceMarker] { reader.sink.markers }

  /// Decodes the whole lines in `bytes` (and a last partial one when `atEnd`); see `TraceDecoder`.
  public mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    try reader.decode(&parser, bytes, atEnd: atEnd, into: &events)
  }

  struct Parser: TextLineParser {
    @inline(__always)
    mutating func parseLine(
      _ bytes: UnsafeRawBufferPointer, start: Int, end: Int,
      into events: inout ContiguousArray<BlockEvent>, sink: inout TextLineSink
    ) -> TextLineOutcome {
      guard ByteScan.isDigit(bytes[start]) else {
        if ByteScan.hasPrefix("Attaching ", bytes, at: start, end: end) || bytes[start] == UInt8(ascii: "@") { return .ignored }
        return .malformed(expected: "`NSECS, RWBS, BYTES, SECTOR, NR_SECTOR` (or bpftrace's `Attaching` line)")
      }
      var at = start
      guard let time = ByteScan.unsigned(bytes, &at, end), Self.comma(bytes, &at, end) else {
        return .malformed(expected: "`NSECS, RWBS, BYTES, SECTOR, NR_SECTOR`")
      }
      let rwbsStart = at
      while at < end, bytes[at] != UInt8(ascii: ","), !ByteScan.isBlank(bytes[at]) { at += 1 }
      guard var flags = RWBS.parse(bytes, start: rwbsStart, end: at) else {
        return .malformed(expected: "RWBS flags in the second column")
      }
      guard Self.comma(bytes, &at, end), ByteScan.unsigned(bytes, &at, end) != nil, Self.comma(bytes, &at, end),
        let sector = ByteScan.unsigned(bytes, &at, end), Self.comma(bytes, &at, end),
        let count = ByteScan.unsigned(bytes, &at, end), count <= UInt64(UInt32.max)
      else {
        return .malformed(expected: "`NSECS, RWBS, BYTES, SECTOR, NR_SECTOR`")
      }
      ByteScan.skipBlanks(bytes, &at, end)
      guard at == end else { return .malformed(expected: "nothing after NR_SECTOR") }
      flags.insert(.requestLevel)
      events.append(
        BlockEvent(
          time: time, sector: sector, sectors: UInt32(truncatingIfNeeded: count), device: DeviceNumber(raw: 0),
          pid: 0, action: .issue, flags: flags))
      return .event
    }

    /// Skips blanks, one comma and blanks.
    @inline(__always)
    static func comma(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, _ end: Int) -> Bool {
      ByteScan.skipBlanks(bytes, &at, end)
      guard at < end, bytes[at] == UInt8(ascii: ",") else { return false }
      at += 1
      ByteScan.skipBlanks(bytes, &at, end)
      return true
    }
  }
}
