import Glibc

/// CLOCK_MONOTONIC: the clock of traces recorded with `trace_clock=mono`, so workload times
/// and trace times can be compared directly.
public enum MonotonicClock {
  /// Now, in nanoseconds.
  public static func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }
}
