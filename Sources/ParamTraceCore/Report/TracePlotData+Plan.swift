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

  /// The file's extent map from manifest.model: extents as [logical_offset, sector, length]
  /// (and the disk's index in `devices` for a model on several disks), the file's size (the
  /// address space of a model in several files), and the traced disk; nil without them.
  public static func extentMap(_ manifest: ParsedJSON) -> FileExtentMap? {
    guard let model = manifest["model"], let contentSize = model["size_bytes"]?.uint64, let rows = model["extents"]?.array, !rows.isEmpty
    else {
      return nil
    }
    var extents: [FileExtent] = []
    for row in rows {
      guard let fields = row.array, fields.count >= 3, let offset = fields[0].uint64, let sector = fields[1].uint64, let length = fields[2].uint64
      else { return nil }
      let disk = fields.count >= 4 ? fields[3].uint64.flatMap { UInt8(exactly: $0) } : 0
      guard let disk else { return nil }
      extents.append(FileExtent(logicalOffset: offset, sector: sector, length: length, disk: disk))
    }
    let devices = (model["devices"]?.array ?? []).compactMap { $0.string.flatMap(DeviceNumber.init(parsing:)) }
    let device = devices.first ?? manifest[path: "environment", "traced_disk"]?.string.flatMap(DeviceNumber.init(parsing:))
    let size = model["address_space_bytes"]?.uint64 ?? contentSize
    guard var map = try? FileExtentMap(extents: extents, fileSize: size, path: model["path"]?.string, device: device) else { return nil }
    map.contentSize = contentSize
    map.otherDevices = Array(devices.dropFirst())
    return map
  }
}
