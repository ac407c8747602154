import ParamTraceCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writes tracefs event text from `trace_pipe` to one file as it comes, in large writes
/// (about 1 MiB, or whatever waited a second), counting lines and `[LOST M EVENTS]` notices.
final class TextTraceSink: TraceDrainSink {
  /// 2 MiB buffered, written at 1 MiB, so reads always find room; `trace_pipe` returns at most
  /// a page or two per call anyway.
  let buffer: DrainBuffer
  /// Longest line start kept to recognize a LOST notice.
  static let headLength = 48

  private var lines = 0
  private var lost = 0
  /// The first bytes of the current line (it may span reads).
  private let head: UnsafeMutableRawBufferPointer
  private var headCount = 0

  /// Creates `path` and buffers `header` (for example `# tracer: nop\n#\n`) to be written first.
  init(path: String, header: String) throws(TraceRecorderError) {
    buffer = try DrainBuffer(path: path, capacity: 2 << 20, writeThreshold: 1 << 20, readChunk: 256 << 10)
    head = .allocate(byteCount: Self.headLength, alignment: 8)
    buffer.prepend(header)
  }

  deinit { head.deallocate() }

  func readSpace() throws(TraceRecorderError) -> UnsafeMutableRawBufferPointer { try buffer.readSpace() }

  func commit(_ read: Int) throws(TraceRecorderError) {
    scan(from: buffer.count, to: buffer.count + read)
    try buffer.commit(read)
  }

  func add(markers: [TraceMarker]) {}

  func idle() throws(TraceRecorderError) { try buffer.writeIfStale() }

  func finish() throws(TraceRecorderError) { try buffer.finish() }

  func abandon() { buffer.file.abandon() }

  var summary: TraceDrainSummary {
    TraceDrainSummary(
      files: [buffer.file.path], bytesWritten: buffer.totalBytes, records: lines, lostEventsInStream: lost, skippedBytes: 0)
  }

  /// Counts the lines ending in `buffer[start..<end]` and the LOST notices among them.
  private func scan(from start: Int, to end: Int) {
    let base = UnsafeRawBufferPointer(buffer.bytes)
    var at = start
    while at < end {
      let newline: Int
      if let found = memchr(base.baseAddress! + at, 0x0A, end - at) {
        newline = base.baseAddress!.distance(to: UnsafeRawPointer(found))
      } else {
        newline = end
      }
      let take = min(Self.headLength - headCount, newline - at)
      if take > 0 {
        (head.baseAddress! + headCount).copyMemory(from: base.baseAddress! + at, byteCount: take)
        headCount += take
      }
      guard newline < end else { break }
      lines += 1
      if headCount > 4, head[0] == 0x43 /* C */,
        let notice = parseLostEventsNotice(UnsafeRawBufferPointer(head), start: 0, end: headCount)
      {
        lost += notice.lost
      }
      headCount = 0
      at = newline + 1
    }
  }
}
