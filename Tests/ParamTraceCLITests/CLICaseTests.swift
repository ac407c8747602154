import Foundation
import Testing

/// Runs the built `paramtrace` on each case in Tests/CLITests/<case>/: `args.txt` holds the
/// arguments (one per line, paths relative to the repository root), optional `stdin` is fed
/// to it, and `expected.txt` is the golden output: the exit status, then stdout, then stderr.
/// A missing golden, or RECORD_GOLDEN=1, writes a new one and fails, so re-records show in
/// the diff.
@Suite struct CLICaseTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let casesDirectory = repository.appendingPathComponent("Tests/CLITests")

  static var cases: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: casesDirectory.path)) ?? []).filter {
      FileManager.default.fileExists(atPath: casesDirectory.appendingPathComponent($0).appendingPathComponent("args.txt").path)
    }.sorted()
  }

  @Test(arguments: cases)
  func goldenOutput(name: String) throws {
    let directory = Self.casesDirectory.appendingPathComponent(name)
    let arguments = try String(contentsOf: directory.appendingPathComponent("args.txt"), encoding: .utf8)
      .split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
    let stdinURL = directory.appendingPathComponent("stdin")
    let input = FileManager.default.fileExists(atPath: stdinURL.path) ? try Data(contentsOf: stdinURL) : nil
    let result = try runParamtrace(arguments, stdin: input)
    let actual = "exit \(result.status)\n--- stdout\n\(result.stdout)--- stderr\n\(result.stderr)"
    let golden = directory.appendingPathComponent("expected.txt")
    if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" || !FileManager.default.fileExists(atPath: golden.path) {
      try actual.write(to: golden, atomically: true, encoding: .utf8)
      Issue.record("wrote a new golden \(golden.path); check it and commit it")
      return
    }
    let expected = try String(contentsOf: golden, encoding: .utf8)
    #expect(actual == expected, "paramtrace \(arguments.joined(separator: " "))")
  }
}

/// The `paramtrace` executable that `swift build` put next to the test bundle.
func paramtraceExecutable() throws -> URL {
  var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for _ in 0..<4 {
    let candidate = directory.appendingPathComponent("paramtrace")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    directory.deleteLastPathComponent()
  }
  let fallback = CLICaseTests.repository.appendingPathComponent(".build/debug/paramtrace")
  guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
    throw CLIError("paramtrace executable not found near \(CommandLine.arguments[0]); run `swift build` first.")
  }
  return fallback
}

struct CLIError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Runs paramtrace in the repository root and collects its output (through files, so a
/// large output can never block the child).
func runParamtrace(_ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
  try runProcess(try paramtraceExecutable().path, arguments, stdin: stdin)
}

/// Runs any executable in the repository root and collects its output.
func runProcess(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
  let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-cli-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: scratch) }
  let paths = ["in", "out", "err"].map { scratch.appendingPathComponent($0) }
  try (stdin ?? Data()).write(to: paths[0])
  for path in paths[1...] where !FileManager.default.createFile(atPath: path.path, contents: nil) {
    throw CLIError("cannot create \(path.path) for the child's output: is the temporary directory writable?")
  }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.currentDirectoryURL = CLICaseTests.repository
  process.standardInput = try FileHandle(forReadingFrom: paths[0])
  process.standardOutput = try FileHandle(forWritingTo: paths[1])
  process.standardError = try FileHandle(forWritingTo: paths[2])
  try process.run()
  process.waitUntilExit()
  return (
    process.terminationStatus, try String(contentsOf: paths[1], encoding: .utf8), try String(contentsOf: paths[2], encoding: .utf8)
  )
}

/// A file on tmpfs has no disk sectors: `extents` says so and what to do. A test of its own,
/// not a golden case: it needs a file on tmpfs that it makes (and removes) itself.
@Suite struct TmpfsExtentsTests {
  @Test func aFileOnTmpfsIsRefusedWithTheReason() throws {
    guard FileManager.default.fileExists(atPath: "/dev/shm") else {
      print("skipping: no /dev/shm tmpfs here")
      return
    }
    let path = "/dev/shm/paramtrace-tmpfs-test-\(getpid()).gguf"
    #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 8192)))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let result = try runParamtrace(["extents", path])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "Error: \(path): cannot map to disk sectors: the file is on tmpfs, and tmpfs files live in memory (and swap), not on a block device, and have no FIEMAP. Copy it to a filesystem on a plain disk or partition (ext4, xfs) to trace it by sector.\n"
    )
  }
}
