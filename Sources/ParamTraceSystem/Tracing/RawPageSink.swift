import ParamTraceCore

/// Writes the ring-buffer pages one CPU's `trace_pipe_raw` hands out to one file, as they
/// are (DESIGN.md lesson 11: the kernel formats nothing, the drain parses nothing), in large
/// writes. Each read returns one whole page; the file is a sequence of pages.
final class RawPageSink: TraceDrainSink {
  /// 4 MiB buffered, written at 2 MiB; a read is offered 256 KiB though a page is returned per
  /// call, so it only has to hold one.
  let buffer: DrainBuffer
  let pageSize: Int
  private var pages = 0

  init(path: String, pageSize: Int) throws(TraceRecorderError) {
    buffer = try DrainBuffer(path: path, capacity: 4 << 20, writeThreshold: 2 << 20, readChunk: 256 << 10)
    self.pageSize = pageSize
  }

  func readSpace() throws(TraceRecorderError) -> UnsafeMutableRawBufferPointer { try buffer.readSpace() }

  func commit(_ read: Int) throws(TraceRecorderError) {
    pages += read / max(1, pageSize)
    try buffer.commit(read)
  }

  func add(markers: [TraceMarker]) {}

  func idle() throws(TraceRecorderError) { try buffer.writeIfStale() }

  func finish() throws(TraceRecorderError) { try buffer.finish() }

  func abandon() { buffer.file.abandon() }

  var summary: TraceDrainSummary {
    TraceDrainSummary(files: [buffer.file.path], bytesWritten: buffer.totalBytes, records: pages, lostEventsInStream: 0, skippedBytes: 0)
  }
}
