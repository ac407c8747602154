extension ResidencyTimeline {
  /// Why a residency document cannot be read back, in words for the user.
  public struct ReadError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
  }

  /// The timeline `json` wrote (residency.json), read back for the exporter and the tests. The
  /// groups keep their names, layers and sizes; their ranges are not stored, so they come back
  /// empty.
  ///
  /// - Throws: `ReadError` naming what is missing or inconsistent.
  public init(document: JSONValue) throws {
    guard document["format"]?.string == "paramtrace-residency" else {
      throw ReadError(description: "not a paramtrace residency document (its \"format\" is not \"paramtrace-residency\")")
    }
    guard let groupValues = document["groups"]?.array, !groupValues.isEmpty else {
      throw ReadError(description: "its \"groups\" list is missing or empty")
    }
    let groups = try groupValues.enumerated().map { index, value in
      guard let bytes = value["bytes"]?.uint64 else { throw ReadError(description: "group \(index) has no \"bytes\"") }
      return ModelResidencyRanges.Group(layer: value["layer"]?.int, ranges: [], bytes: bytes)
    }
    let method = document["method"]?.string.flatMap(Method.init(rawValue:)) ?? .mincore
    self.init(groups: groups, method: method, intervalNanoseconds: document["interval_ns"]?.uint64 ?? 0)
    samplingNanoseconds = document["sampling_ns"]?.uint64 ?? 0
    stretchedIntervals = document["intervals_stretched_for_cost"]?.int ?? 0

    let times = document["time_ns"]?.array ?? []
    func rows(_ key: String, required: Bool) throws -> [[UInt64]] {
      guard let rows = document[key]?.array else {
        if required, !times.isEmpty { throw ReadError(description: "\"\(key)\" is missing") }
        return []
      }
      guard rows.count == times.count else {
        throw ReadError(description: "\"\(key)\" has \(rows.count) rows for \(times.count) sample times")
      }
      return try rows.enumerated().map { sample, row in
        guard let values = row.array?.compactMap(\.uint64), values.count == groups.count else {
          throw ReadError(description: "\"\(key)\" row \(sample) does not hold one whole number per group (\(groups.count))")
        }
        return values
      }
    }
    let resident = try rows("resident_bytes", required: true)
    let evicted = try rows("evicted_pages", required: false)
    let recent = try rows("recently_evicted_pages", required: false)
    for (sample, value) in times.enumerated() {
      guard let time = value.uint64 else { throw ReadError(description: "sample time \(sample) is not a whole number of nanoseconds") }
      append(
        time: time, resident: resident[sample], evicted: evicted.isEmpty ? [] : evicted[sample],
        recentlyEvicted: recent.isEmpty ? [] : recent[sample])
    }
  }
}
