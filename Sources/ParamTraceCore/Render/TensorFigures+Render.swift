extension TensorFigures {
  /// Per-tensor, per-layer and timeline figures as JSON.
  public func json(layout: ModelLayout) -> JSONValue {
    .object([
      ("model", layout.path.map { .string($0) } ?? .null),
      ("file_order_differs_from_layer_order", .bool(fileOrderDiffersFromLayerOrder)),
      ("layers_in_file_order", .array(layout.layersInFileOrder.map { .number($0) })),
      ("header_bytes", .number(headerBytes)),
      ("header_unique_bytes", .number(headerUniqueBytes)),
      ("padding_bytes", .number(paddingBytes)),
      (
        "read_order",
        order.json(modelBytes: layout.tensors.reduce(0) { $0 + $1.size })
      ),
      (
        "layers",
        .array(
          layers.map {
            .object([
              ("layer", .number($0.layer)), ("size", .number($0.size)), ("bytes", .number($0.bytes)),
              ("unique_bytes", .number($0.uniqueBytes)), ("operations", .number($0.operations)), ("passes", .optional($0.passes)),
            ])
          })
      ),
      (
        "tensors",
        .array(
          tensors.map { row in
            var members: [(String, JSONValue)] = [
              ("name", .string(row.name)), ("layer", .optional(row.layer)), ("offset", .number(row.offset)),
              ("size", .number(row.size)), ("bytes", .number(row.bytes)), ("unique_bytes", .number(row.uniqueBytes)),
              ("operations", .number(row.operations)), ("reread_factor", .optional(row.rereadFactor)),
            ]
            if !row.expertBytes.isEmpty { members.append(("expert_bytes", .array(row.expertBytes.map { .number($0) }))) }
            if layout.parts.count > 1 { members.append(contentsOf: Self.fileMembers(row, layout)) }
            return .object(members)
          })
      ),
      (
        "layer_timeline",
        .array(
          timeline.map { run in
            .array([
              .number(run.startNanoseconds), .number(run.endNanoseconds),
              run.layer.map { .number($0) } ?? .string(run.tensor.map { layout.tensors[$0].name } ?? "?"), .number(run.bytes),
            ])
          })
      ),
      ("layer_timeline_columns", .array(["start_ns", "end_ns", "layer_or_tensor", "bytes"].map { .string($0) })),
      ("layer_timeline_truncated", .bool(timelineTruncated)),
      ("experts", experts?.json() ?? .null),
    ])
  }

  /// For a model in several files: the tensor's file and its offset in that file (`offset`
  /// is in the model's address space, the files laid end to end).
  static func fileMembers(_ row: TensorRow, _ layout: ModelLayout) -> [(String, JSONValue)] {
    let part = layout.parts[layout.part(containing: row.offset)]
    return [("file", part.path.map { .string($0) } ?? .null), ("file_offset", .number(row.offset - part.start))]
  }

  /// The readable per-layer table, the tensors outside the layers, the most-read tensors, and
  /// the read-order verdict.
  public func summary(layout: ModelLayout, topTensors: Int = 10) -> [String] {
    var lines: [String] = []
    lines.append("Model: \(layout.path ?? "?") (\(layout.tensors.count) tensors, header \(HumanUnits.bytes(layout.headerSize))\(layout.parts.count > 1 ? " in \(layout.parts.count) files" : ""))")
    if fileOrderDiffersFromLayerOrder {
      let order = layout.layersInFileOrder.map(String.init).joined(separator: ",")
      lines.append("  blocks are stored out of layer order in the file: \(order)")
    }
    lines.append(contentsOf: order.summaryLines(modelBytes: layout.tensors.reduce(0) { $0 + $1.size }))
    lines.append("  " + HumanUnits.padRight("layer", 20) + HumanUnits.pad("size", 12) + HumanUnits.pad("read", 13) + HumanUnits.pad("unique", 13)
      + HumanUnits.pad("passes", 8) + HumanUnits.pad("ops", 9))
    for row in layers {
      lines.append(
        "  " + HumanUnits.padRight("blk.\(row.layer)", 20) + HumanUnits.pad(HumanUnits.bytes(row.size), 12)
          + HumanUnits.pad(HumanUnits.bytes(row.bytes), 13) + HumanUnits.pad(HumanUnits.bytes(row.uniqueBytes), 13)
          + HumanUnits.pad(row.passes.map { formatFixed($0, 2) } ?? "n/a", 8) + HumanUnits.pad(HumanUnits.grouped(row.operations), 9))
    }
    for row in tensors where row.layer == nil {
      let passes = row.size == 0 ? "n/a" : formatFixed(Double(row.bytes) / Double(row.size), 2)
      lines.append(
        "  " + HumanUnits.padRight(row.name, 20) + HumanUnits.pad(HumanUnits.bytes(row.size), 12)
          + HumanUnits.pad(HumanUnits.bytes(row.bytes), 13) + HumanUnits.pad(HumanUnits.bytes(row.uniqueBytes), 13)
          + HumanUnits.pad(passes, 8) + HumanUnits.pad(HumanUnits.grouped(row.operations), 9))
    }
    lines.append("  header \(HumanUnits.bytes(headerBytes)) read, padding \(HumanUnits.bytes(paddingBytes)) read")
    let top = tensors.filter { $0.bytes > 0 }.sorted { $0.bytes > $1.bytes }.prefix(topTensors)
    if !top.isEmpty {
      lines.append("  most-read tensors: " + top.map { "\($0.name) \(HumanUnits.bytes($0.bytes))" }.joined(separator: ", "))
    }
    for row in tensors where !row.expertBytes.isEmpty && row.bytes > 0 {
      lines.append("  \(row.name) per expert: " + row.expertBytes.map { HumanUnits.bytes($0) }.joined(separator: ", "))
    }
    if let experts { lines.append(contentsOf: experts.summaryLines()) }
    return lines
  }
}
