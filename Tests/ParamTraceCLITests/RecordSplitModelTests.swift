import Foundation
import Testing

/// `record` of a model in two files, for real: a split twin written by `synth
/// --split-max-size`, read cold through mmap file after file. Every tensor's bytes must be
/// attributed exactly once, to the file that holds it. Root and tracefs, as RecordTests.
@Suite(.serialized) struct RecordSplitModelTests {
  @Test func coldReadOfATwoFileSplitAttributesEveryTensorOnceToItsFile() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      let out = scratch.directory + "/split"
      let synth = try runParamtrace([
        "synth", "--like", "llama-2-7b-chat.Q4_K_M", "--scale", "0.02", "--split-max-size", "64MiB", "--out",
        scratch.directory + "/twin.gguf",
      ])
      #expect(synth.status == 0, "\(synth.stderr)")
      let parts = [1, 2].map { scratch.directory + "/twin-0000\($0)-of-00002.gguf" }
      let toucher = scratch.directory + "/touch-all.py"
      try """
        import mmap, sys
        total = 0
        for path in sys.argv[1:]:
            with open(path, 'rb') as f:
                m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
                for offset in range(0, len(m), 4096):
                    total += m[offset]
        print("checksum", total)
        """.write(toFile: toucher, atomically: true, encoding: .utf8)

      let result = try runParamtrace(["record", "--model", parts[0], "--cold", "--out", out, "--", "/usr/bin/python3", toucher] + parts)
      #expect(result.status == 0, "\(result.stderr)")
      let analysis = try RecordScratch.json(out + "/analysis.json")
      let files = try #require(analysis["files"] as? [[String: Any]])
      #expect(files.map { $0["path"] as? String } == parts)
      let sizes = try parts.map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
      #expect(files.map { $0["size"] as? Int } == sizes)
      #expect(files.map { $0["unique_bytes"] as? Int } == sizes, "every byte of both files read")
      #expect(analysis["unique_bytes"] as? Int == sizes.reduce(0, +))

      // Which file each tensor is in, from `paramtrace model --json`.
      let model = try runParamtrace(["model", parts[1], "--json"])
      let layout = try JSONSerialization.jsonObject(with: Data(model.stdout.utf8)) as! [String: Any]
      var fileOf: [String: String] = [:]
      for tensor in layout["tensors"] as! [[String: Any]] { fileOf[tensor["name"] as! String] = tensor["file"] as? String }
      let rows = try #require((analysis["tensors"] as? [String: Any])?["tensors"] as? [[String: Any]])
      #expect(rows.count == 291 && fileOf.count == 291)
      for row in rows {
        let name = row["name"] as! String
        #expect(row["file"] as? String == fileOf[name], "\(name)")
        #expect(row["unique_bytes"] as? Int == row["size"] as? Int, "\(name)")
      }
      RecordScratch.expectOnePassEach(rows, manifest: try RecordScratch.json(out + "/manifest.json"), "record split test, tensors")
      let tensorsPerFile = files.map { $0["tensors"] as! Int }
      #expect(tensorsPerFile.reduce(0, +) == 291)
      print("record split test: files \(sizes) bytes, tensors \(tensorsPerFile), re-read \(files.map { $0["reread_factor"] ?? "-" })")
      try RecordScratch.expectNothingLeft()
    }
  }
}
