import Foundation
import Testing

/// `record` knows the workload's tasks from the trace's task events, not from polling /proc:
/// short-lived threads, forked children and a thread that lives about a millisecond read the
/// model, and every byte is attributed to the workload in every run (a race that shows one
/// time in five is still a race, so each workload runs several times). Needs root and
/// tracefs, like RecordTests; runs under the same machine lock.
@Suite(.serialized) struct RecordTaskTreeTests {
  struct Workload: CustomTestStringConvertible, Sendable {
    var name: String
    var runs: Int
    /// The command, given the scratch directory and the model's path.
    var command: @Sendable (String, String) -> [String]
    /// Tasks besides the root that must appear, with bytes, by kind.
    var readers: [String: Int]
    var testDescription: String { name }
  }

  static let workloads: [Workload] = [
    Workload(name: "two mmap threads, one pass (about 40 ms)", runs: 6, command: { ["/usr/bin/python3", $0 + "/threads.py", $1] }, readers: ["thread": 2]),
    Workload(
      name: "sh with head & and tail", runs: 5,
      command: { _, model in
        ["/bin/sh", "-c", "head -c 50331648 \"$0\" >/dev/null & tail -c 50331648 \"$0\" >/dev/null; wait", model]
      }, readers: ["process": 2]),
    Workload(name: "a thread that lives about 1 ms", runs: 5, command: { ["/usr/bin/python3", $0 + "/short-thread.py", $1] }, readers: ["thread": 1]),
  ]

  @Test(arguments: workloads) func everyByteBelongsToTheWorkload(_ workload: Workload) throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      try Self.writeScripts(in: scratch.directory)
      var lifetimes: [Double] = []
      for run in 1...workload.runs {
        let out = scratch.directory + "/run\(run)"
        let result = try runParamtrace(
          ["record", "--model", scratch.model, "--cold", "--out", out, "--"] + workload.command(scratch.directory, scratch.model))
        #expect(result.status == 0, "run \(run): \(result.stderr)")
        let analysis = try RecordScratch.json(out + "/analysis.json")
        let manifest = try RecordScratch.json(out + "/manifest.json")
        let context = "\(workload.name), run \(run)"
        // Every byte of the model read, all by the workload's tasks.
        #expect(analysis["unique_bytes"] as? Int == RecordScratch.modelBytes, "\(context): \(analysis["unique_bytes"] ?? "?") unique bytes")
        RecordScratch.expectOnePass(analysis["bytes"] as? Int, of: RecordScratch.modelBytes, manifest: manifest, context)
        // Nobody else read the model: the workload's bytes are all the file's reads.
        let anyOwner = (manifest["analysis"] as? [String: Any])?["file_bytes_any_owner"] as? Int
        #expect(analysis["bytes"] as? Int == anyOwner, "\(context): \(anyOwner ?? -1) bytes of the file read by any task")
        #expect((analysis["filtered_out"] as! [String: Int])["owner"] == 0, "\(context)")
        let tasks = manifest["workload_tasks"] as! [String: Any]
        #expect(tasks["source"] as? String == "trace task events", "\(context)")
        #expect((tasks["seen_by_proc_only"] as! [Int]).isEmpty, "\(context): /proc saw a task the trace did not")
        let list = tasks["tasks"] as! [[String: Any]]
        for (kind, count) in workload.readers {
          let readers = list.filter { $0["kind"] as? String == kind && ($0["bytes"] as? Int ?? 0) > 0 }
          #expect(readers.count == count, "\(context): \(readers.count) \(kind)s read, expected \(count): \(list)")
          for reader in readers {
            if let created = reader["created_ns"] as? Int, let exit = reader["exit_ns"] as? Int { lifetimes.append(Double(exit - created) / 1e6) }
          }
        }
        let summary = try String(contentsOfFile: out + "/summary.txt", encoding: .utf8)
        #expect(summary.contains("Workload tasks (from the trace's task events)"), "\(context)")
      }
      print("record task tree: \(workload.name): \(workload.runs) runs, every byte to the workload; reader lifetimes (ms) \(lifetimes.sorted().map { String(format: "%.1f", $0) })")
      try RecordScratch.expectNothingLeft()
    }
  }

  /// The `blk` tracer cannot carry task events: they go to a private instance of their own,
  /// `trace.tasks.txt`, merged by time with the per-CPU files in the analysis.
  @Test func theBlkTracerRecordsTheTaskEventsBesideIt() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      for run in 1...3 {
        let out = scratch.directory + "/full\(run)"
        let result = try runParamtrace(
          ["record", "--model", scratch.model, "--cold", "--actions", "full", "--out", out, "--"]
            + Self.workloads[1].command(scratch.directory, scratch.model))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/trace.tasks.txt"))
        let analysis = try RecordScratch.json(out + "/analysis.json")
        #expect(analysis["unique_bytes"] as? Int == RecordScratch.modelBytes, "run \(run)")
        RecordScratch.expectOnePass(
          analysis["bytes"] as? Int, of: RecordScratch.modelBytes, manifest: try RecordScratch.json(out + "/manifest.json"), "blk tracer, run \(run)")
        let tasks = (analysis["workload_tasks"] as! [String: Any])["tasks"] as! [[String: Any]]
        #expect(tasks.filter { ($0["bytes"] as? Int ?? 0) > 0 }.count == 2, "run \(run): \(tasks)")
        let trace = try RecordScratch.json(out + "/manifest.json")["trace"] as! [String: Any]
        #expect((trace["task_file"] as? String)?.hasSuffix("trace.tasks.txt") == true)
        #expect(trace["lost_task_events"] as? Int == 0)
        try RecordScratch.expectNothingLeft()
      }
    }
  }

  static func writeScripts(in directory: String) throws {
    try """
      import mmap, sys, threading
      f = open(sys.argv[1], 'rb')
      m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
      half = len(m) // 2
      def touch(start, end):
          total = 0
          for offset in range(start, end, 4096):
              total += m[offset]
      threads = [threading.Thread(target=touch, args=(0, half)), threading.Thread(target=touch, args=(half, len(m)))]
      for t in threads: t.start()
      for t in threads: t.join()
      """.write(toFile: directory + "/threads.py", atomically: true, encoding: .utf8)
    // The thread reads the first 64 KiB (one cold request, about a millisecond here) and
    // ends; the main thread reads the rest after it.
    try """
      import os, sys, threading
      fd = os.open(sys.argv[1], os.O_RDONLY)
      os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
      t = threading.Thread(target=lambda: os.pread(fd, 65536, 0))
      t.start(); t.join()
      offset = 65536
      size = os.fstat(fd).st_size
      while offset < size:
          offset += len(os.pread(fd, 1 << 20, offset))
      """.write(toFile: directory + "/short-thread.py", atomically: true, encoding: .utf8)
  }
}
