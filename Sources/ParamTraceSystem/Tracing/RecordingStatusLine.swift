import ParamTraceCore

#if canImport(Glibc)
  import Glibc
#endif

/// The one status line `record` keeps refreshed on a terminal while the workload runs:
/// elapsed time, read requests and MiB the traced disk completed so far (from
/// `/sys/block/DEV/stat`, which costs nothing per event: the trace itself is not parsed while
/// recording), the current read rate, events lost so far (the rings' counters) and the trace's
/// size on disk.
final class RecordingStatusLine {
  private let statPath: String
  private let started = MonotonicClock.nanoseconds()
  private let first: (requests: UInt64, sectors: UInt64)
  private var last: (time: UInt64, sectors: UInt64)
  private var shown = false

  init(diskName: String) {
    statPath = "/sys/block/\(diskName)/stat"
    first = Self.reads(statPath)
    last = (started, first.sectors)
  }

  /// Whether to show it: on a terminal, or when asked for (`--progress`).
  static func wanted(forced: Bool) -> Bool { forced || isatty(2) != 0 }

  /// Redraws the line.
  func update(lostEvents: Int, traceBytes: Int) {
    let now = MonotonicClock.nanoseconds()
    let reads = Self.reads(statPath)
    let rate = Double((reads.sectors &- last.sectors) * 512) / max(Double(now &- last.time) / 1e9, 1e-3)
    last = (now, reads.sectors)
    let text =
      "recording \(formatFixed(Double(now &- started) / 1e9, 1)) s · \(HumanUnits.grouped(Int(reads.requests &- first.requests))) reads, "
      + "\(HumanUnits.bytes((reads.sectors &- first.sectors) * 512)) from the disk · \(HumanUnits.rate(rate)) · "
      + "\(HumanUnits.grouped(lostEvents)) lost · trace \(HumanUnits.bytes(UInt64(traceBytes)))"
    // \r and clear to the end of the line: one line, redrawn in place.
    let line = "\r\(text)\u{1B}[K"
    _ = line.withCString { write(2, $0, strlen($0)) }
    shown = true
  }

  /// Ends the line so the next output starts on its own.
  func finish() {
    if shown { _ = write(2, "\n", 1) }
  }

  /// Completed read requests and sectors read, fields 1 and 3 of the disk's `stat`.
  private static func reads(_ path: String) -> (requests: UInt64, sectors: UInt64) {
    guard let text = try? Tracefs.read(path) else { return (0, 0) }
    let fields = text.split(separator: " ").compactMap { UInt64($0) }
    return fields.count >= 3 ? (fields[0], fields[2]) : (0, 0)
  }
}
