extension ModelMap {
  /// The human report of `paramtrace model`: header summary, metadata, then one row per
  /// tensor in file order. Offsets and sizes are bytes.
  public func summary(source: String) -> String {
    var out = ""
    func line(_ label: String, _ text: String) { out += HumanUnits.padRight(label, 14) + text + "\n" }

    line("model", source)
    switch format {
    case .gguf: line("format", "GGUF v\(version ?? 0), \(byteOrder.rawValue)-endian")
    case .safetensors: line("format", "safetensors")
    }
    line("file size", "\(HumanUnits.grouped(fileSize)) B (\(HumanUnits.bytes(fileSize)))")
    let alignmentText = alignment.map { "; alignment \($0)" } ?? ""
    line("header", "\(HumanUnits.grouped(dataStart)) B (tensor data starts at byte \(HumanUnits.grouped(dataStart))\(alignmentText))")
    var counts: [String: Int] = [:]
    for tensor in tensors { counts[tensor.typeName, default: 0] += 1 }
    let typeList = counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
    line(
      "tensors",
      "\(tensors.count), \(HumanUnits.grouped(tensorBytes)) B (\(HumanUnits.bytes(tensorBytes)))"
        + (typeList.isEmpty ? "" : ": \(typeList)"))
    let padding = fileSize.subtractingReportingOverflow(tensorBytes &+ min(dataStart, fileSize))
    line("padding", "\(HumanUnits.grouped(padding.overflow ? 0 : padding.partialValue)) B between and after tensors")
    if let name = architecture.name {
      let fields = architecture.fields.compactMap { field in field.value.map { "\(field.key) \($0)" } }
      line("architecture", name + (fields.isEmpty ? "" : ": " + fields.joined(separator: ", ")))
    }
    if !layersInFileOrder.isEmpty {
      let order = layersInFileOrder.map(String.init).joined(separator: " ")
      line(
        "layers",
        layerOrderDiffersFromFileOrder
          ? "\(layersInFileOrder.count), file order differs from layer order: \(order)"
          : "\(layersInFileOrder.count), stored in layer order")
    }
    line("metadata", "\(metadata.count) key\(metadata.count == 1 ? "" : "s")")
    let keyWidth = min(48, metadata.map(\.key.count).max() ?? 0)
    let typeTexts = metadata.map { Self.typeText($0.value) }
    let typeWidth = typeTexts.map(\.count).max() ?? 0
    for (index, entry) in metadata.enumerated() {
      out += "  " + HumanUnits.padRight(entry.key, keyWidth) + "  " + HumanUnits.padRight(typeTexts[index], typeWidth) + "  "
        + Self.valueText(entry.value) + "\n"
    }

    let hasExperts = tensors.contains { $0.expertCount != nil }
    var rows: [[String]] = [
      ["#", "NAME", "TYPE", format == .gguf ? "SHAPE(ne)" : "SHAPE", "OFFSET(B)", "SIZE(B)", "LAYER"] + (hasExperts ? ["EXPERTS"] : [])
    ]
    for (index, tensor) in tensors.enumerated() {
      rows.append(
        [
          String(index), tensor.name, tensor.typeName, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]",
          HumanUnits.grouped(tensor.fileOffset), HumanUnits.grouped(tensor.byteSize), tensor.layer.map(String.init) ?? "-",
        ] + (hasExperts ? [tensor.expertCount.map(String.init) ?? "-"] : []))
    }
    let leftAligned: Set<Int> = [1, 2, 3]
    var widths = [Int](repeating: 0, count: rows[0].count)
    for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
    out += "\n"
    for row in rows {
      var text = ""
      for (column, cell) in row.enumerated() {
        if column > 0 { text += "  " }
        let last = column == row.count - 1
        text += leftAligned.contains(column) ? (last ? cell : HumanUnits.padRight(cell, widths[column])) : HumanUnits.pad(cell, widths[column])
      }
      out += text + "\n"
    }
    return out
  }

  /// `UINT32`, or `STRING[32000]` for arrays (`ARRAY[2]` of arrays).
  static func typeText(_ value: ModelMetadataValue) -> String {
    if case .array(let array) = value { return "\(array.elementType.name)[\(array.count)]" }
    return value.type.name
  }

  /// A value on one line: strings quoted and escaped, cut after 60 characters; arrays show
  /// their first elements.
  static func valueText(_ value: ModelMetadataValue, budget: Int = 100) -> String {
    switch value {
    case .string(let text): return quoted(text)
    case .float32(let number): return "\(number)"
    case .float64(let number): return "\(number)"
    case .bool(let flag): return flag ? "true" : "false"
    case .array(let array):
      var parts: [String] = []
      var used = 0
      for element in array.first {
        let text = valueText(element, budget: budget / 2)
        if used + text.count > budget, !parts.isEmpty { break }
        parts.append(text)
        used += text.count + 2
      }
      let rest = array.count - UInt64(parts.count)
      return "[" + parts.joined(separator: ", ") + (rest > 0 ? (parts.isEmpty ? "" : ", ") + "… +\(rest)" : "") + "]"
    case .uint64(let number): return String(number)
    default: return value.integer.map(String.init) ?? "?"
    }
  }

  /// A string in double quotes with control characters escaped, cut after 60 characters.
  static func quoted(_ text: String) -> String {
    var out = "\""
    var count = 0
    for scalar in text.unicodeScalars {
      if count == 60 {
        out += "…"
        break
      }
      switch scalar {
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          out += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
      count += 1
    }
    return out + "\""
  }
}
