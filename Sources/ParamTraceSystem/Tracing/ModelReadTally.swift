import ParamTraceCore

#if canImport(Glibc)
  import Glibc
#endif

/// Read requests and bytes of the model completed so far, for `record`'s status line: the raw
/// pages the drains have written since the last look are decoded (completions only, the
/// other events counted and skipped) and the completed reads that land in the model's
/// extents are added up, bytes inside the model only.
///
/// The drains do no per-event work (lesson 11); this runs on the status line's tick, twice a
/// second, and only when the line is shown. It lags the ring by what the drains have not yet
/// written (at most about a second at low rates), so the line says "so far".
final class ModelReadTally {
  private struct CPUFile {
    var path: String
    var decoder: FtraceRawDecoder
    var offset = 0
  }

  private var files: [CPUFile]
  private let extents: FileExtentMap
  private let pageSize: Int
  private var batch = ContiguousArray<BlockEvent>()
  private var buffer: UnsafeMutableRawBufferPointer
  private(set) var requests: UInt64 = 0
  private(set) var bytes: UInt64 = 0

  /// Nil when the layouts file cannot be read (the line then shows the disk's counters).
  init?(stem: String, cpus: [Int], extents: FileExtentMap) {
    self.stem = stem
    self.cpus = cpus
    self.extents = extents
    files = []
    guard let formats = Self.formats(stem) else { return nil }
    pageSize = formats.pageSize
    buffer = .allocate(byteCount: max(pageSize, 1 << 20) / pageSize * pageSize, alignment: 4096)
    files = Self.files(stem: stem, cpus: cpus, formats: formats)
  }

  private let stem: String
  private let cpus: [Int]
  /// The handoff's next set of files (`stem.sK`), followed once its layouts are written.
  private var nextSegment = 1

  private static func formats(_ stem: String) -> FtraceRawFormats? {
    guard let data = try? readWholeFile(stem + ".formats", limit: 1 << 20) else { return nil }
    return try? FtraceRawFormats(parsing: String(decoding: data, as: UTF8.self))
  }

  private static func files(stem: String, cpus: [Int], formats: FtraceRawFormats) -> [CPUFile] {
    let skipped = BlockActionSet(BlockAction.allCases.filter { $0 != .complete })
    return cpus.map { cpu in
      CPUFile(
        path: "\(stem).cpu\(cpu)",
        decoder: FtraceRawDecoder(options: DecoderOptions(sourceName: "status", countedOnly: skipped), formats: formats, cpu: UInt16(cpu)))
    }
  }

  deinit { buffer.deallocate() }

  /// Decodes what was written since the last call; returns the totals so far.
  /// After a handoff to larger rings the next set's files are read too; the few milliseconds
  /// both instances recorded are counted twice here (the analysis cuts them exactly).
  func update() -> (requests: UInt64, bytes: UInt64) {
    let next = RawTraceFiles.segmentStem(stem, nextSegment)
    if let formats = Self.formats(next), formats.pageSize == pageSize {
      files += Self.files(stem: next, cpus: cpus, formats: formats)
      nextSegment += 1
    }
    for index in files.indices { advance(&files[index]) }
    return (requests, bytes)
  }

  private func advance(_ file: inout CPUFile) {
    let fd = open(file.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    while true {
      let count = pread(fd, buffer.baseAddress, buffer.count, off_t(file.offset))
      let whole = count > 0 ? count / pageSize * pageSize : 0
      guard whole > 0 else { return }
      batch.removeAll(keepingCapacity: true)
      // Not strict: a malformed page is the analysis's business, not the status line's.
      _ = try? file.decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<whole]), atEnd: false, into: &batch)
      file.offset += whole
      for event in batch where event.action == .complete && event.flags.contains(.read) {
        guard let slot = extents.slot(of: event.device),
          let mapped = extents.map(sector: event.sector, endSector: event.sector &+ UInt64(event.sectors), slot: slot)
        else { continue }
        requests += 1
        bytes += mapped.fileBytes
      }
      if whole < buffer.count { return }
    }
  }
}
