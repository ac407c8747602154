extension DiskWaitFigures {
  /// The `disk_wait` object of the analysis JSON: nanoseconds, bytes, shares 0…1, rates in bytes/s.
  public var json: JSONValue {
    .object([
      ("window_source", .string(windowSource)),
      ("load", load.map(Self.phaseJSON) ?? .null),
      ("decode", decode.map(Self.phaseJSON) ?? .null),
      ("decode_tokens", .optional(decodeTokens)),
      ("decode_bytes", .optional(decodeBytes)),
      ("reread_bytes", .optional(rereadBytes)),
      ("bytes_per_token", .optional(bytesPerToken)),
      ("reread_bytes_per_token", .optional(rereadBytesPerToken)),
      ("measured_tokens_per_second", .optional(measuredTokensPerSecond)),
      (
        "ceiling",
        ceiling.map { ceiling in
          .object([
            ("tokens_per_second", .double(ceiling.tokensPerSecond)),
            ("bandwidth_bytes_per_second", .double(ceiling.bandwidth.bytesPerSecond)),
            ("bandwidth_source", .string(ceiling.bandwidth.source.rawValue)),
            ("bandwidth_detail", .string(ceiling.bandwidth.detail)),
            ("lower_bound", .bool(ceiling.bandwidth.isLowerBound)),
            ("measured_share_of_ceiling", .optional(shareOfCeiling)),
          ])
        } ?? .null
      ),
    ])
  }

  private static func phaseJSON(_ phase: PhaseBusyShare) -> JSONValue {
    .object([
      ("from_ns", .number(phase.fromNanoseconds)), ("to_ns", .number(phase.toNanoseconds)),
      ("window_ns", .number(phase.windowNanoseconds)), ("busy_ns", .number(phase.busyNanoseconds)),
      ("busy_share", .optional(phase.share)),
    ])
  }

  /// The summary's lines; empty when nothing is known (no phase split and no timing lines).
  public var summaryLines: [String] {
    guard load != nil || decode != nil || decodeTokens != nil else { return [] }
    var lines = ["Disk wait (the model's reads in flight, first issue → completion; windows: \(windowSource))"]
    for (name, phase) in [("load", load), ("decode", decode)] {
      guard let phase else { continue }
      let share = phase.share.map { formatFixed($0 * 100, 1) + "%" } ?? "n/a (empty window)"
      lines.append(
        "  " + HumanUnits.padRight(name + ":", 9) + "disk busy \(formatFixed(Double(phase.busyNanoseconds) / 1e9, 3)) s of "
          + "\(formatFixed(Double(phase.windowNanoseconds) / 1e9, 3)) s (\(share))")
    }
    if decodeBytes == nil {
      lines.append("  per generated token: n/a (no load/decode split: give --decode-from or --decode-marker)")
    } else if let tokens = decodeTokens {
      let perToken = bytesPerToken.map(HumanUnits.bytes) ?? "n/a"
      let reread = rereadBytesPerToken.map { ", \(HumanUnits.bytes($0)) of it re-reads" } ?? ""
      lines.append("  per generated token: \(perToken) read\(reread) (\(tokens) tokens: the prompt pass and each eval run)")
    } else {
      lines.append("  per generated token: n/a (no llama.cpp timing lines: pass the workload's output with --timings)")
    }
    let measured = measuredTokensPerSecond.map { formatFixed($0, 2) } ?? "n/a"
    if let ceiling {
      let bound = ceiling.bandwidth.isLowerBound ? "≥ " : ""
      let share = shareOfCeiling.map { " (measured = \(formatFixed($0 * 100, 1))% of it)" } ?? ""
      lines.append(
        "  tokens/s: measured \(measured); I/O-bound ceiling \(bound)\(formatFixed(ceiling.tokensPerSecond, 2))\(share)"
          + " = \(HumanUnits.rate(ceiling.bandwidth.bytesPerSecond)) ÷ \(HumanUnits.bytes(ceiling.bytesPerToken)) per token")
      lines.append("  bandwidth: \(ceiling.bandwidth.source.rawValue), \(ceiling.bandwidth.detail)")
    } else if decodeTokens != nil {
      lines.append("  tokens/s: measured \(measured); no I/O-bound ceiling (decode read nothing, or no bandwidth known)")
    }
    lines.append("")
    return lines
  }
}
