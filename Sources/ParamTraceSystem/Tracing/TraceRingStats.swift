/// The counters of one CPU's ring buffer (`per_cpu/cpuN/stats`, spec §3.3).
struct TraceRingStats: Sendable, Hashable {
  /// Integer fields under the kernel's names; the two times as `oldest event ts (ns)` and
  /// `now ts (ns)`.
  var fields: [String: Int]

  /// Parses lines such as `entries: 0`, `commit overrun: 0`, `oldest event ts:     0.000000`.
  init(parsing text: String) {
    var fields: [String: Int] = [:]
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = String(line[..<colon])
      let value = line[line.index(after: colon)...].trimmingBlanks()
      if let dot = value.firstIndex(of: ".") {
        let seconds = Int(value[..<dot]) ?? 0
        var fraction = String(value[value.index(after: dot)...].prefix(9))
        guard fraction.allSatisfy(\.isNumber) else { continue }
        while fraction.count < 9 { fraction += "0" }
        fields[key + " (ns)"] = seconds &* 1_000_000_000 &+ (Int(fraction) ?? 0)
      } else if let number = Int(value) {
        fields[key] = number
      }
    }
    self.fields = fields
  }

  init(fields: [String: Int]) { self.fields = fields }

  /// Events this CPU lost: overwritten before they were read (`overrun`), refused when the
  /// ring was full without overwrite (`dropped events`), and lost to nested writers
  /// (`commit overrun`).
  var lost: Int { (fields["overrun"] ?? 0) + (fields["dropped events"] ?? 0) + (fields["commit overrun"] ?? 0) }

  /// What the rings lost between two readings (counters' growth, summed over CPUs) and the
  /// events still in them at the second (unread).
  static func growth(from before: [Int: TraceRingStats], to after: [Int: TraceRingStats]) -> (lost: Int, unread: Int) {
    var lost = 0
    var unread = 0
    for (cpu, stats) in after {
      lost += max(0, stats.lost - (before[cpu]?.lost ?? 0))
      unread += max(0, stats.fields["entries"] ?? 0)
    }
    return (lost, unread)
  }

  /// Reads `per_cpu/cpuN/stats` for every CPU under `base` (an instance or the tracefs root).
  static func read(base: String) throws(TraceRecorderError) -> [Int: TraceRingStats] {
    var result: [Int: TraceRingStats] = [:]
    for cpu in Tracefs.cpus(in: base) {
      result[cpu] = TraceRingStats(parsing: try Tracefs.read("\(base)/per_cpu/cpu\(cpu)/stats"))
    }
    return result
  }
}

extension Substring {
  /// Without leading and trailing spaces and tabs.
  fileprivate func trimmingBlanks() -> Substring {
    var text = self
    while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
    while let last = text.last, last == " " || last == "\t" { text.removeLast() }
    return text
  }
}
