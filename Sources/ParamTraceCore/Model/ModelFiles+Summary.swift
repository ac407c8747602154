extension ModelFiles {
  /// The human report of `paramtrace model`: for one file, `ModelMap.summary`; for several,
  /// a list of the files, then each file's report in order (offsets in the tables are in
  /// that file).
  public func summary(source: String) -> String {
    guard parts.count > 1 else { return first.map.summary(source: source) }
    var out = ""
    func line(_ label: String, _ text: String) { out += HumanUnits.padRight(label, 14) + text + "\n" }
    let how: String =
      switch kind {
      case .single: "one file"
      case .ggufSplit: "GGUF split in \(parts.count) files"
      case .safetensorsIndex(let index): "safetensors in \(parts.count) shards, index \(index)"
      }
    line("model", "\(source) (\(how))")
    line("size", "\(HumanUnits.grouped(totalSize)) B (\(HumanUnits.bytes(totalSize))) in all files, \(tensorCount) tensors")
    let rows = parts.enumerated().map { index, part in
      [
        String(index + 1), part.path, HumanUnits.grouped(part.map.fileSize), HumanUnits.grouped(part.map.dataStart),
        String(part.map.tensors.count),
      ]
    }
    let header = ["#", "FILE", "SIZE(B)", "HEADER(B)", "TENSORS"]
    var widths = header.map(\.count)
    for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
    for row in [header] + rows {
      let cells = row.enumerated().map { column, cell in column == 1 ? HumanUnits.padRight(cell, widths[column]) : HumanUnits.pad(cell, widths[column]) }
      out += "  " + cells.joined(separator: "  ") + "\n"
    }
    for (index, part) in parts.enumerated() {
      out += "\n== file \(index + 1) of \(parts.count) ==\n"
      out += part.map.summary(source: part.path)
    }
    return out
  }
}
