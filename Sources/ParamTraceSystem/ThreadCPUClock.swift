import Glibc

/// CLOCK_THREAD_CPUTIME_ID: the CPU time (user and system) the calling thread has used. What
/// the recorder's own work costs the workload is this, not the wall time around it: on a
/// 2-core VM the workload's threads preempt the recorder, and that wait costs them nothing.
public enum ThreadCPUClock {
  /// The calling thread's CPU time so far, in nanoseconds.
  public static func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }
}
