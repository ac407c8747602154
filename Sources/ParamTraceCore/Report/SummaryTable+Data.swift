extension SummaryTable {
  /// The table as CSV: a header of snake_case names with units, one row per experiment
  /// (`statistic` = `run`) and, with repetitions, three rows per configuration (`median`,
  /// `min`, `max`) whose `runs` says how many finished runs they summarize (their name,
  /// memory kind and requested bytes filled in, other non-measured columns empty). Integers stay
  /// integers, reals always have a decimal point, absent values are empty: DuckDB's
  /// `read_csv` loads it as is.
  public var csv: String {
    let fields = ReportField.all
    // One text column per sweep axis (`axis_load_mode`), right after `label`.
    let axisAt = 2 + (fields.firstIndex { $0.key == "label" } ?? 0) + 1
    func withAxes(_ cells: [String], _ axes: [SweepAxisValue]?) -> [String] {
      guard !axisNames.isEmpty else { return cells }
      var cells = cells
      let values = axisNames.map { name in axes.map { own in ReportText.csvField(own.first { $0.name == name }?.value ?? "") } ?? "axis_" + name }
      cells.insert(contentsOf: values, at: axisAt)
      return cells
    }
    var out = withAxes(["statistic", "runs"] + fields.map(\.key), nil).joined(separator: ",") + "\n"
    for row in rows {
      out += withAxes(["run", "1"] + fields.map { Self.csvCell($0.value(row)) }, row.axes).joined(separator: ",") + "\n"
    }
    guard hasRepetitions else { return out }
    for group in groups {
      for statistic in ["median", "min", "max"] {
        var cells = [statistic, String(group.okRuns)]
        for field in fields {
          switch field.key {
          case "experiment", "label": cells.append(ReportText.csvField(group.label))
          case "memory_kind": cells.append(group.memoryKind.rawValue)
          case "memory_requested_bytes": cells.append(group.requestedBytes.map { String($0) } ?? "")
          case "cliff_verdict": cells.append(group.verdict?.rawValue ?? "")
          default:
            guard field.isMeasurement, let spread = group.statistics[field.key] else {
              cells.append("")
              continue
            }
            let value = statistic == "median" ? spread.median : statistic == "min" ? spread.minimum : spread.maximum
            cells.append(Self.csvCell(value))
          }
        }
        out += withAxes(cells, group.axes).joined(separator: ",") + "\n"
      }
    }
    return out
  }

  static func csvCell(_ value: ReportValue) -> String {
    switch value {
    case .integer(let number): String(number)
    case .real(let number): ReportText.csvReal(number)
    case .text(let text): ReportText.csvField(text)
    case .absent: ""
    }
  }

  /// The table as JSON: the columns with their types, one object per experiment (keys as
  /// in the CSV, absent values null) and one per configuration with the median, minimum,
  /// maximum and count of each measured column.
  public var json: JSONValue {
    .object([
      ("format", .string("paramtrace-report")),
      ("version", .number(1)),
      // Where the budgets start to thrash, by the rule `sweep --find-cliff` uses; null for none.
      ("cliff", cliff.map { .object($0.jsonMembers) } ?? .null),
      ("lock_cliff", lockCliff.map { .object($0.jsonMembers) } ?? .null),
      // With a sweep's other axes: the cliffs of each combination (`cliff` is then null).
      (
        "cliffs",
        .array(
          cliffs.map { entry in
            .object([
              ("axes", SweepAxisValue.json(entry.axes)), ("cliff", entry.cliff.map { .object($0.jsonMembers) } ?? .null),
              ("lock_cliff", entry.lockCliff.map { .object($0.jsonMembers) } ?? .null),
            ])
          })
      ),
      ("axes", .array(axisNames.map { .string($0) })),
      ("thrash_share_threshold", .double(thrashShare)),
      (
        "columns",
        .array(
          ReportField.all.map { field in
            .object([
              ("key", .string(field.key)),
              ("type", .string(field.kind == .integer ? "integer" : field.kind == .real ? "real" : "text")),
              ("measurement", .bool(field.isMeasurement)),
            ])
          })
      ),
      (
        "experiments",
        .array(
          rows.map { row in
            .object(
              ReportField.all.map { ($0.key, Self.jsonValue($0.value(row))) } + [
                ("axes", SweepAxisValue.json(row.axes)), ("warnings", .array(row.warnings.map { .string($0) })),
              ])
          })
      ),
      (
        "groups",
        .array(
          groups.map { group in
            .object([
              ("label", .string(group.label)),
              ("axes", SweepAxisValue.json(group.axes)),
              ("runs", .number(group.runs)),
              ("ok_runs", .number(group.okRuns)),
              ("memory_kind", .string(group.memoryKind.rawValue)),
              ("memory_bytes", .optional(group.memoryBytes)),
              ("memory_requested_bytes", .optional(group.requestedBytes)),
              ("cliff_verdict", group.verdict.map { .string($0.rawValue) } ?? .null),
              (
                "statistics",
                .object(
                  ReportField.measurements.compactMap { field in
                    guard let spread = group.statistics[field.key] else { return nil }
                    return (
                      field.key,
                      .object([
                        ("median", Self.jsonValue(spread.median)), ("min", Self.jsonValue(spread.minimum)),
                        ("max", Self.jsonValue(spread.maximum)), ("count", .number(spread.count)),
                      ])
                    )
                  })
              ),
            ])
          })
      ),
    ])
  }


  static func jsonValue(_ value: ReportValue) -> JSONValue {
    switch value {
    case .integer(let number): .int(number)
    case .real(let number): .double(number)
    case .text(let text): .string(text)
    case .absent: .null
    }
  }
}
