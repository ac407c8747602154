import ParamTraceCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writes the ring-buffer pages one CPU's `trace_pipe_raw` hands out to one file, as they
/// are (docs/metrics.md lesson 11: the kernel formats nothing, the drain parses nothing), in large
/// writes. Each read returns one whole page; the file is a sequence of pages.
final class RawPageSink: TraceDrainSink {
  static let capacity = 4 << 20
  static let writeThreshold = 2 << 20
  /// Bytes offered per read(2): a page is returned per call, so this only has to hold one.
  static let readChunk = 256 << 10

  let file: TraceOutputFile
  let pageSize: Int
  private let buffer: UnsafeMutableRawBufferPointer
  private var count = 0
  private var pages = 0
  private var lastWrite = MonotonicClock.nanoseconds()

  init(path: String, pageSize: Int) throws(TraceRecorderError) {
    file = try TraceOutputFile(path: path)
    self.pageSize = pageSize
    buffer = .allocate(byteCount: Self.capacity, alignment: 4096)
  }

  deinit { buffer.deallocate() }

  func readSpace() throws(TraceRecorderError) -> UnsafeMutableRawBufferPointer {
    if Self.capacity - count < Self.readChunk { try writeBuffered() }
    return UnsafeMutableRawBufferPointer(rebasing: buffer[count..<min(Self.capacity, count + Self.readChunk)])
  }

  func commit(_ read: Int) throws(TraceRecorderError) {
    count += read
    pages += read / max(1, pageSize)
    if count >= Self.writeThreshold { try writeBuffered() }
  }

  func add(markers: [TraceMarker]) {}

  func idle() throws(TraceRecorderError) {
    if count > 0, MonotonicClock.nanoseconds() &- lastWrite >= 1_000_000_000 { try writeBuffered() }
  }

  func finish() throws(TraceRecorderError) {
    try writeBuffered()
    try file.finish()
  }

  func abandon() { file.abandon() }

  var summary: TraceDrainSummary {
    TraceDrainSummary(files: [file.path], bytesWritten: file.bytesWritten + count, records: pages, lostEventsInStream: 0, skippedBytes: 0)
  }

  private func writeBuffered() throws(TraceRecorderError) {
    guard count > 0 else { return }
    try file.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    count = 0
    lastWrite = MonotonicClock.nanoseconds()
  }
}
