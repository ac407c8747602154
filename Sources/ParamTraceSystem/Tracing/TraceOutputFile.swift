import CParamTraceShims
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// A trace file on disk, written sequentially with plain write(2) in large pieces.
///
/// The recorder must not take page cache from the workload it measures. The trace's own page
/// cache is small next to a model (tens of MB against GBs) and is written strictly
/// sequentially, but dirty pages would still pile up until the flusher runs. So every
/// `window` bytes the file starts writeback of the new window (sync_file_range WRITE, no wait)
/// and drops the window before it, whose writeback started one window earlier, from the page
/// cache (posix_fadvise DONTNEED). At most about two windows of the trace stay cached.
final class TraceOutputFile {
  /// Bytes between writeback kicks and cache drops.
  static let window = 8 << 20

  let path: String
  private var fd: Int32
  /// Bytes written so far (the file size).
  private(set) var bytesWritten = 0
  private var writebackStartedUpTo = 0
  private var droppedUpTo = 0

  /// Creates (or truncates) `path`, mode 0644.
  init(path: String) throws(TraceRecorderError) {
    self.path = path
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw TraceRecorderError(.output(operation: "create", errno: Errno(rawValue: errno), bytesKept: 0), path: path)
    }
  }

  deinit { if fd >= 0 { close(fd) } }

  /// Writes all of `bytes` (short writes and EINTR retried).
  func write(_ bytes: UnsafeRawBufferPointer) throws(TraceRecorderError) {
    guard fd >= 0 else { throw TraceRecorderError(.misuse("write after close"), path: path) }
    var done = 0
    while done < bytes.count {
      let count = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
      if count < 0 {
        if errno == EINTR { continue }
        throw TraceRecorderError(
          .output(operation: "write", errno: Errno(rawValue: errno), bytesKept: bytesWritten), path: path)
      }
      done += count
      bytesWritten += count
    }
    if bytesWritten - writebackStartedUpTo >= Self.window { releaseCache() }
  }

  /// Writes `bytes`.
  func write(_ bytes: [UInt8]) throws(TraceRecorderError) {
    guard !bytes.isEmpty else { return }
    var failure: TraceRecorderError?
    bytes.withUnsafeBytes { raw in
      do throws(TraceRecorderError) { try write(raw) } catch { failure = error }
    }
    if let failure { throw failure }
  }

  /// Drops the window whose writeback started last time, then starts writeback of the rest.
  private func releaseCache() {
    if writebackStartedUpTo > droppedUpTo {
      _ = posix_fadvise(fd, off_t(droppedUpTo), off_t(writebackStartedUpTo - droppedUpTo), POSIX_FADV_DONTNEED)
      droppedUpTo = writebackStartedUpTo
    }
    _ = paramtrace_sync_file_range(
      fd, Int64(writebackStartedUpTo), Int64(bytesWritten - writebackStartedUpTo), paramtrace_sync_file_range_write())
    writebackStartedUpTo = bytesWritten
  }

  /// Writes everything back, drops the whole file from the page cache and closes it, so no
  /// writeback of the trace runs during a following experiment.
  func finish() throws(TraceRecorderError) {
    guard fd >= 0 else { return }
    defer {
      close(fd)
      fd = -1
    }
    if fdatasync(fd) != 0, errno != EINVAL {
      throw TraceRecorderError(
        .output(operation: "fdatasync", errno: Errno(rawValue: errno), bytesKept: bytesWritten), path: path)
    }
    _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
  }

  /// Closes without syncing (teardown after a failure).
  func abandon() {
    guard fd >= 0 else { return }
    close(fd)
    fd = -1
  }
}
