extension LayerOrderAnalysis {
  /// `read_order` in the analysis JSON: the verdict and steps with read-around left out, the
  /// raw counts beside them, the read-around, and every forward pass with its bytes and the
  /// share of the model it read (`reread`: bytes / the tensors' bytes).
  public func json(modelBytes: UInt64) -> JSONValue {
    .object([
      ("verdict", .string(verdict)),
      ("steps", .number(steps)),
      ("layer_order_steps", .number(layerOrderSteps)),
      ("file_order_steps", .number(fileOrderSteps)),
      ("wraps", .number(wraps)),
      ("raw_steps", .number(rawSteps)),
      ("raw_layer_order_steps", .number(rawLayerOrderSteps)),
      ("raw_file_order_steps", .number(rawFileOrderSteps)),
      ("read_around_bytes", .number(readAroundBytes)),
      ("read_around_runs", .number(readAroundRuns)),
      ("read_around_share", .optional(readAroundShare)),
      ("passes_found", .number(passes.count)),
      (
        "passes",
        .array(
          passes.map { pass in
            .object([
              ("start_ns", .number(pass.startNanoseconds)), ("end_ns", .number(pass.endNanoseconds)), ("bytes", .number(pass.bytes)),
              ("reread", modelBytes == 0 ? .null : .double(Double(pass.bytes) / Double(modelBytes))),
              ("blocks_read", .number(pass.blocksRead)), ("order", .string(pass.verdict)),
            ])
          })
      ),
    ])
  }

  /// The read-order lines of the summary: verdict, read-around, passes (grouped by order).
  public func summaryLines(modelBytes: UInt64) -> [String] {
    var lines = [
      "  read order: \(verdict) (\(layerOrderSteps) of \(steps) layer steps N→N+1, \(fileOrderSteps) to the next block in the file; "
        + "\(passes.count) forward \(passes.count == 1 ? "pass" : "passes"))"
    ]
    if readAroundRuns > 0 {
      lines.append(
        "  read-around: \(HumanUnits.bytes(readAroundBytes)) in \(HumanUnits.grouped(readAroundRuns)) short runs into the block stored next"
          + " to the one being read (\(readAroundShare.map { HumanUnits.percent($0 * 100) } ?? "n/a") of the blocks' bytes), left out of the order;"
          + " counting them too gives \(rawLayerOrderSteps) layer and \(rawFileOrderSteps) file steps of \(rawSteps)")
    }
    if !passes.isEmpty {
      // Consecutive passes of one order in one line: "1 in file order (2.3 GiB), 17 in layer order (…)".
      var groups: [(verdict: String, count: Int, bytes: UInt64)] = []
      for pass in passes {
        if groups.last?.verdict == pass.verdict {
          groups[groups.count - 1].count += 1
          groups[groups.count - 1].bytes &+= pass.bytes
        } else {
          groups.append((pass.verdict, 1, pass.bytes))
        }
      }
      let text = groups.map { group in
        let share = modelBytes == 0 ? "" : ", \(formatFixed(Double(group.bytes) / Double(group.count) / Double(modelBytes), 2)) of the model each"
        return "\(group.count) in \(group.verdict) (\(HumanUnits.bytes(group.bytes))\(share))"
      }
      lines.append("  passes: " + text.joined(separator: ", then "))
    }
    return lines
  }
}

extension TraceAnalysis {
  /// The read order and passes of the load and decode phases, one line each.
  static func phasePassLines(_ phases: PhaseSplit, modelBytes: UInt64) -> [String] {
    var lines: [String] = []
    for (name, figures) in [("load", phases.loadTensors), ("decode", phases.decodeTensors)] {
      guard let order = figures?.order else { continue }
      guard !order.passes.isEmpty else {
        lines.append("  \(name) phase: no block read from the disk")
        continue
      }
      let rereads = order.passes.map { modelBytes == 0 ? "?" : formatFixed(Double($0.bytes) / Double(modelBytes), 2) }
      let shown = rereads.count > 12 ? rereads.prefix(12).joined(separator: " ") + " …" : rereads.joined(separator: " ")
      lines.append(
        "  \(name) phase: \(order.verdict); \(order.passes.count) forward \(order.passes.count == 1 ? "pass" : "passes"), "
          + "share of the model read per pass: \(shown)")
    }
    return lines
  }
}
