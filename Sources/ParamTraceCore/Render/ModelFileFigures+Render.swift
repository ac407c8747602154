extension ModelFileFigures {
  /// One file's figures as JSON (`files` in the analysis).
  public var json: JSONValue {
    .object([
      ("path", path.map { .string($0) } ?? .null), ("start", .number(start)), ("size", .number(size)), ("bytes", .number(bytes)),
      ("unique_bytes", .number(uniqueBytes)), ("operations", .number(operations)), ("reread_factor", .optional(rereadFactor)),
      ("coverage", .optional(coverage)), ("passes", .optional(passes)), ("tensors", .number(tensors)),
    ])
  }

  /// The per-file table of a model in several files; nothing for a single file, whose
  /// figures are the whole model's.
  public static func summary(_ files: [ModelFileFigures]) -> [String] {
    guard files.count > 1 else { return [] }
    var rows = [["#", "FILE", "SIZE", "READ", "UNIQUE", "COVERAGE", "REREAD", "OPS", "TENSORS"]]
    for (index, file) in files.enumerated() {
      rows.append([
        String(index + 1), file.path ?? "?", HumanUnits.bytes(file.size), HumanUnits.bytes(file.bytes), HumanUnits.bytes(file.uniqueBytes),
        file.coverage.map { formatFixed($0 * 100, 1) + "%" } ?? "n/a", file.rereadFactor.map { formatFixed($0, 2) + "×" } ?? "n/a",
        HumanUnits.grouped(file.operations), String(file.tensors),
      ])
    }
    var widths = rows[0].map(\.count)
    for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
    var lines = ["Files of the model: \(files.count)"]
    for row in rows {
      let cells = row.enumerated().map { column, cell in column == 1 ? HumanUnits.padRight(cell, widths[column]) : HumanUnits.pad(cell, widths[column]) }
      lines.append("  " + cells.joined(separator: "  "))
    }
    lines.append("")
    return lines
  }
}
