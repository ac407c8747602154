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
      // What sampling cost, against the time it covered (the sampler caps itself at 0.5 % of a core).
      let sampling = Double(residency["sampling_ns"] as? Int ?? 0)
      let covered = Double(times.last! - times.first!) + Double(residency["interval_ns"] as? Int ?? 0)
      print("residency sampling: \(times.count) samples, \(sampling / 1e6) ms over \(covered / 1e9) s = \(100 * sampling / covered) % of one core")
      #expect(sampling / covered < 0.01)
      let html = scratch.directory + "/report.html"
      let report = try runParamtrace(["report", out, "--html", html])
      #expect(report.status == 0, "\(report.stderr)")
      let page = try String(contentsOfFile: html, encoding: .utf8)
      #expect(page.contains("figure-e1-residency") && page.contains("Page-cache residency per layer over time"))

      // The same samples as Perfetto counters, one track per layer, ending on the last sample's values.
      let perfetto = scratch.directory + "/run.json"
      let export = try runParamtrace(["export", out, "--perfetto", perfetto])
      #expect(export.status == 0 && export.stderr.contains("page-cache residency samples"), "\(export.stderr)")
      let events = try RecordScratch.json(perfetto)["traceEvents"] as! [[String: Any]]
      for (index, group) in groups.enumerated() {
        let layer = group["layer"] as? Int
        let name = "resident MiB " + (layer.map { "blk.\($0)" } ?? "outside the blocks")
        let values = events.filter { $0["ph"] as? String == "C" && $0["name"] as? String == name }.map { ($0["args"] as! [String: Any])["MiB"] as! Double }
        #expect(!values.isEmpty, "\(name)")
        #expect(abs((values.last ?? -1) - Double(resident.last![index]) / 1_048_576) < 0.001, "\(name): \(values.suffix(3))")
      }
      try RecordScratch.expectNothingLeft()
    }
  }
}
