import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct ExtentsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "extents",
    abstract: "A file's extents as the whole-disk sectors block traces show, with a fragmentation summary.",
    discussion: """
      FILE is mapped on this machine: FIEMAP (dirty data is written back
      first), then the partition start and the whole disk from
      /sys/dev/block. --filefrag reads `filefrag -v` text saved elsewhere
      instead; give that machine's partition start (512-byte sectors,
      /sys/class/block/PART/start) and whole disk: the text does not say.

      Files that cannot be mapped truthfully are refused with the reason,
      never guessed: tmpfs, overlayfs, network and FUSE filesystems, btrfs
      (its offsets are btrfs logical addresses), device-mapper/LVM and md
      devices, and extents flagged unknown_loc, delalloc, encoded, inline or
      not_aligned. Unwritten (preallocated) extents are kept and marked:
      reads of them cause no disk I/O. A file on a loop device maps to the
      loop disk (7:N), as traces of that disk show it.

      --json writes the extents file that `analyze --extents` reads.

      EXAMPLES:
        paramtrace extents model.gguf
        paramtrace extents model.gguf --json --output model.extents.json
        filefrag -v model.gguf > model.filefrag.txt   # on the traced machine
        paramtrace extents --filefrag model.filefrag.txt \\
          --partition-start 2048 --device 259:0 --json
      """
  )

  @Argument(help: "The file to map, on this machine.")
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
    if let file {
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
    if json || output != nil {
      for note in report.details.notes { printError("note: \(note)") }
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
