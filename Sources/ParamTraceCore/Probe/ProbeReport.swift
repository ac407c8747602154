/// What one probe test measured.
public struct ProbeMeasurement: Sendable, Hashable {
  public var test: ProbeTest
  /// Reads completed, and their bytes.
  public var operations: Int
  public var bytes: UInt64
  /// From the start of the test to the end of its last read.
  public var elapsedNanoseconds: UInt64
  /// Per read, from the call to its return.
  public var latency: LatencySummary?

  public init(test: ProbeTest, operations: Int, bytes: UInt64, elapsedNanoseconds: UInt64, latencies: inout LatencyDistribution) {
    self.test = test
    self.operations = operations
    self.bytes = bytes
    self.elapsedNanoseconds = elapsedNanoseconds
    latency = LatencySummary(&latencies)
  }

  public init(test: ProbeTest, operations: Int, bytes: UInt64, elapsedNanoseconds: UInt64, latency: LatencySummary?) {
    self.test = test
    self.operations = operations
    self.bytes = bytes
    self.elapsedNanoseconds = elapsedNanoseconds
    self.latency = latency
  }

  /// Bytes per second over the test.
  public var bytesPerSecond: Double { elapsedNanoseconds == 0 ? 0 : Double(bytes) * 1e9 / Double(elapsedNanoseconds) }
  /// Reads per second.
  public var operationsPerSecond: Double { elapsedNanoseconds == 0 ? 0 : Double(operations) * 1e9 / Double(elapsedNanoseconds) }
}

/// The result of `paramtrace probe`: what the storage under one file (or one block device)
/// delivers to O_DIRECT reads, per request size, pattern and queue depth.
public struct ProbeReport: Sendable {
  /// The file or device read.
  public var path: String
  /// The disk, in words (`vda (254:0)`, `loop0 (7:0), backed by /dev/shm/x`).
  public var device: String
  /// Bytes of the file or device.
  public var sizeBytes: UInt64
  /// How each test read: `pread(2) with O_DIRECT, one thread per read in flight`.
  public var method: String
  public var nanosecondsPerTest: UInt64
  public var measurements: [ProbeMeasurement]
  /// Tests that could not run, with why (a request larger than the file).
  public var skipped: [(test: ProbeTest, reason: String)]
  /// What makes the figures not a disk's (a loop device over tmpfs).
  public var warnings: [String]

  public init(
    path: String, device: String, sizeBytes: UInt64, method: String, nanosecondsPerTest: UInt64, measurements: [ProbeMeasurement],
    skipped: [(test: ProbeTest, reason: String)] = [], warnings: [String] = []
  ) {
    self.path = path
    self.device = device
    self.sizeBytes = sizeBytes
    self.method = method
    self.nanosecondsPerTest = nanosecondsPerTest
    self.measurements = measurements
    self.skipped = skipped
    self.warnings = warnings
  }

  /// The test with the highest bandwidth: the most the device delivered.
  public var best: ProbeMeasurement? { measurements.max { $0.bytesPerSecond < $1.bytesPerSecond } }

  /// The bandwidth an I/O-bound ceiling divides by: the best test's.
  public var bandwidth: DeviceBandwidth? {
    guard let best, best.bytesPerSecond > 0 else { return nil }
    return DeviceBandwidth(
      bytesPerSecond: best.bytesPerSecond, source: .probe, detail: "paramtrace probe of \(path) on \(device): \(best.test.description), O_DIRECT")
  }
}
