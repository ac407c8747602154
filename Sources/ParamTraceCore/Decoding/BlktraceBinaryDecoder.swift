/// Decodes blktrace's binary records (`struct blk_io_trace`, version 7, spec §1.2): one
/// per-CPU `NAME.blktrace.N` file, a `blkparse -d` dump or `blktrace -o -` output.
///
/// The byte order comes from each record's magic. BLK_TN_PROCESS notes fill `comm` of the
/// later events of their pid (notes written to another CPU's file are not seen here: merge the
/// per-CPU streams with `MergedEventStream(_:fillingProcessNames: true)`); BLK_TN_MESSAGE
/// notes become `markers`; BLK_TN_TIMESTAMP notes are ignored. A bad magic throws when strict,
/// otherwise it is counted and the decoder skips to the next plausible record. Version 8
/// (`blk_io_trace2`) and other versions throw `.unsupportedVersion` in both modes.
public struct BlktraceBinaryDecoder: TraceDecoder {
  var reader: BlkIOTraceReader

  public init(options: DecoderOptions) {
    reader = BlkIOTraceReader(options: options, prefixLength: 0, acceptsLostEventLines: false)
  }

  public mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    try reader.decode(bytes, atEnd: atEnd, into: &events)
  }

  public var diagnostics: TraceDiagnostics { reader.diagnostics }
  public var markers: [TraceMarker] { reader.markers }
}
