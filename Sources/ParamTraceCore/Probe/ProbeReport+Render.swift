extension ProbeReport {
  /// The probe as JSON (`paramtrace probe --json`, and `probe` in a manifest): bytes, nanoseconds, rates per second.
  public var json: JSONValue {
    .object([
      ("format", .string("paramtrace-probe")),
      ("version", .number(1)),
      ("path", .string(path)),
      ("device", .string(device)),
      ("size_bytes", .number(sizeBytes)),
      ("method", .string(method)),
      ("seconds_per_test", .double(Double(nanosecondsPerTest) / 1e9)),
      ("results", .array(measurements.map(Self.measurementJSON))),
      ("skipped", .array(skipped.map { .object(Self.testMembers($0.test) + [("reason", .string($0.reason))]) })),
      ("best", best.map(Self.measurementJSON) ?? .null),
      ("warnings", .array(warnings.map { .string($0) })),
    ])
  }

  private static func testMembers(_ test: ProbeTest) -> [(String, JSONValue)] {
    [("pattern", .string(test.pattern.rawValue)), ("request_bytes", .number(test.requestBytes)), ("queue_depth", .number(test.queueDepth))]
  }

  private static func measurementJSON(_ m: ProbeMeasurement) -> JSONValue {
    .object(
      testMembers(m.test) + [
        ("operations", .number(m.operations)), ("bytes", .number(m.bytes)), ("elapsed_ns", .number(m.elapsedNanoseconds)),
        ("bytes_per_second", .double(m.bytesPerSecond)), ("operations_per_second", .double(m.operationsPerSecond)),
        ("latency_ns", TraceAnalysis.latencyJSON(m.latency)),
      ])
  }

  /// Reads back what `json` wrote (a manifest's `probe`, or a `probe --json` file); nil when
  /// it is not a probe.
  public init?(json: ParsedJSON) {
    guard json["format"]?.string == "paramtrace-probe", let results = json["results"]?.array else { return nil }
    var measurements: [ProbeMeasurement] = []
    for item in results {
      guard let test = Self.test(item), let operations = item["operations"]?.int, let bytes = item["bytes"]?.uint64,
        let elapsed = item["elapsed_ns"]?.uint64
      else { return nil }
      measurements.append(ProbeMeasurement(test: test, operations: operations, bytes: bytes, elapsedNanoseconds: elapsed, latency: nil))
    }
    self.init(
      path: json["path"]?.string ?? "?", device: json["device"]?.string ?? "?", sizeBytes: json["size_bytes"]?.uint64 ?? 0,
      method: json["method"]?.string ?? "", nanosecondsPerTest: UInt64((json["seconds_per_test"]?.double ?? 0) * 1e9),
      measurements: measurements,
      skipped: (json["skipped"]?.array ?? []).compactMap { item in Self.test(item).map { ($0, item["reason"]?.string ?? "") } },
      warnings: (json["warnings"]?.array ?? []).compactMap(\.string))
  }

  private static func test(_ item: ParsedJSON) -> ProbeTest? {
    guard let pattern = item["pattern"]?.string.flatMap(ProbeTest.Pattern.init(rawValue:)), let size = item["request_bytes"]?.uint64,
      let depth = item["queue_depth"]?.int
    else { return nil }
    return ProbeTest(pattern: pattern, requestBytes: size, queueDepth: depth)
  }

  /// The human table: one row per test, then the best.
  public var table: String {
    var lines = [
      "paramtrace probe: \(path) on \(device), \(HumanUnits.bytes(sizeBytes))",
      "Reads: \(method); \(formatFixed(Double(nanosecondsPerTest) / 1e9, 2)) s per test",
      "",
      "  " + HumanUnits.padRight("pattern", 12) + HumanUnits.pad("size", 9) + HumanUnits.pad("depth", 7) + HumanUnits.pad("MiB/s", 11)
        + HumanUnits.pad("IOPS", 10) + HumanUnits.pad("p50 (ms)", 10) + HumanUnits.pad("p99 (ms)", 10) + HumanUnits.pad("reads", 10),
    ]
    for m in measurements {
      lines.append(
        "  " + HumanUnits.padRight(m.test.pattern.rawValue, 12) + HumanUnits.pad(HumanUnits.size(m.test.requestBytes), 9)
          + HumanUnits.pad(String(m.test.queueDepth), 7) + HumanUnits.pad(formatFixed(m.bytesPerSecond / 1_048_576, 1), 11)
          + HumanUnits.pad(HumanUnits.grouped(Int(m.operationsPerSecond.rounded())), 10)
          + HumanUnits.pad(m.latency.map { HumanUnits.milliseconds($0.p50) } ?? "n/a", 10)
          + HumanUnits.pad(m.latency.map { HumanUnits.milliseconds($0.p99) } ?? "n/a", 10) + HumanUnits.pad(HumanUnits.grouped(m.operations), 10))
    }
    for (test, reason) in skipped { lines.append("  skipped: \(test.description): \(reason)") }
    lines.append("")
    if let best {
      lines.append("Best: \(best.test.description): \(HumanUnits.rate(best.bytesPerSecond)) (the bandwidth an I/O-bound ceiling uses)")
    } else {
      lines.append("No test ran.")
    }
    for warning in warnings { lines.append("Warning: \(warning)") }
    return lines.joined(separator: "\n") + "\n"
  }
}
