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
