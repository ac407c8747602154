extension ExtentsReport {
  /// The human report: file and device lines, one row per extent with its whole-disk
  /// sectors, the fragmentation summary and notes.
  public var table: String {
    let d = details
    var lines: [String] = []
    lines.append("paramtrace extents: \(d.path)")
    var file = "File: \(HumanUnits.grouped(d.fileSize)) B (\(HumanUnits.bytes(d.fileSize)))"
    if let type = d.filesystemType { file += ", filesystem \(type)" }
    if let block = d.blockSize { file += ", block \(block) B" }
    lines.append(file)
    lines.append("Device: \(deviceLine)")
    if let backing = d.loopBackingFile { lines.append("Loop disk backed by \(backing)") }
    lines.append("")

    let header = ["EXT", "LOGICAL(B)", "LENGTH(B)", "PHYSICAL(B)", "SECTORS(first-last)", "FLAGS"]
    var rows: [[String]] = []
    for (index, extent) in map.extents.enumerated() {
      let last = (extent.diskByteEnd + 511) / 512 - 1
      let physical = (extent.sector - min(extent.sector, d.partitionStartSector)) * 512
      rows.append([
        "\(index)", "\(extent.logicalOffset)", "\(extent.length)", "\(physical)", "\(extent.sector)-\(last)",
        extent.flags.joined(separator: ","),
      ])
    }
    var widths = header.map(\.count)
    for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
    func render(_ row: [String]) -> String {
      var cells: [String] = []
      for (column, cell) in row.enumerated() {
        // Numbers right-aligned; the last column (flags) left as is.
        cells.append(column == row.count - 1 ? cell : HumanUnits.pad(cell, widths[column]))
      }
      var text = cells.joined(separator: "  ")
      while text.hasSuffix(" ") { text.removeLast() }
      return text
    }
    lines.append(render(header))
    for row in rows { lines.append(render(row)) }
    if rows.isEmpty { lines.append("(no extents: the file is empty or all holes; nothing of it is on the disk)") }
    lines.append("")
    lines.append("Fragmentation: \(fragmentationLine)")
    for note in d.notes { lines.append("Note: \(note)") }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Which disk the sectors refer to and how they were derived.
  var deviceLine: String {
    let d = details
    let disk = d.disk.map { "\(d.diskName.map { $0 + " " } ?? "")\($0)" } ?? "whole disk (not given)"
    var text: String
    if d.isPartition, let part = d.fileDevice {
      text = "\(d.fileDeviceName.map { $0 + " " } ?? "")\(part), a partition of \(disk) starting at sector \(d.partitionStartSector)"
    } else if d.fileDevice != nil {
      text = "\(disk) (whole disk; partition start 0)"
    } else {
      text = "\(disk), partition start \(d.partitionStartSector) sectors"
    }
    text += "; sectors are whole-disk 512-byte sectors, as traces of \(d.disk.map(\.description) ?? "the disk") print them"
    var queue: [String] = []
    if let scheduler = d.scheduler { queue.append("scheduler \(scheduler)") }
    if let readAhead = d.readAheadKilobytes { queue.append("read_ahead_kb \(readAhead)") }
    if !queue.isEmpty { text += "\nQueue: " + queue.joined(separator: ", ") }
    return text
  }

  /// Extent count, backward jumps, largest gap, span.
  var fragmentationLine: String {
    let f = fragmentation
    var text = "\(f.extentCount) extent\(f.extentCount == 1 ? "" : "s")"
    guard f.transitions > 0 else { return text + "; span \(HumanUnits.bytes(f.spanBytes)) on disk" }
    text += "; \(f.transitions) transition\(f.transitions == 1 ? "" : "s") in file order: \(f.backwardTransitions) backward, \(f.contiguousTransitions) contiguous"
    if let after = f.largestGapAfter {
      text += "; largest gap \(HumanUnits.bytes(f.largestGapBytes)) (\(HumanUnits.grouped(f.largestGapBytes)) B, \(f.largestGapIsBackward ? "backward" : "forward"), extent \(after) to \(after + 1))"
    } else {
      text += "; no gaps"
    }
    text += "; span \(HumanUnits.bytes(f.spanBytes)) on disk"
    return text
  }
}
