/// Decodes the ftrace `blk` tracer's binary output (`options/bin=1`, spec §3.1):
/// a `# tracer: blk\n#\n` header, then per record u32 pid, u32 cpu, u64 ts (the context-info
/// prefix, native byte order) followed by a version-7 `struct blk_io_trace` with sequence 0
/// and its pdu.
///
/// Also reads the output without the header or without the 16-byte prefix
/// (`options/context-info=0`): the layout is decided from the first record. The kernel writes
/// no PROCESS notes here, so `comm` stays empty. ftrace's `CPU:N [LOST n EVENTS]` lines between
/// records are counted in `diagnostics.lostEvents`.
public struct KernelBlkBinaryDecoder: TraceDecoder {
  var reader: BlkIOTraceReader
  /// Header and prefix layout not decided yet.
  var sawStart = false

  /// The text header ftrace prints before the records.
  static let header: StaticString = "# tracer: blk\n#\n"
  /// Bytes of the context-info prefix: u32 pid, u32 cpu, u64 ts.
  static let contextPrefixLength = 16

  public init(options: DecoderOptions) {
    reader = BlkIOTraceReader(
      options: options, prefixLength: Self.contextPrefixLength, acceptsLostEventLines: true)
  }

  public mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    var skipped = 0
    if !sawStart {
      let headerLength = Self.header.utf8CodeUnitCount
      let needed = headerLength + Self.contextPrefixLength + 4
      if bytes.count < needed, !atEnd { return 0 }  // decide on a whole first record
      if ByteScan.hasPrefix(Self.header, bytes, at: 0, end: bytes.count) {
        skipped = headerLength
        reader.diagnostics.ignoredLines += 2
      }
      reader.prefixLength = Self.hasMagic(bytes, at: skipped) ? 0 : Self.contextPrefixLength
      reader.streamOffset = skipped
      sawStart = true
    }
    let rest = UnsafeRawBufferPointer(rebasing: bytes[skipped...])
    return try skipped + reader.decode(rest, atEnd: atEnd, into: &events)
  }

  /// True when a blktrace magic (either byte order) starts at `offset`.
  static func hasMagic(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
    guard bytes.count - offset >= 4 else { return false }
    return BlkIOTraceReader.magicInfo(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) != nil
  }

  public var diagnostics: TraceDiagnostics { reader.diagnostics }
  public var markers: [TraceMarker] { reader.markers }
}
