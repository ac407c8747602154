/// One measurement of `paramtrace probe`: reads of one size, in one pattern, at one queue depth.
public struct ProbeTest: Sendable, Hashable {
  /// Where each read goes.
  public enum Pattern: String, Sendable, Hashable, CaseIterable {
    /// The next request-sized chunk of the file after the last one handed out (wrapping at
    /// the end): at depth 32 the requests in flight are 32 neighbouring chunks.
    case sequential
    /// A request-aligned chunk anywhere in the file, from a seeded generator.
    case random
  }

  public var pattern: Pattern
  /// Bytes per read: a multiple of 4 KiB (O_DIRECT alignment).
  public var requestBytes: UInt64
  /// Reads kept in flight at once.
  public var queueDepth: Int

  public init(pattern: Pattern, requestBytes: UInt64, queueDepth: Int) {
    self.pattern = pattern
    self.requestBytes = requestBytes
    self.queueDepth = queueDepth
  }

  /// `sequential 1 MiB reads, queue depth 32`.
  public var description: String { "\(pattern.rawValue) \(HumanUnits.size(requestBytes)) reads, queue depth \(queueDepth)" }
}

/// What `paramtrace probe` measures: every request size × both patterns × every queue depth,
/// a few seconds each.
public struct ProbePlan: Sendable, Hashable {
  /// The sizes always measured: a page, the usual read-ahead, and the large requests mmap
  /// read-around makes (virtio splits at about 1 MiB, a loop device at 4 MiB here).
  public static let standardSizes: [UInt64] = [4 << 10, 128 << 10, 1 << 20, 4 << 20]
  /// One read in flight (a lone faulting thread), and 32 (NVMe-class queues, readahead in parallel).
  public static let standardDepths = [1, 32]
  /// O_DIRECT needs offsets, sizes and buffers aligned to the device's logical block; 4 KiB
  /// covers every disk in use.
  public static let alignment: UInt64 = 4096

  /// The tests, smallest size first, sequential before random, shallow before deep.
  public var tests: [ProbeTest]
  /// How long each test reads, in nanoseconds.
  public var nanosecondsPerTest: UInt64

  /// - Parameter extraSizes: sizes to measure besides the standard ones (the request sizes a
  ///   trace shows); each is rounded up to a multiple of 4 KiB.
  public init(extraSizes: [UInt64] = [], sizes: [UInt64]? = nil, depths: [Int] = standardDepths, secondsPerTest: Double = 2) {
    let chosen = (sizes ?? Self.standardSizes) + extraSizes
    let aligned = Set(chosen.filter { $0 > 0 }.map { ($0 + Self.alignment - 1) / Self.alignment * Self.alignment }).sorted()
    var tests: [ProbeTest] = []
    for size in aligned {
      for pattern in ProbeTest.Pattern.allCases {
        for depth in Set(depths.filter { $0 > 0 }).sorted() { tests.append(ProbeTest(pattern: pattern, requestBytes: size, queueDepth: depth)) }
      }
    }
    self.tests = tests
    nanosecondsPerTest = UInt64(max(secondsPerTest, 0.001) * 1e9)
  }

  /// The request sizes an experiment's analysis shows: its median and p90 (nil keys left out).
  public static func requestSizes(fromAnalysis analysis: ParsedJSON) -> [UInt64] {
    ["request_size_median_bytes", "request_size_p90_bytes"].compactMap { analysis[$0]?.uint64 }.filter { $0 > 0 }
  }
}
