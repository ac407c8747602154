/// The buffering both `trace_pipe` sinks share: reads land in one large aligned buffer, which
/// goes to the trace file in large writes, when `writeThreshold` bytes wait or when bytes have
/// waited a second (so a slow trace still reaches the disk).
final class DrainBuffer {
  let file: TraceOutputFile
  let capacity: Int
  let writeThreshold: Int
  /// Bytes offered per read(2).
  let readChunk: Int
  let bytes: UnsafeMutableRawBufferPointer
  /// Bytes waiting to be written, from the buffer's start.
  private(set) var count = 0
  private var lastWrite = MonotonicClock.nanoseconds()

  init(path: String, capacity: Int, writeThreshold: Int, readChunk: Int) throws(TraceRecorderError) {
    file = try TraceOutputFile(path: path)
    self.capacity = capacity
    self.writeThreshold = writeThreshold
    self.readChunk = readChunk
    bytes = .allocate(byteCount: capacity, alignment: 4096)
  }

  deinit { bytes.deallocate() }

  /// Room for the next read, after writing what waits when less than a chunk is free.
  func readSpace() throws(TraceRecorderError) -> UnsafeMutableRawBufferPointer {
    if capacity - count < readChunk { try write() }
    return UnsafeMutableRawBufferPointer(rebasing: bytes[count..<min(capacity, count + readChunk)])
  }

  /// Keeps `read` more bytes (at `count` before the call), writing when enough wait.
  func commit(_ read: Int) throws(TraceRecorderError) {
    count += read
    if count >= writeThreshold { try write() }
  }

  /// Puts `header` first (before any read).
  func prepend(_ header: String) {
    var header = header
    header.withUTF8 { utf8 in
      bytes.baseAddress!.copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
      count = utf8.count
    }
  }

  /// Writes what has waited a second or more.
  func writeIfStale() throws(TraceRecorderError) {
    if count > 0, MonotonicClock.nanoseconds() &- lastWrite >= 1_000_000_000 { try write() }
  }

  /// Writes everything and syncs the file.
  func finish() throws(TraceRecorderError) {
    try write()
    try file.finish()
  }

  /// Bytes written and waiting.
  var totalBytes: Int { file.bytesWritten + count }

  private func write() throws(TraceRecorderError) {
    guard count > 0 else { return }
    try file.write(UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
    count = 0
    lastWrite = MonotonicClock.nanoseconds()
  }
}
