import Foundation

/// Tests that need root or kernel facilities skip elsewhere, with the reason; on the
/// project's own machines (CI sets PARAMTRACE_REQUIRE_PRIVILEGED_TESTS=1) a missing
/// facility is a failure instead, so they cannot skip silently.
enum PrivilegedTestGate {
  static var required: Bool { ProcessInfo.processInfo.environment["PARAMTRACE_REQUIRE_PRIVILEGED_TESTS"] == "1" }
  static var isRoot: Bool { getuid() == 0 }

  /// Nil when the test can run; otherwise why not. Use with `.enabled(if:)` or guard + Issue.record.
  static func unavailable(needsRoot: Bool = true, paths: [String] = []) -> String? {
    if needsRoot, !isRoot { return "needs root (run the tests as root)" }
    for path in paths where !FileManager.default.fileExists(atPath: path) { return "needs \(path)" }
    return nil
  }
}

/// Serializes tests that trace, drop caches, lock memory or create cgroups, across suites
/// and test processes: they hold an exclusive flock on one file while they run.
enum MachineTestLock {
  static let path = "/tmp/paramtrace-machine-tests.lock"

  static func run<T>(_ body: () throws -> T) throws -> T {
    let fd = try acquire()
    defer { release(fd) }
    return try body()
  }

  static func run<T>(_ body: () async throws -> T) async throws -> T {
    let fd = try acquire()
    defer { release(fd) }
    return try await body()
  }

  /// Opens the lock file and waits for the exclusive lock; returns the descriptor holding it.
  private static func acquire() throws -> Int32 {
    let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    while flock(fd, LOCK_EX) != 0 {
      if errno != EINTR {
        let failure = POSIXError(.init(rawValue: errno) ?? .EIO)
        close(fd)
        throw failure
      }
    }
    return fd
  }

  private static func release(_ fd: Int32) {
    flock(fd, LOCK_UN)
    close(fd)
  }
}
