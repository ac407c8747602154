import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// The machine-wide lock of paramtrace's use of the top-level `blk` tracer: an flock on
/// `/run/lock/paramtrace-blk-tracer.lock` (`/tmp/...` without `/run/lock`).
///
/// While held, the file also records the holder's pid and the tracefs settings it changed
/// (`key=value` lines), so a later run that finds the file unlocked but not empty knows that
/// its holder died mid-recording (kill -9) and can put those settings back.
final class BlkTracerLock: @unchecked Sendable {
  /// The lock file's path on this machine.
  static var path: String {
    Tracefs.exists("/run/lock") ? "/run/lock/paramtrace-blk-tracer.lock" : "/tmp/paramtrace-blk-tracer.lock"
  }

  let path: String
  private var fd: Int32
  /// What the file said when the lock was taken (a dead holder's saved settings), or empty.
  let leftover: [String: String]

  /// Takes the lock without waiting.
  /// - Throws: `.blkTracerLocked` naming the holder's pid when another process holds it.
  init(path: String = BlkTracerLock.path) throws(TraceRecorderError) {
    self.path = path
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw TraceRecorderError(.tracefs(operation: "open lock file", errno: Errno(rawValue: errno)), path: path)
    }
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      if errno == EINTR { continue }
      let error = Errno(rawValue: errno)
      let holder = Self.parse(Self.readAll(fd))["pid"].flatMap { Int32($0) }
      close(fd)
      if error == .wouldBlock { throw TraceRecorderError(.blkTracerLocked(holder: holder), path: path) }
      throw TraceRecorderError(.tracefs(operation: "flock", errno: error), path: path)
    }
    leftover = Self.parse(Self.readAll(fd))
    record([:])  // name the holder for a refused second recorder
  }

  deinit { release() }

  /// Replaces the file's content with `state` (this process's pid is added).
  func record(_ state: [String: String]) {
    guard fd >= 0 else { return }
    var state = state
    state["pid"] = String(getpid())
    var text = state.keys.sorted().map { "\($0)=\(state[$0]!)\n" }.joined()
    _ = ftruncate(fd, 0)
    text.withUTF8 { utf8 in _ = pwrite(fd, utf8.baseAddress, utf8.count, 0) }
    _ = fsync(fd)
  }

  /// Empties the file (nothing to recover) and lets go of the lock. Idempotent.
  func release() {
    guard fd >= 0 else { return }
    _ = ftruncate(fd, 0)
    _ = flock(fd, LOCK_UN)
    close(fd)
    fd = -1
  }

  static func readAll(_ fd: Int32) -> String {
    var bytes = [UInt8](repeating: 0, count: 4096)
    let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    return count > 0 ? String(decoding: bytes[0..<count], as: UTF8.self) : ""
  }

  static func parse(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      result[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    return result
  }
}
