import Foundation
import Testing

/// `replay` of a synth twin of TheBloke's llama-2-7b-chat Q4_K_M under `record`, for real:
/// the access pattern llama.cpp's decode has, seen through the trace.
@Suite(.serialized) struct ReplayRecordTests {
  @Test func decodeReadsLayerOrderAndReReadsUnderBudgets() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      let twin = scratch.directory + "/twin.gguf"
      let synth = try runParamtrace(["synth", "--like", "llama-2-7b-chat.Q4_K_M", "--scale", "0.05", "--out", twin])
      #expect(synth.status == 0, "\(synth.stderr)")
      let size = try FileManager.default.attributesOfItem(atPath: twin)[.size] as! Int
      let replay = [try paramtraceExecutable().path, "replay", twin]

      // Cold, unconstrained, no MAP_POPULATE: one decode token reads every tensor once, in
      // layer order, which jumps around TheBloke's string-ordered file. (On this small twin a
      // block is ~6 MiB and read-around windows are 16 MiB, so readahead pulls in the blocks
      // stored next in the file before the compute asks: the I/O order mixes both orders,
      // as measured with real llama.cpp too.)
      let cold = scratch.directory + "/cold"
      let first = try runParamtrace(["record", "--model", twin, "--cold", "--out", cold, "--"] + replay + ["--tokens", "1", "--no-populate"])
      #expect(first.status == 0, "\(first.stderr)")
      let analysis = try RecordScratch.json(cold + "/analysis.json")
      let tensors = analysis["tensors"] as! [String: Any]
      #expect(tensors["file_order_differs_from_layer_order"] as? Bool == true)
      let order = tensors["read_order"] as! [String: Any]
      #expect((order["steps"] as! Int) > 0, "\(order)")
      for layer in tensors["layers"] as! [[String: Any]] {
        let passes = layer["passes"] as! Double
        #expect(passes >= 0.99 && passes < 1.6, "layer \(layer["layer"]!): \(passes) passes")
      }
      let logical = analysis["logical_gaps"] as! [String: Any]
      #expect((logical["backward"] as! Int) + (logical["large"] as! Int) > 0)

      // Under budgets smaller than the model every token re-reads it; less memory, more re-reads.
      var rereads: [Double] = []
      for share in [0.8, 0.45] {
        let out = scratch.directory + "/budget\(Int(share * 100))"
        let budget = Int(Double(size) * share) / (1 << 20) * (1 << 20)
        let run = try runParamtrace(["record", "--model", twin, "--cold", "--budget", "\(budget)", "--out", out, "--"] + replay + ["--tokens", "3"])
        #expect(run.status == 0, "\(run.stderr)")
        let manifest = try RecordScratch.json(out + "/manifest.json")
        rereads.append((manifest["analysis"] as! [String: Any])["reread_factor"] as! Double)
        #expect((manifest["timings"] as! [String: Any])["eval_tokens_per_second"] is Double)
        // Under memory pressure the scheduler merges queued readahead requests into their
        // neighbours: recorded (block_rq_merge), they are merged away, not unfinished. Without
        // that event 7 to 56 per run looked unfinished; one or two may still be in flight (a
        // write of the trace itself) when tracing stops.
        let requests = try RecordScratch.json(out + "/analysis.json")["requests"] as? [String: Any]
        #expect((requests?["unfinished"] as? Int ?? .max) <= 2, "\(String(describing: requests))")
      }
      print("replay under record: re-read factor at 80% and 45% of the model: \(rereads)")
      #expect(rereads[0] > 1.5)
      #expect(rereads[1] > rereads[0])
      try RecordScratch.expectNothingLeft()
    }
  }

  /// A recording whose order is known, with read-around on (the disk's own read_ahead_kb):
  /// replay loads the twin front to back (file order), then reads it in layer order once for
  /// the prompt and once per token. Under a budget of 60 % of the model every pass reads from
  /// the disk, so all of them show in the trace: 1 + 1 + 4 passes, the first in file order,
  /// the others in layer order, whatever the read-around into neighbouring blocks.
  @Test func passesAndOrderUnderReadAround() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      let twin = scratch.directory + "/twin.gguf"
      let synth = try runParamtrace(["synth", "--like", "llama-2-7b-chat.Q4_K_M", "--scale", "0.1", "--out", twin])
      #expect(synth.status == 0, "\(synth.stderr)")
      let size = try FileManager.default.attributesOfItem(atPath: twin)[.size] as! Int
      let budget = Int(Double(size) * 0.6) / (1 << 20) * (1 << 20)
      for attempt in 1...2 {
        let out = scratch.directory + "/order\(attempt)"
        let run = try runParamtrace(
          ["record", "--model", twin, "--cold", "--budget", "\(budget)", "--out", out, "--", try paramtraceExecutable().path, "replay", twin, "--tokens", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        let analysis = try RecordScratch.json(out + "/analysis.json")
        let passes = analysis["forward_passes"] as! [String: Any]
        #expect(passes["expected"] as? Int == 6)
        #expect(passes["found"] as? Int == 6, "attempt \(attempt): \(passes)")
        let order = (analysis["tensors"] as! [String: Any])["read_order"] as! [String: Any]
        let verdicts = (order["passes"] as! [[String: Any]]).map { $0["order"] as! String }
        #expect(verdicts.first == "file order", "\(verdicts)")
        // A pass that skipped cached blocks may show only steps that are both (3…9 and 24…31
        // are stored in layer order): "layer order = file order".
        #expect(verdicts.dropFirst().allSatisfy { $0.hasPrefix("layer order") }, "attempt \(attempt): \(verdicts)")
        #expect(order["verdict"] as? String == "layer order")
        #expect((order["read_around_bytes"] as! Int) > 0, "read-around is on: the neighbours are read too")
        print("replay under record, order known: passes \(verdicts), read-around \(order["read_around_bytes"]!) B, raw file steps \(order["raw_file_order_steps"]!) vs layer \(order["raw_layer_order_steps"]!)")
      }
      try RecordScratch.expectNothingLeft()
    }
  }
}
