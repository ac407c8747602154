import ParamTraceCore

#if canImport(Glibc)
  import Glibc
#endif

/// Writes tracefs event text from `trace_pipe` to one file as it comes, in large writes
/// (about 1 MiB, or whatever waited a second), counting lines and `[LOST M EVENTS]` notices.
final class TextTraceSink: TraceDrainSink {
  /// Buffer size; output is written when 1 MiB is buffered, so reads always find room.
  static let capacity = 2 << 20
  static let writeThreshold = 1 << 20
  /// Bytes offered per read(2); `trace_pipe` returns at most a page or two per call anyway.
  static let readChunk = 256 << 10
  /// Longest line start kept to recognize a LOST notice.
  static let headLength = 48

  let file: TraceOutputFile
  private let buffer: UnsafeMutableRawBufferPointer
  private var count = 0
  private var lastWrite = MonotonicClock.nanoseconds()
  private var lines = 0
  private var lost = 0
  /// The first bytes of the current line (it may span reads).
  private let head: UnsafeMutableRawBufferPointer
  private var headCount = 0

  /// Creates `path` and buffers `header` (for example `# tracer: nop\n#\n`) to be written first.
  init(path: String, header: String) throws(TraceRecorderError) {
    file = try TraceOutputFile(path: path)
    buffer = .allocate(byteCount: Self.capacity, alignment: 4096)
    head = .allocate(byteCount: Self.headLength, alignment: 8)
    var header = header
    header.withUTF8 { utf8 in
      buffer.baseAddress!.copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
      count = utf8.count
    }
  }

  deinit {
    buffer.deallocate()
    head.deallocate()
  }

  func readSpace() throws(TraceRecorderError) -> UnsafeMutableRawBufferPointer {
    if Self.capacity - count < Self.readChunk { try writeBuffered() }
    return UnsafeMutableRawBufferPointer(rebasing: buffer[count..<min(Self.capacity, count + Self.readChunk)])
  }

  func commit(_ read: Int) throws(TraceRecorderError) {
    scan(from: count, to: count + read)
    count += read
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
    TraceDrainSummary(
      files: [file.path], bytesWritten: file.bytesWritten + count, records: lines, lostEventsInStream: lost,
      skippedBytes: 0)
  }

  private func writeBuffered() throws(TraceRecorderError) {
    guard count > 0 else { return }
    try file.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    count = 0
    lastWrite = MonotonicClock.nanoseconds()
  }

  /// Counts the lines ending in `buffer[start..<end]` and the LOST notices among them.
  private func scan(from start: Int, to end: Int) {
    let base = UnsafeRawBufferPointer(buffer)
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
