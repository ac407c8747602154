#if canImport(Glibc)
  import Glibc
#endif

/// CPU time of this process (every thread: the drains, the wait loop), for the manifest: what
/// recording cost the machine besides the kernel's own tracing.
public struct RecorderCPU: Sendable, Hashable {
  public var userSeconds: Double
  public var systemSeconds: Double
  public var wallSeconds: Double

  /// This process's usage so far, stamped with CLOCK_MONOTONIC.
  public static func now() -> RecorderCPU {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return RecorderCPU(
      userSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
      systemSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
      wallSeconds: Double(MonotonicClock.nanoseconds()) / 1e9)
  }

  /// The usage between `earlier` and this one.
  public func since(_ earlier: RecorderCPU) -> RecorderCPU {
    RecorderCPU(
      userSeconds: userSeconds - earlier.userSeconds, systemSeconds: systemSeconds - earlier.systemSeconds,
      wallSeconds: wallSeconds - earlier.wallSeconds)
  }

  /// User and system time over wall time: 0.01 is 1 % of one core.
  public var shareOfOneCore: Double { wallSeconds > 0 ? (userSeconds + systemSeconds) / wallSeconds : 0 }
}
