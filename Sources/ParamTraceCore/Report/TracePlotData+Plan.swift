extension TracePlotData {
  /// How to read an experiment's trace for its plots: the analysis options its analysis.json
  /// was made with (`AnalysisOptions(experimentManifest:analysis:)`) and
  /// the plot setup (time span, sector range, file size, decode boundary, operation count).
  public static func plan(manifest: ParsedJSON, analysis: ParsedJSON?, columns: Int = 280, rows: Int = 140) -> (
    options: AnalysisOptions, setup: Setup
  ) {
    var options = AnalysisOptions(experimentManifest: manifest, analysis: analysis)
    // The plots mark the load/decode boundary themselves; the figures need no phase split.
    options.decodeFromNanoseconds = nil
    var setup = Setup()
    setup.columns = columns
    setup.rows = rows
    if let extents = options.filter.extents {
      setup.fileSize = extents.fileSize
      let sectors = extents.extents.map { ($0.sector, $0.sector + ($0.length + 511) / 512) }
      if let low = sectors.map(\.0).min(), let high = sectors.map(\.1).max() { setup.sectorRange = (low, high) }
    }
    if let first = analysis?["first_time_ns"]?.uint64, let last = analysis?["last_time_ns"]?.uint64, last >= first {
      setup.timeRange = (first, last)
    }
    setup.decodeBoundary = analysis?[path: "phases", "boundary_ns"]?.uint64
    setup.expectedOperations = analysis?["operations"]?.int
    return (options, setup)
  }

  /// The file's extent map from manifest.model: extents as [logical_offset, sector, length],
  /// the file's size, and the traced disk; nil without them.
  public static func extentMap(_ manifest: ParsedJSON) -> FileExtentMap? {
    guard let model = manifest["model"], let size = model["size_bytes"]?.uint64, let rows = model["extents"]?.array, !rows.isEmpty else {
      return nil
    }
    var extents: [FileExtent] = []
    for row in rows {
      guard let fields = row.array, fields.count >= 3, let offset = fields[0].uint64, let sector = fields[1].uint64, let length = fields[2].uint64
      else { return nil }
      extents.append(FileExtent(logicalOffset: offset, sector: sector, length: length))
    }
    let device = manifest[path: "environment", "traced_disk"]?.string.flatMap(DeviceNumber.init(parsing:))
    return try? FileExtentMap(extents: extents, fileSize: size, path: model["path"]?.string, device: device)
  }
}
