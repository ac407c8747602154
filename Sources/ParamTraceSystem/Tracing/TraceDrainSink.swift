import ParamTraceCore

#if canImport(Glibc)
  import Glibc
#endif

/// Where the drain thread puts what it reads from `trace_pipe`. Used by the drain thread only
/// (and by the recorder after the thread has ended).
protocol TraceDrainSink: AnyObject {
  /// Free space to read into, at least 64 KiB (writing buffered output first when needed).
  func readSpace() throws(TraceRecorderError) -> UnsafeMutableRawBufferPointer
  /// `count` bytes were read into the space last handed out.
  func commit(_ count: Int) throws(TraceRecorderError)
  /// Markers to place in the output by time (the binary sink; the text sink has them in the stream).
  func add(markers: [TraceMarker])
  /// Nothing more to read for now: write out what has waited long enough.
  func idle() throws(TraceRecorderError)
  /// Writes out everything, syncs and closes the files.
  func finish() throws(TraceRecorderError)
  /// Closes the files without writing buffered output (after a failure).
  func abandon()
  /// Files and counters so far.
  var summary: TraceDrainSummary { get }
}

/// What a sink wrote.
struct TraceDrainSummary: Sendable {
  var files: [String]
  var bytesWritten: Int
  /// Lines (text) or records (binary, notes excluded).
  var records: Int
  /// Sum of the `CPU:N [LOST M EVENTS]` notices seen.
  var lostEventsInStream: Int
  /// Binary bytes that were not records.
  var skippedBytes: Int
}

/// Parses ftrace's `CPU:N [LOST M EVENTS]` (or `CPU:N [LOST EVENTS]`, an unknown number
/// counted as 1) in `bytes[start..<end]` (without the newline). Nil when it is not one.
func parseLostEventsNotice(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> (cpu: Int, lost: Int)? {
  func literal(_ text: StaticString, at index: Int) -> Bool {
    let count = text.utf8CodeUnitCount
    guard end - index >= count else { return false }
    let pointer = text.utf8Start
    for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
    return true
  }
  func number(_ index: inout Int) -> Int? {
    let first = index
    var value = 0
    while index < end, bytes[index] &- 0x30 < 10 {
      value = value &* 10 &+ Int(bytes[index] &- 0x30)
      index += 1
    }
    return index > first ? value : nil
  }
  var at = start
  guard literal("CPU:", at: at) else { return nil }
  at += 4
  guard let cpu = number(&at), literal(" [LOST ", at: at) else { return nil }
  at += 7
  if literal("EVENTS]", at: at) { return (cpu, 1) }
  guard let lost = number(&at), literal(" EVENTS]", at: at) else { return nil }
  return (cpu, lost)
}
