import Foundation
import Testing

/// `scripts/check-warnings`, which CI runs on its build log: a warning in the project's own
/// sources fails the build, a dependency's warning does not.
@Suite struct CheckWarningsScriptTests {
  static let script = CLICaseTests.repository.appendingPathComponent("scripts/check-warnings").path
  static let root = CLICaseTests.repository.path

  /// Runs the script on a log holding `lines`.
  static func check(_ lines: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-build-\(UUID().uuidString).log")
    defer { try? FileManager.default.removeItem(at: log) }
    try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
    return try runProcess("/bin/bash", [script, log.path])
  }

  static let compiling = "[12/80] Compiling ParamTraceCore GapClasses.swift"
  static let dependencyWarning =
    "\(root)/.build/checkouts/swift-system/Sources/System/FilePath.swift:10:5: warning: 'x' is deprecated"

  @Test func warningInOwnSourcesFails() throws {
    let result = try Self.check([
      Self.compiling,
      "\(Self.root)/Sources/paramtrace/DemoCommand.swift:42:9: warning: variable 'plan' was never mutated; consider changing to 'let' constant",
      "\(Self.root)/Tests/ParamTraceCoreTests/MetricsTests.swift:7:3: warning: result of call to 'createFile' is unused",
      // The same file compiled twice prints the same warning twice: reported once.
      "\(Self.root)/Tests/ParamTraceCoreTests/MetricsTests.swift:7:3: warning: result of call to 'createFile' is unused",
      Self.dependencyWarning,
    ])
    #expect(result.status == 1)
    #expect(result.stdout.split(separator: "\n").map(String.init) == [
      "Sources/paramtrace/DemoCommand.swift:42:9: warning: variable 'plan' was never mutated; consider changing to 'let' constant",
      "Tests/ParamTraceCoreTests/MetricsTests.swift:7:3: warning: result of call to 'createFile' is unused",
    ])
    #expect(result.stderr.contains("2 compiler warning(s) in the project's own sources"))
  }

  @Test func dependencyWarningsAndCleanLogsPass() throws {
    let result = try Self.check([Self.compiling, Self.dependencyWarning, "Build complete! (12.3s)"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("no compiler warnings"))
  }

  @Test func missingLogIsAnErrorThatSaysWhatToDo() throws {
    let result = try runProcess("/bin/bash", [Self.script, "/nonexistent/build.log"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("cannot read the build log"))
  }
}
