import Foundation
import SystemPackage
import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

@Suite struct TraceInputsTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")
  static let names = ["tiny-direct", "seq-mmap-none", "seq-mmap-mqdl", "random-pread", "thrash-memcg48m"]

  static func path(_ name: String, _ suffix: String? = nil) -> String {
    let base = fixtures.appendingPathComponent(name).appendingPathComponent(name).path
    return suffix.map { "\(base).\($0)" } ?? base
  }

  static func json(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path(name, "json")))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  static func eventCount(_ name: String) throws -> Int {
    let metrics = try #require(try json(name)["metrics"] as? [String: Any])
    let bin = try #require(metrics["bin"] as? [String: Any])
    return try #require(bin["events"] as? Int)
  }

  static func readAll(_ source: inout any EventBatchSource) throws -> [BlockEvent] {
    var events: [BlockEvent] = []
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { events.append(contentsOf: batch) }
    return events
  }

  static func inputError(_ body: () throws -> Any) -> TraceInputError? {
    do {
      _ = try body()
      return nil
    } catch let error as TraceInputError {
      return error
    } catch {
      Issue.record("unexpected error \(error)")
      return nil
    }
  }

  /// A scratch directory, removed afterwards.
  static func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-inputs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try body(directory.path)
  }

  /// `NAME` opens NAME.blktrace.0, .1 (some empty) and names the reader in both CPUs' events.
  @Test(arguments: names)
  func opensPerCPUFilesByName(name: String) throws {
    var source = try TraceInputs.open(paths: [Self.path(name)], format: nil, strict: true)
    let events = try Self.readAll(&source)
    #expect(events.count == (try Self.eventCount(name)))
    #expect(zip(events, events.dropFirst()).allSatisfy { $0.time <= $1.time })
    let process = try #require(try Self.json(name)["process"] as? [String: Any])
    let pid = Int32(try #require(process["pid"] as? Int))
    let comm = CommName(try #require(process["comm"] as? String))
    #expect(events.filter { $0.pid == pid }.allSatisfy { $0.comm == comm })
    #expect(source.diagnostics == TraceDiagnostics())
  }

  /// Every format is detected and read; the per-CPU files can also be named one by one.
  @Test func detectsEachFixtureFormat() throws {
    let name = "seq-mmap-mqdl"
    let total = try Self.eventCount(name)
    for suffix in ["kernel-bin", "blkparse.txt", "blk.txt", "blkclassic.txt"] {
      var source = try TraceInputs.open(paths: [Self.path(name, suffix)], format: nil, strict: true)
      #expect(try Self.readAll(&source).count == total, "\(suffix)")
    }
    var files = try TraceInputs.open(
      paths: [Self.path(name, "blktrace.0"), Self.path(name, "blktrace.1")], format: nil, strict: true)
    #expect(try Self.readAll(&files).count == total)
    var tracepoints = try TraceInputs.open(paths: [Self.path(name, "tp.txt")], format: .tracepoint, strict: false)
    #expect(!(try Self.readAll(&tracepoints)).isEmpty)
  }

  @Test func severalPathsAreMergedByTime() throws {
    let name = "tiny-direct"
    var source = try TraceInputs.open(paths: [Self.path(name), Self.path(name, "blktrace.1")], format: nil, strict: true)
    let events = try Self.readAll(&source)
    #expect(events.count == 2 * (try Self.eventCount(name)))
    #expect(zip(events, events.dropFirst()).allSatisfy { $0.time <= $1.time })
  }

  @Test func missingPathSaysHowPerCPUFilesAreNamed() {
    let error = Self.inputError { try TraceInputs.open(paths: ["/nonexistent/trace"], format: nil, strict: false) }
    #expect(error?.reason == .missing)
    #expect(error?.description.contains("NAME.blktrace.0") == true)
    #expect(error?.description.contains("/nonexistent/trace") == true)
  }

  @Test func directoryIsRefusedWithTheNamesInside() {
    let directory = Self.fixtures.appendingPathComponent("seq-mmap-mqdl").path
    let error = Self.inputError { try TraceInputs.open(paths: [directory], format: nil, strict: false) }
    #expect(error?.reason == .directory(perCPUNames: [Self.path("seq-mmap-mqdl")]))
    #expect(error?.description.contains("is a directory") == true)
  }

  @Test func emptyAndUnknownFilesAreRefused() throws {
    try Self.withTemporaryDirectory { directory in
      let empty = directory + "/empty.txt"
      _ = FileManager.default.createFile(atPath: empty, contents: Data())
      let emptyError = Self.inputError { try TraceInputs.open(paths: [empty], format: nil, strict: false) }
      #expect(emptyError?.reason == .empty)
      #expect(emptyError?.description.contains("empty") == true)

      let text = directory + "/notes.txt"
      _ = FileManager.default.createFile(atPath: text, contents: Data("hello\nworld\n".utf8))
      let unknown = Self.inputError { try TraceInputs.open(paths: [text], format: nil, strict: false) }
      #expect(unknown?.reason == .unknownFormat)
      #expect(unknown?.description.contains("--format") == true)
      // With --format the file is read (and its lines counted as malformed).
      var forced = try TraceInputs.open(paths: [text], format: .blkparse, strict: false)
      #expect(try Self.readAll(&forced).isEmpty)
      #expect(forced.diagnostics.malformed + forced.diagnostics.ignoredLines == 2)

      // A per-CPU set whose files are all empty.
      for cpu in 0..<3 { _ = FileManager.default.createFile(atPath: directory + "/idle.blktrace.\(cpu)", contents: Data()) }
      let idle = Self.inputError { try TraceInputs.open(paths: [directory + "/idle"], format: nil, strict: false) }
      #expect(idle?.reason == .emptyPerCPUFiles(count: 3))
      // One empty per-CPU file named alone is an empty input; among others it is skipped.
      let one = directory + "/idle.blktrace.0"
      #expect(Self.inputError { try TraceInputs.open(paths: [one], format: nil, strict: false) }?.reason == .empty)
      var mixed = try TraceInputs.open(
        paths: [one, Self.path("tiny-direct", "blktrace.1")], format: nil, strict: true)
      #expect(try Self.readAll(&mixed).count == (try Self.eventCount("tiny-direct")))
    }
  }

  @Test func systemErrorsNameTheOperationAndPath() {
    let denied = TraceInputError(.system(operation: "open", errno: .permissionDenied), path: "/root/trace.blktrace.0")
    #expect(denied.description.hasPrefix("open /root/trace.blktrace.0: Permission denied."))
    #expect(denied.description.contains("root"))
    let stdin = TraceInputError(.empty, path: "-")
    #expect(stdin.description.hasPrefix("standard input is empty"))
  }

  /// Sniffing the format consumes nothing: the reader hands the prefix out again (this is how
  /// standard input is read).
  @Test func sniffedPrefixIsReadAgain() throws {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path("seq-mmap-none", "blkparse.txt"))))
    var pipe: [Int32] = [0, 0]
    #expect(Glibc.pipe(&pipe) == 0)
    let (readEnd, writeEnd) = (pipe[0], pipe[1])
    let writer = Thread {
      bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
          let written = Glibc.write(writeEnd, raw.baseAddress! + offset, min(4096, raw.count - offset))
          if written <= 0 { break }
          offset += written
        }
      }
      Glibc.close(writeEnd)
    }
    writer.start()
    let reader = FileByteReader(descriptor: FileDescriptor(rawValue: readEnd), path: "-", owned: true)
    let prefix = try reader.sniff(upTo: 16 << 10)
    #expect(prefix.count >= 4096)
    #expect(prefix.withUnsafeBytes { TraceFormat.detect($0) } == .blkparse)
    var copy: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1000)
    while true {
      let count = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
      if count == 0 { break }
      copy += chunk[..<count]
    }
    #expect(copy == bytes)
  }

  @Test func perCPUFileNamesAreRecognized() {
    #expect(TraceInputs.isPerCPUFileName("/x/trace.blktrace.0"))
    #expect(TraceInputs.isPerCPUFileName("nvme0n1.blktrace.17"))
    #expect(!TraceInputs.isPerCPUFileName("trace.blktrace."))
    #expect(!TraceInputs.isPerCPUFileName("trace.txt"))
    #expect(!TraceInputs.isPerCPUFileName("0"))
  }
}
