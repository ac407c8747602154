import CParamTraceShims
import Foundation
import SystemPackage

@testable import ParamTraceSystem

/// What the kernel's own reclaim took from a file's page cache: tests that look at a file's
/// residency twice allow for it. This VM runs a DAMON pageout scheme (ProactiveReclaim) that
/// evicts page cache without memory pressure: a freshly read 512 MiB file lost 10 % of its
/// pages in 25 s here, with 21 GB free.
enum PageCacheReclaim {
  /// Bytes of the file that reclaim (not DONTNEED, which leaves no trace) evicted and that
  /// were not read back since: cachestat's nr_evicted, shadow entries in the file's cache.
  /// DONTNEED also removes the shadow entries, so after one this counts from zero.
  static func bytes(_ path: String) throws -> UInt64 {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileAccessError("open", path, Errno(rawValue: errno)) }
    defer { close(fd) }
    var counts = [UInt64](repeating: 0, count: 5)
    let size = UInt64(lseek(fd, 0, SEEK_END))
    guard paramtrace_cachestat(fd, 0, size, &counts) == 0 else { return 0 }
    return counts[3] * UInt64(sysconf(Int32(_SC_PAGESIZE)))
  }
}
