import ParamTraceCore

#if canImport(Glibc)
  import Glibc
#endif

/// The one status line `record` keeps refreshed on a terminal while the workload runs:
/// elapsed time, read requests and MiB of the model completed so far (a `ModelReadTally` of
/// the raw pages already written: the drains themselves parse nothing), the current rate,
/// events lost so far (the rings' counters) and the trace's size on disk. Without a raw
/// recording or a known model, the disk's own counters (`/sys/block/DEV/stat`) stand in, and
/// the line says "from the disk".
final class RecordingStatusLine {
  private let statPath: String
  private let started = MonotonicClock.nanoseconds()
  private let first: (requests: UInt64, sectors: UInt64)
  private var last: (time: UInt64, sectors: UInt64)
  private var shown = false
  private let model: ModelReadTally?
  private var lastModelBytes: UInt64 = 0

  init(diskName: String, model: ModelReadTally? = nil) {
    statPath = "/sys/block/\(diskName)/stat"
    first = Self.reads(statPath)
    last = (started, first.sectors)
    self.model = model
  }

  /// Whether to show it: on a terminal, or when asked for (`--progress`).
  static func wanted(forced: Bool) -> Bool { forced || isatty(2) != 0 }

  /// Redraws the line.
  func update(lostEvents: Int, traceBytes: Int) {
    let now = MonotonicClock.nanoseconds()
    let seconds = max(Double(now &- last.time) / 1e9, 1e-3)
    var readsText: String
    if let model {
      let totals = model.update()
      let rate = Double(totals.bytes &- lastModelBytes) / seconds
      lastModelBytes = totals.bytes
      last = (now, 0)
      readsText =
        "\(HumanUnits.grouped(Int(totals.requests))) reads, \(HumanUnits.bytes(totals.bytes)) of the model · \(HumanUnits.rate(rate))"
    } else {
      let reads = Self.reads(statPath)
      let rate = Double((reads.sectors &- last.sectors) * 512) / seconds
      last = (now, reads.sectors)
      readsText =
        "\(HumanUnits.grouped(Int(reads.requests &- first.requests))) reads, "
        + "\(HumanUnits.bytes((reads.sectors &- first.sectors) * 512)) from the disk · \(HumanUnits.rate(rate))"
    }
    let text =
      "recording \(formatFixed(Double(now &- started) / 1e9, 1)) s · \(readsText) · "
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
