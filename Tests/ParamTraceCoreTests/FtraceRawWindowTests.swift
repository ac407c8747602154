import Testing

@testable import ParamTraceCore

/// The `== window` section of a raw recording's formats file (a handoff to larger rings): each
/// set of files keeps only its CPU's events on its side of the cut, both sides exclusive.
@Suite struct FtraceRawWindowTests {
  @Test func windowsReadBackAsWritten() throws {
    let windows: [UInt16: FtraceRawFormats.Window] = [0: .init(keepAfter: 5, keepBefore: 90), 1: .init(keepBefore: 70), 3: .init(keepAfter: 8)]
    let text = FtraceRawEncoder.standardFormats + FtraceRawFormats.windowSection(windows)
    let formats = try FtraceRawFormats(parsing: text)
    #expect(formats.windows == windows)
    #expect(formats.layoutsByID.compactMap { $0 }.count == (try FtraceRawFormats(parsing: FtraceRawEncoder.standardFormats)).layoutsByID.compactMap { $0 }.count)
    #expect(throws: TraceParseError.self) { try FtraceRawFormats(parsing: FtraceRawEncoder.standardFormats + "== window\ncpu 0 keep_until 5\n") }
  }

  /// Events at 1000, 2000, … 10000 ns on CPU 0: a cut at 4000 keeps 1000–3000 before it and
  /// 5000–10000 after it; the event at the cut itself (the handoff's own rename) in neither.
  @Test func theDecoderKeepsItsSideOfTheCut() throws {
    var encoder = try FtraceRawEncoder(cpu: 0)
    var pages: [UInt8] = []
    for index in 1...10 {
      encoder.append(
        BlockEvent(time: UInt64(index) * 1000, sector: UInt64(index) * 8, sectors: 8, device: DeviceNumber(raw: 1), pid: 1, cpu: 0, action: .queue, flags: [.read]),
        to: &pages)
    }
    encoder.flush(to: &pages)
    func times(_ window: FtraceRawFormats.Window?) throws -> [UInt64] {
      var formats = encoder.formats
      if let window { formats.windows = [0: window] }
      var decoder = FtraceRawDecoder(options: DecoderOptions(strict: true), formats: formats, cpu: 0)
      var events = ContiguousArray<BlockEvent>()
      _ = try pages.withUnsafeBytes { try decoder.decode($0, atEnd: true, into: &events) }
      return events.map(\.time)
    }
    #expect(try times(nil) == (1...10).map { UInt64($0) * 1000 })
    #expect(try times(.init(keepBefore: 4000)) == [1000, 2000, 3000])
    #expect(try times(.init(keepAfter: 4000)) == [5000, 6000, 7000, 8000, 9000, 10000])
    #expect(try times(.init(keepAfter: 2000, keepBefore: 6000)) == [3000, 4000, 5000])
    // Another CPU's window does not apply.
    var other = encoder.formats
    other.windows = [1: .init(keepBefore: 1)]
    var decoder = FtraceRawDecoder(options: DecoderOptions(strict: true), formats: other, cpu: 0)
    var events = ContiguousArray<BlockEvent>()
    _ = try pages.withUnsafeBytes { try decoder.decode($0, atEnd: true, into: &events) }
    #expect(events.count == 10)
  }
}
