extension ExpertFigures {
  /// `tensors.experts` in the analysis JSON. `bytes`, `unique_bytes` are per layer (as
  /// `layers`), per expert; `passes` has one entry per `read_order.passes` entry, each a list
  /// per layer of the expert ids read in that pass; `per_token` is over the decode passes.
  public func json(hottest count: Int = 10) -> JSONValue {
    let tokens = perToken
    let hot = hottest(count)
    return .object([
      ("count", .number(expertsPerLayer)),
      ("used_per_token", .optional(expertsUsedPerToken)),
      ("layers", .array(layers.map { .number($0) })),
      ("bytes", .array(bytes.map { .array($0.map { .number($0) }) })),
      ("unique_bytes", .array(uniqueBytes.map { .array($0.map { .number($0) }) })),
      ("router_bytes", .array(routerBytes.map { .number($0) })),
      ("total_bytes", .number(totalBytes)),
      ("readahead_bytes", .number(readaheadBytes)),
      ("without_readahead_bytes", .number(nonReadaheadBytes)),
      (
        "passes",
        .array(passes.indices.map { pass in .array(layers.indices.map { slot in .array(experts(pass: pass, slot: slot).map { .number($0) }) }) })
      ),
      ("pass_expert_bytes", .array(passes.map { .number($0.expertBytes) })),
      ("pass_dense_bytes", .array(passes.map { .number($0.denseBytes) })),
      ("passes_incomplete", .bool(passesIncomplete)),
      (
        "per_token",
        .object([
          ("passes", .number(tokens.passes)),
          ("first_pass", .number(tokenPasses.lowerBound)),
          ("experts_per_token", Self.spreadJSON(tokens.expertsPerToken)),
          ("experts_per_layer", Self.spreadJSON(tokens.expertsPerLayer)),
          ("layer_means", .array(tokens.layerMeans.map { .double($0) })),
          ("reuse_share", .optional(tokens.reuseShare)),
          ("reuse_pairs", .number(tokens.reusePairs)),
          ("expert_bytes", .optional(tokens.expertBytesPerToken)),
          ("dense_bytes", .optional(tokens.denseBytesPerToken)),
        ])
      ),
      (
        "hot",
        .array(hot.map { .object([("layer", .number($0.layer)), ("expert", .number($0.expert)), ("bytes", .number($0.bytes))]) })
      ),
      ("hot_share", totalBytes == 0 ? .null : .double(Double(hot.reduce(0) { $0 &+ $1.bytes }) / Double(totalBytes))),
    ])
  }

  static func spreadJSON(_ spread: Spread?) -> JSONValue {
    guard let spread else { return .null }
    return .object([
      ("mean", .double(spread.mean)), ("min", .double(spread.minimum)), ("max", .double(spread.maximum)),
      ("stddev", .double(spread.standardDeviation)),
    ])
  }

  /// The expert lines of the summary: what was read per token and per layer, reuse between
  /// passes, the hottest experts, expert versus dense bytes, and readahead.
  public func summaryLines(hottest count: Int = 8) -> [String] {
    let used = expertsUsedPerToken.map { ", the model routes each token to \($0)" } ?? ""
    var lines = [
      "  experts: \(layers.count) layers × \(expertsPerLayer) experts\(used); \(HumanUnits.bytes(totalBytes)) read of expert tensors, "
        + "\(HumanUnits.bytes(routerBytes.reduce(0, &+))) of routers"
    ]
    let tokens = perToken
    let which =
      decodeFromNanoseconds == nil
      ? "\(tokens.passes) \(tokens.passes == 1 ? "pass" : "passes"), all of them: no load/decode boundary"
      : "\(tokens.passes) decode \(tokens.passes == 1 ? "pass" : "passes")"
    if let perToken = tokens.expertsPerToken, let perLayer = tokens.expertsPerLayer {
      lines.append("  experts read per token (\(which)): \(Self.spreadText(perToken)); per layer \(Self.spreadText(perLayer))")
      if let reuse = tokens.reuseShare {
        lines.append(
          "  reuse: \(Self.percent(reuse * 100)) of the experts a pass read in a layer the pass before read too (\(tokens.reusePairs) pairs)")
      }
      if let expert = tokens.expertBytesPerToken, let dense = tokens.denseBytesPerToken {
        let share = expert + dense > 0 ? " (\(Self.percent(expert / (expert + dense) * 100)) experts)" : ""
        lines.append("  bytes per token: \(HumanUnits.bytes(UInt64(expert))) experts, \(HumanUnits.bytes(UInt64(dense))) dense\(share)")
      }
    } else {
      lines.append("  experts read per token: no forward pass (\(which))")
    }
    let hot = hottest(count)
    if !hot.isEmpty, totalBytes > 0 {
      let share = Double(hot.reduce(0) { $0 &+ $1.bytes }) / Double(totalBytes)
      lines.append(
        "  hot experts (layer/expert, top \(hot.count) of \(layers.count * expertsPerLayer), \(Self.percent(share * 100)) of expert bytes): "
          + hot.map { "\($0.layer)/\($0.expert) \(HumanUnits.bytes($0.bytes))" }.joined(separator: ", "))
    }
    if totalBytes > 0 {
      // Measured on kernel 6.18: a pread workload with readahead off (POSIX_FADV_RANDOM) had
      // every request flagged RA, as mmap faults' read-around has.
      lines.append(
        "  expert bytes in requests flagged readahead (RA): \(Self.percent(Double(readaheadBytes) / Double(totalBytes) * 100)), "
          + "not flagged: \(HumanUnits.bytes(nonReadaheadBytes)). The page cache issues faults' read-around, and even reads with"
          + " readahead off, as RA requests: RA does not tell an expert the workload used from one read around it")
    }
    if passesIncomplete { lines.append("  (the layer timeline was full: experts of the later passes are missing)") }
    return lines
  }

  /// `12.3 %`, unpadded, for sentences.
  static func percent(_ value: Double) -> String { formatFixed(value, 1) + " %" }

  static func spreadText(_ spread: Spread) -> String {
    "mean \(formatFixed(spread.mean, 1)) (min \(formatFixed(spread.minimum, 0)), max \(formatFixed(spread.maximum, 0)), sd \(formatFixed(spread.standardDeviation, 1)))"
  }
}
