/// One of the seven trace decoders, chosen at run time by `TraceFormat`, dispatched with a
/// `switch` (no existentials).
public struct AnyTraceDecoder: TraceDecoder {
  private enum Storage {
    case blktrace(BlktraceBinaryDecoder)
    case kernelBinary(KernelBlkBinaryDecoder)
    case blkparse(BlkparseTextDecoder)
    case ftraceBlk(FtraceBlkTextDecoder)
    case tracepoint(TracepointTextDecoder)
    case cheopsCSV(CheopsCSVDecoder)
    case ftraceRaw(FtraceRawDecoder)
    /// Held only while a decoder is out being mutated, so its state is not copied.
    case moving
  }

  private var storage: Storage
  /// The format being decoded.
  public let format: TraceFormat

  /// `rawFormats` and `cpu` are for `.ftraceRaw` (the recording's saved event layouts and the
  /// CPU the pages came from); without them no raw event can be decoded.
  public init(format: TraceFormat, options: DecoderOptions, rawFormats: FtraceRawFormats? = nil, cpu: UInt16 = 0) {
    self.format = format
    switch format {
    case .blktrace: storage = .blktrace(BlktraceBinaryDecoder(options: options))
    case .kernelBinary: storage = .kernelBinary(KernelBlkBinaryDecoder(options: options))
    case .blkparse: storage = .blkparse(BlkparseTextDecoder(options: options))
    case .ftraceBlk: storage = .ftraceBlk(FtraceBlkTextDecoder(options: options))
    case .tracepoint: storage = .tracepoint(TracepointTextDecoder(options: options))
    case .cheopsCSV: storage = .cheopsCSV(CheopsCSVDecoder(options: options))
    case .ftraceRaw: storage = .ftraceRaw(FtraceRawDecoder(options: options, formats: rawFormats ?? FtraceRawFormats(), cpu: cpu))
    }
  }

  public mutating func decode(
    _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into events: inout ContiguousArray<BlockEvent>
  ) throws(TraceParseError) -> Int {
    switch storage {
    case .blktrace(var decoder):
      storage = .moving
      defer { storage = .blktrace(decoder) }
      return try decoder.decode(bytes, atEnd: atEnd, into: &events)
    case .kernelBinary(var decoder):
      storage = .moving
      defer { storage = .kernelBinary(decoder) }
      return try decoder.decode(bytes, atEnd: atEnd, into: &events)
    case .blkparse(var decoder):
      storage = .moving
      defer { storage = .blkparse(decoder) }
      return try decoder.decode(bytes, atEnd: atEnd, into: &events)
    case .ftraceBlk(var decoder):
      storage = .moving
      defer { storage = .ftraceBlk(decoder) }
      return try decoder.decode(bytes, atEnd: atEnd, into: &events)
    case .tracepoint(var decoder):
      storage = .moving
      defer { storage = .tracepoint(decoder) }
      return try decoder.decode(bytes, atEnd: atEnd, into: &events)
    case .cheopsCSV(var decoder):
      storage = .moving
      defer { storage = .cheopsCSV(decoder) }
      return try decoder.decode(bytes, atEnd: atEnd, into: &events)
    case .ftraceRaw(var decoder):
      storage = .moving
      defer { storage = .ftraceRaw(decoder) }
      return try decoder.decode(bytes, atEnd: atEnd, into: &events)
    case .moving:
      preconditionFailure("AnyTraceDecoder used while decoding")
    }
  }

  public var diagnostics: TraceDiagnostics {
    switch storage {
    case .blktrace(let decoder): decoder.diagnostics
    case .kernelBinary(let decoder): decoder.diagnostics
    case .blkparse(let decoder): decoder.diagnostics
    case .ftraceBlk(let decoder): decoder.diagnostics
    case .tracepoint(let decoder): decoder.diagnostics
    case .cheopsCSV(let decoder): decoder.diagnostics
    case .ftraceRaw(let decoder): decoder.diagnostics
    case .moving: TraceDiagnostics()
    }
  }

  public var markers: [TraceMarker] {
    switch storage {
    case .blktrace(let decoder): decoder.markers
    case .kernelBinary(let decoder): decoder.markers
    case .blkparse(let decoder): decoder.markers
    case .ftraceBlk(let decoder): decoder.markers
    case .tracepoint(let decoder): decoder.markers
    case .cheopsCSV(let decoder): decoder.markers
    case .ftraceRaw(let decoder): decoder.markers
    case .moving: []
    }
  }
}
