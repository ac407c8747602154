import Foundation
import Testing

/// `paramtrace export` end to end: an experiment directory to a Perfetto file and a fio log,
/// and the fio log of a real capture replayed by the installed fio. (The format rules are
/// checked event by event in ParamTraceCoreTests/PerfettoTraceWriterTests.)
@Suite struct ExportTests {
  static let thrash = "Tests/Fixtures/thrash-memcg48m/thrash-memcg48m"

  static func scratch() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-export-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory
  }

  /// The read lines of a fio log: how many, and their bytes.
  static func logReads(_ path: String) throws -> (reads: Int, bytes: Int) {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "fio version 3 iolog")
    var total = (reads: 0, bytes: 0)
    for line in lines.dropFirst() {
      let fields = line.split(separator: " ")
      guard fields.count == 5, fields[2] == "read" else { continue }
      total.reads += 1
      total.bytes += Int(fields[4])!
    }
    return total
  }

  /// A real `record` run (a thrashing replay under a 20 MiB budget, thinned trace): the
  /// experiment's own filters, phases from its manifest, both files.
  @Test func exportsAnExperimentDirectory() throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try runParamtrace([
      "export", "Tests/Fixtures/experiments/sweep-small/budget-20MiB-r1", "--perfetto", directory + "/run.json", "--fio", directory + "/run.iolog",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    // The model file the manifest names is not committed: the export says so and goes on.
    #expect(result.stderr.contains("the model small.gguf that manifest.json names is not here"), "\(result.stderr)")
    let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/run.json"))) as? [String: Any])
    let events = try #require(document["traceEvents"] as? [[String: Any]])
    let begins = events.filter { $0["ph"] as? String == "b" }
    #expect(begins.count == 50, "the thinned trace keeps 50 requests")
    #expect(result.stderr.contains("wrote \(directory)/run.json: 50 requests."), "\(result.stderr)")
    let instants = Set(events.filter { $0["ph"] as? String == "i" }.compactMap { $0["name"] as? String })
    for name in ["workload starts", "llama.cpp load ends", "decode starts", "workload exits", "llama.cpp eval ends (2 tokens)"] {
      #expect(instants.contains(name), "\(name) missing from \(instants)")
    }
    let process = events.first { $0["ph"] as? String == "M" && $0["name"] as? String == "process_name" }
    #expect((process?["args"] as? [String: Any])?["name"] as? String == "disk vda (254:0)")
    let log = try Self.logReads(directory + "/run.iolog")
    #expect(log.reads >= 50)
  }

  @Test func fioLogNeedsTheFileOrPhysicalOffsets() throws {
    let result = try runParamtrace(["export", Self.thrash + ".blk.txt", "--fio", "/dev/null"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("--fio addresses reads by offset in the model's files"), "\(result.stderr)")
  }

  /// The fio log of a real capture (4 mmap passes over a fragmented 128 MiB file) replayed by
  /// fio against a stand-in copy: fio must do exactly the reads and bytes the log holds. The
  /// copy is sparse, so the replay reads holes from memory and never touches the disk (no
  /// machine lock needed). Needs fio: skips without it, fails under
  /// PARAMTRACE_REQUIRE_PRIVILEGED_TESTS=1 (scripts/check-environment installs it).
  @Test func fioReplaysTheExportedLog() throws {
    guard let fio = ["/usr/bin/fio", "/usr/local/bin/fio"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
      if ProcessInfo.processInfo.environment["PARAMTRACE_REQUIRE_PRIVILEGED_TESTS"] == "1" {
        Issue.record("fio is not installed: scripts/check-environment installs it (apt-get install fio)")
      } else {
        print("skipping fio replay test: fio is not installed (apt-get install fio)")
      }
      return
    }
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let copy = directory + "/model-copy.bin"
    #expect(FileManager.default.createFile(atPath: copy, contents: nil))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
    try handle.truncate(atOffset: 128 << 20)
    try handle.close()

    let log = directory + "/thrash.iolog"
    let export = try runParamtrace([
      "export", Self.thrash, "--extents", Self.thrash + ".extents.json", "--fio", log, "--fio-target", copy,
    ])
    #expect(export.status == 0, "\(export.stderr)")
    let expected = try Self.logReads(log)
    // What analyze counts for this capture: 301 requests, 612,106,240 bytes of the file (none
    // crosses an extent boundary, so one read each).
    #expect(expected.reads == 301 && expected.bytes == 612_106_240, "\(expected)")

    let replay = try runProcess(fio, ["--name=replay", "--read_iolog=\(log)", "--ioengine=psync", "--replay_no_stall=1", "--output-format=json"])
    #expect(replay.status == 0, "\(replay.stderr)")
    let text = replay.stdout
    let json = try #require(text.firstIndex(of: "{").map { String(text[$0...]) }, "fio printed no JSON: \(text)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let job = try #require((report["jobs"] as? [[String: Any]])?.first)
    let read = try #require(job["read"] as? [String: Any])
    #expect(read["total_ios"] as? Int == expected.reads)
    #expect(read["io_bytes"] as? Int == expected.bytes)
    print("fio replay test: fio read \(read["total_ios"] ?? "?") times, \(read["io_bytes"] ?? "?") bytes; the log holds \(expected.reads), \(expected.bytes)")
  }
}
