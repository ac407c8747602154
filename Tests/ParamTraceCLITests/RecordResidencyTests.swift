import Foundation
import Testing

/// `record` samples the model's page-cache residency per layer (issue 14, item 2), for real:
/// a llama-2 twin replayed under a budget, residency.json with one group per layer and the
/// evictions cachestat saw, and the report's heat map. Root, tracefs and cgroups, under the
/// machine lock; skips elsewhere, fails under PARAMTRACE_REQUIRE_PRIVILEGED_TESTS=1.
@Suite(.serialized) struct RecordResidencyTests {
  @Test func aBudgetedReplayIsSampledPerLayerAndDrawnAsAHeatMap() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      let twin = scratch.directory + "/twin.gguf"
      let synth = try runParamtrace(["synth", "--like", "llama-2-7b-chat.Q4_K_M", "--scale", "0.02", "--out", twin])
      #expect(synth.status == 0, "\(synth.stderr)")
      let out = scratch.directory + "/residency"
      let result = try runParamtrace([
        "record", "--budget", "48MiB", "--cold", "--residency-interval", "0.1", "--out", out, "--", try paramtraceExecutable().path, "replay", twin,
        "--tokens", "3", "--pages-only", "--threads", "1",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let residency = try RecordScratch.json(out + "/residency.json")
      #expect(residency["format"] as? String == "paramtrace-residency" && residency["method"] as? String == "cachestat")
      let groups = residency["groups"] as! [[String: Any]]
      #expect(groups.count == 33 && groups.first?["name"] as? String == "blk.0" && groups.last?["name"] as? String == "other")
      let times = residency["time_ns"] as! [Int]
      let resident = residency["resident_bytes"] as! [[Int]]
      #expect(times.count >= 3 && resident.count == times.count && resident.allSatisfy { $0.count == 33 })
      #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
      // Cold at the start; under 48 MiB never the whole ~92 MiB model; evictions counted.
      #expect(resident[0].reduce(0, +) < 1 << 20, "\(resident[0])")
      #expect(resident.allSatisfy { $0.reduce(0, +) <= 56 << 20 }, "\(resident.map { $0.reduce(0, +) })")
      let evicted = residency["evicted_pages"] as! [[Int]]
      #expect(evicted.last!.reduce(0, +) > 0)
      let manifest = try RecordScratch.json(out + "/manifest.json")
      #expect((manifest["residency"] as! [String: Any])["samples"] as? Int == times.count)
      let html = scratch.directory + "/report.html"
      let report = try runParamtrace(["report", out, "--html", html])
      #expect(report.status == 0, "\(report.stderr)")
      let page = try String(contentsOfFile: html, encoding: .utf8)
      #expect(page.contains("figure-e1-residency") && page.contains("Page-cache residency per layer over time"))
      try RecordScratch.expectNothingLeft()
    }
  }
}
