import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct ExtentsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "extents",
    abstract: "A file's extents as the whole-disk sectors block traces show, with a fragmentation summary.",
    discussion: """
      FILE is mapped on this machine: FIEMAP (dirty data is written back \
      first), then the partition start and the whole disk from \
      /sys/dev/block. --filefrag reads `filefrag -v` text saved elsewhere \
      instead; give that machine's partition start (512-byte sectors, \
      /sys/class/block/PART/start) and whole disk: the text does not say.

      Files that cannot be mapped truthfully are refused with the reason, \
      never guessed: tmpfs, overlayfs, network and FUSE filesystems, btrfs \
      (its offsets are btrfs logical addresses), device-mapper/LVM and md \
      devices, and extents flagged unknown_loc, delalloc, encoded, inline or \
      not_aligned. Unwritten (preallocated) extents are kept and marked: \
      reads of them cause no disk I/O. A file on a loop device maps to the \
      loop disk (7:N), as traces of that disk show it.

      --json writes the extents file that `analyze --extents` reads.

      A model in several files (the first or any split of a GGUF, a safetensors index, or \
      their directory) is mapped file by file: one table per file, or with --json a list of \
      the files' extents documents, in the model's order, which `analyze --extents` reads as \
      one model.

      EXAMPLES:
        paramtrace extents model.gguf
        paramtrace extents model.gguf --json --output model.extents.json
        paramtrace extents Qwen3-30B-A3B-Q4_K_M-00001-of-00002.gguf --json \\
          --output model.extents.json
        filefrag -v model.gguf > model.filefrag.txt   # on the traced machine
        paramtrace extents --filefrag model.filefrag.txt \\
          --partition-start 2048 --device 259:0 --json
      """
  )

  @Argument(help: "The file to map, on this machine; for a model in several files its first split, any split, its safetensors index or their directory.")
  var file: String?

  @Option(help: "Read saved `filefrag -v FILE` output instead of mapping a file here.")
  var filefrag: String?

  @Option(help: "With --filefrag: the partition's first sector on the whole disk, in 512-byte units (default 0: no partition).")
  var partitionStart: UInt64?

  @Option(help: "With --filefrag: the whole disk's MAJ:MIN, e.g. 259:0 (recorded in the JSON).")
  var device: String?

  @Flag(help: "Write the extents file (paramtrace-extents JSON) instead of the table.")
  var json = false

  @Option(help: "Write the output to this file instead of standard output.")
  var output: String?

  func validate() throws {
    switch (file, filefrag) {
    case (nil, nil): throw ValidationError("name a FILE to map, or --filefrag SAVED.txt with saved `filefrag -v` output.")
    case (.some, .some): throw ValidationError("FILE and --filefrag exclude each other: map a file here, or read saved text.")
    default: break
    }
    if file != nil, partitionStart != nil || device != nil {
      throw ValidationError("--partition-start and --device go with --filefrag; for FILE they are read from /sys/dev/block.")
    }
    if let device, DeviceNumber(parsing: device) == nil {
      throw ValidationError("--device \(device): expected MAJ:MIN of the whole disk, e.g. 259:0 (see /sys/block/DISK/dev).")
    }
  }

  func run() throws {
    let report: ExtentsReport
    if let file, let files = try Self.modelInSeveralFiles(file) {
      let reports = try files.paths.map { path in try FileExtents.report(path: path) }
      let text =
        json
        ? "[\n" + reports.map { String(decoding: $0.document.encoded(), as: UTF8.self) }.joined(separator: ",\n") + "\n]\n"
        : reports.map(\.table).joined(separator: "\n")
      try write(text, notes: reports.flatMap(\.details.notes))
      return
    } else if let file {
      report = try FileExtents.report(path: file)
    } else if let filefrag {
      if partitionStart == nil {
        printError("note: no --partition-start: sectors assume the filesystem starts at sector 0 of the disk (no partition).")
      }
      report = try ExtentsReport.fromFilefrag(
        try readWholeFile(filefrag), partitionStartSector: partitionStart ?? 0, disk: device.flatMap(DeviceNumber.init(parsing:)))
    } else {
      return
    }
    let text = json ? String(decoding: report.document.encoded(), as: UTF8.self) + "\n" : report.table
    try write(text, notes: report.details.notes)
  }

  /// The files of a model in several files named by `path` (a split, an index, a directory);
  /// nil for anything else, which is mapped as one file.
  static func modelInSeveralFiles(_ path: String) throws -> ModelFiles? {
    let isDirectory = directoryEntryNames(path) != nil
    guard isDirectory || path.hasSuffix(".json") || GGUFSplitName(path: path) != nil else { return nil }
    // A directory without a model is refused as a directory, as any other non-file.
    if isDirectory, (try? ModelFileSet.open(path)) == nil { return nil }
    let files = try ModelFileSet.open(path)
    return files.parts.count > 1 || isDirectory ? files : nil
  }

  private func write(_ text: String, notes: [String]) throws {
    if json || output != nil {
      for note in notes { printError("note: \(note)") }
    }
    if let output {
      var writer = try TextFileWriter(path: output)
      try writer.write(text)
      try writer.close()
    } else {
      print(text, terminator: "")
    }
  }
}
