import Foundation
import Testing

/// `record --probe` for real: the model's disk is measured before the workload, the result is
/// kept in the manifest, and the analysis's I/O-bound ceiling divides by its best bandwidth.
@Suite(.serialized) struct RecordProbeTests {
  @Test func theProbeIsInTheManifestAndTheCeilingUsesIt() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      let twin = scratch.directory + "/twin.gguf"
      let synth = try runParamtrace(["synth", "--like", "llama-2-7b-chat.Q4_K_M", "--scale", "0.05", "--out", twin])
      #expect(synth.status == 0, "\(synth.stderr)")
      let size = try FileManager.default.attributesOfItem(atPath: twin)[.size] as! Int
      // Under 60 % of the model every decode pass reads from the disk.
      let budget = Int(Double(size) * 0.6) / (1 << 20) * (1 << 20)
      let out = scratch.directory + "/probed"
      let run = try runParamtrace([
        "record", "--model", twin, "--cold", "--budget", "\(budget)", "--probe", "--probe-seconds", "0.1", "--out", out, "--",
        try paramtraceExecutable().path, "replay", twin, "--tokens", "3",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let manifest = try RecordScratch.json(out + "/manifest.json")
      let probe = try #require(manifest["probe"] as? [String: Any])
      #expect((probe["results"] as? [Any])?.count == 16)
      let best = try #require((probe["best"] as? [String: Any])?["bytes_per_second"] as? Double)
      let wait = try #require(try RecordScratch.json(out + "/analysis.json")["disk_wait"] as? [String: Any])
      let ceiling = try #require(wait["ceiling"] as? [String: Any])
      #expect(ceiling["bandwidth_source"] as? String == "probe")
      #expect(ceiling["bandwidth_bytes_per_second"] as? Double == best)
      let perToken = try #require(wait["bytes_per_token"] as? Double)
      let tokensPerSecond = try #require(ceiling["tokens_per_second"] as? Double)
      // The JSON keeps six decimals.
      #expect(abs(tokensPerSecond - best / perToken) <= 1e-6, "\(tokensPerSecond) vs \(best / perToken)")
      // replay --tokens 3: the prompt pass and 3 eval runs.
      #expect(wait["decode_tokens"] as? Int == 4)
      let decodeShare = try #require((wait["decode"] as? [String: Any])?["busy_share"] as? Double)
      #expect(decodeShare > 0 && decodeShare <= 1, "\(decodeShare)")
      #expect(run.stdout.contains("I/O-bound ceiling"), "\(run.stdout)")
      print("record --probe: best \(best / 1_048_576) MiB/s, \(perToken / 1_048_576) MiB per token, ceiling \(tokensPerSecond) tokens/s, decode busy \(decodeShare)")
      try RecordScratch.expectNothingLeft()
    }
  }
}
