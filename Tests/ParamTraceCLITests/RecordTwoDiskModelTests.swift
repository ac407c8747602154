import Foundation
import Testing

/// `record` of a split model whose two files lie on two disks, for real: the first on this
/// machine's disk, the second on ext4 over a loop device (its backing file in /dev/shm), found
/// beside the first through a symlink as llama.cpp would find it. Both disks are traced, and
/// each request is mapped by its own disk's sectors. Root, tracefs, losetup and mkfs.ext4.
@Suite(.serialized) struct RecordTwoDiskModelTests {
  @Test func aSplitModelOnTwoDisksIsAttributedFileByFile() throws {
    guard RecordTests.gate() else { return }
    for tool in ["/usr/sbin/losetup", "/usr/sbin/mkfs.ext4"] where !FileManager.default.isExecutableFile(atPath: tool) {
      if ProcessInfo.processInfo.environment["PARAMTRACE_REQUIRE_PRIVILEGED_TESTS"] == "1" {
        Issue.record("needs \(tool) (apt install mount e2fsprogs)")
      } else {
        print("skipping the two-disk record test: needs \(tool)")
      }
      return
    }
    try RecordScratch.with { scratch in
      let synth = try runParamtrace([
        "synth", "--like", "llama-2-7b-chat.Q4_K_M", "--scale", "0.02", "--split-max-size", "64MiB", "--out",
        scratch.directory + "/twin.gguf",
      ])
      #expect(synth.status == 0, "\(synth.stderr)")
      let parts = [1, 2].map { scratch.directory + "/twin-0000\($0)-of-00002.gguf" }
      let sizes = try parts.map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }

      try LoopDisk.with(megabytes: 192, mountPoint: scratch.directory + "/other-disk") { mountPoint in
        // The second split moves to the other disk; a symlink keeps it beside the first.
        let moved = mountPoint + "/twin-00002-of-00002.gguf"
        try shell("cp '\(parts[1])' '\(moved)' && sync && rm '\(parts[1])' && ln -s '\(moved)' '\(parts[1])'")
        let out = scratch.directory + "/two-disks"
        let result = try runParamtrace([
          "record", "--model", parts[0], "--cold", "--out", out, "--", "/usr/bin/python3", "-c",
          "import mmap, sys\nfor p in sys.argv[1:]:\n  f = open(p, 'rb')\n  m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)\n  s = sum(m[i] for i in range(0, len(m), 4096))",
        ] + parts)
        let workloadOutput = (try? String(contentsOfFile: out + "/workload.out", encoding: .utf8)) ?? ""
        #expect(result.status == 0, "\(result.stderr)\n\(workloadOutput)")
        #expect(result.stderr.contains("lie on 2 disks"), "\(result.stderr)")
        let manifest = try RecordScratch.json(out + "/manifest.json")
        let devices = (manifest["model"] as! [String: Any])["devices"] as? [String]
        #expect(devices?.count == 2, "\(String(describing: devices))")
        let analysis = try RecordScratch.json(out + "/analysis.json")
        let files = try #require(analysis["files"] as? [[String: Any]])
        #expect(files.map { $0["unique_bytes"] as? Int } == sizes, "every byte of both files, each on its own disk")
        RecordScratch.expectOnePassEach(files, manifest: manifest, "two-disk record test, files")
        #expect(analysis["unique_bytes"] as? Int == sizes.reduce(0, +))
        let rows = try #require((analysis["tensors"] as? [String: Any])?["tensors"] as? [[String: Any]])
        let whole = rows.filter { $0["unique_bytes"] as? Int == $0["size"] as? Int }
        #expect(whole.count == rows.count, "tensors read whole: \(whole.count) of \(rows.count)")
        RecordScratch.expectOnePassEach(rows, manifest: manifest, "two-disk record test, tensors")
        print("two-disk record test: files \(sizes) bytes on \(devices ?? [])")
      }
      try RecordScratch.expectNothingLeft()
    }
  }
}

/// A loop device over a file in /dev/shm with ext4 on it, mounted for `body` and removed
/// afterwards (unmounted, detached, file deleted), also when `body` throws.
enum LoopDisk {
  static func with(megabytes: Int, mountPoint: String, _ body: (String) throws -> Void) throws {
    let image = "/dev/shm/paramtrace-test-disk-\(getpid()).img"
    try shell("truncate -s \(megabytes)M '\(image)' && /usr/sbin/mkfs.ext4 -q -F '\(image)'")
    defer { unlink(image) }
    let device = try shell("/usr/sbin/losetup --find --show '\(image)'").trimmingCharacters(in: .whitespacesAndNewlines)
    defer { _ = try? shell("/usr/sbin/losetup -d '\(device)'") }
    try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
    try shell("mount '\(device)' '\(mountPoint)'")
    defer { _ = try? shell("umount '\(mountPoint)' || umount -l '\(mountPoint)'") }
    try body(mountPoint)
  }
}

/// Runs `command` with /bin/sh; returns its standard output, throws when it fails.
@discardableResult
func shell(_ command: String) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", command]
  let output = Pipe()
  let errors = Pipe()
  process.standardOutput = output
  process.standardError = errors
  try process.run()
  let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  guard process.terminationStatus == 0 else { throw ShellFailure(description: "\(command): exit \(process.terminationStatus): \(problem)") }
  return text
}

struct ShellFailure: Error, CustomStringConvertible {
  var description: String
}
