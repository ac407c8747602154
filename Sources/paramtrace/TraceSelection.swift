import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

/// The flags that say how a trace is read and which of its requests count: the same for every
/// command that reads traces (`analyze`, `export`), so a selection made in one means the same
/// in the other. Only what the user gave is applied, over a starting point (the defaults, or
/// what an experiment's analysis used).
struct TraceSelection: ParsableArguments {
  @Option(help: "Input format: \(TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: detected).")
  var format: TraceFormat?

  @Option(help: "completion (default: one operation per request), dispatch (every D line) or naive (every line).")
  var counting: CountingMode?

  @Option(name: .customLong("pid"), help: "Keep operations owned by this pid (repeatable).")
  var pids: [Int32] = []

  @Option(
    name: .customLong("read-around-kb"),
    help: "The largest read one page fault makes around itself, in KiB (2 × the disk's read_ahead_kb when the reader used POSIX_FADV_SEQUENTIAL, as llama.cpp does; record fills it in): with --model, shorter runs into the block stored next in the file count as read-around, not as steps of the read order.")
  var readAroundKiB: Int?

  @Option(
    name: .customLong("task-tree"),
    help: "Keep operations owned by this pid or any thread or process it created, from the trace's task events (fork, exit…; record writes them). Lists every task with what it read. Repeatable.")
  var taskTreeRoots: [Int32] = []

  @Option(name: .customLong("comm"), help: "Keep operations owned by tasks of this name (repeatable).")
  var comms: [String] = []

  @Option(name: .customLong("dev"), help: "Keep operations on this device, MAJ:MIN (repeatable).")
  var devices: [String] = []

  @Option(name: .customLong("sectors"), help: "Keep operations overlapping whole-disk sectors START-END, both included (repeatable).")
  var sectorRanges: [String] = []

  @Option(help: "Extents file of the traced file (paramtrace extents format): filters to the file and adds the logical view. For a model in several files, give one per file, in the model's order (repeatable).")
  var extents: [String] = []

  @Option(help: "The traced file, on this machine: resolves its extents here (FIEMAP and sysfs, as `paramtrace extents FILE`) instead of --extents.")
  var file: String?

  @Option(help: "The traced model (GGUF or safetensors; for several files its first split, any split, its safetensors index, or their directory): bytes per tensor, layer and file, and the read order. Resolves the extents of every file of the model here unless --extents or --file is given.")
  var model: String?

  @Flag(help: "Keep writes instead of reads.")
  var writes = false

  @Flag(help: "Keep reads and writes.")
  var all = false

  @Option(help: "Keep operations issued at or after this time, in seconds on the trace's clock.")
  var from: Double?

  @Option(help: "Keep operations issued before this time, in seconds on the trace's clock.")
  var to: Double?

  @Option(help: "Split every figure into load and decode at this time, in seconds on the trace's clock.")
  var decodeFrom: Double?

  @Option(help: "Split into load and decode at the first trace marker (tracefs trace_marker) containing this text.")
  var decodeMarker: String?

  @Flag(help: "Stop at the first malformed line or record (default: count, skip and report).")
  var strict = false

  func validate() throws {
    if writes && all { throw ValidationError("--writes and --all exclude each other: --all keeps reads and writes.") }
    if !extents.isEmpty && file != nil { throw ValidationError("--extents and --file exclude each other: --file resolves the extents itself.") }
    if let from, !(from >= 0) { throw ValidationError("--from must be a non-negative number of seconds.") }
    if let to, !(to >= 0) { throw ValidationError("--to must be a non-negative number of seconds.") }
    if let decodeFrom, !(decodeFrom >= 0) { throw ValidationError("--decode-from must be a non-negative number of seconds.") }
    if decodeFrom != nil, decodeMarker != nil {
      throw ValidationError("--decode-from and --decode-marker exclude each other: give the time, or the marker text.")
    }
    if let from, let to, to <= from { throw ValidationError("--to must be later than --from.") }
    for text in devices where DeviceNumber(parsing: text) == nil {
      throw ValidationError("--dev \(text): expected MAJ:MIN, e.g. 254:0 (see /sys/block/DEV/dev).")
    }
    for text in sectorRanges where Self.parseSectorRange(text) == nil {
      throw ValidationError("--sectors \(text): expected START-END in 512-byte sectors with START <= END, e.g. 33865728-33882111.")
    }
  }

  /// Applies the flags the user gave over `options`; `modelFiles` is the opened `--model` (or
  /// the model an experiment names), whose extents are resolved here when nothing else gave
  /// them.
  func apply(to options: inout AnalysisOptions, modelFiles: ModelFiles?) throws {
    if let counting { options.counting = counting }
    if writes || all { options.filter.direction = all ? .all : .writes }
    if !pids.isEmpty { options.filter.pids = pids }
    if !taskTreeRoots.isEmpty { options.filter.taskTreeRoots = taskTreeRoots }
    if !comms.isEmpty { options.filter.comms = comms.map(CommName.init) }
    if !devices.isEmpty { options.filter.devices = devices.compactMap(DeviceNumber.init(parsing:)) }
    if !sectorRanges.isEmpty { options.filter.sectors = SectorRanges(sectorRanges.compactMap(Self.parseSectorRange)) }
    if !extents.isEmpty {
      let maps = try extents.flatMap { path in try ExtentsDocument.decodeFiles(try readWholeFile(path), source: path) }
      options.filter.extents = try FileExtentMap(concatenating: maps)
    } else if let file {
      options.filter.extents = try FileExtents.resolve(path: file).map
    } else if let modelFiles, options.filter.extents == nil {
      options.filter.extents = try ModelFileSet.extents(modelFiles).map
    }
    if let from { options.filter.fromNanoseconds = UInt64(from * 1e9) }
    if let to { options.filter.toNanoseconds = UInt64(to * 1e9) }
    if let decodeFrom {
      options.decodeFromNanoseconds = UInt64(decodeFrom * 1e9)
      options.decodeFromSource = nil
      options.decodeMarker = nil
    } else if let decodeMarker {
      options.decodeMarker = decodeMarker
      options.decodeFromNanoseconds = nil
    }
    if let readAroundKiB { options.readAroundWindowBytes = UInt64(readAroundKiB) * 1024 }
    if let files = modelFiles {
      options.model = ModelLayout(files)
      options.expertsUsedPerToken = files.first.map.architecture.expertUsedCount
      try Self.check(files, named: model ?? files.first.path, against: options.filter.extents)
    }
  }

  /// Refuses a model whose size differs from the file the extents describe: its tensors would
  /// be matched against bytes of another file.
  static func check(_ files: ModelFiles, named name: String, against extents: FileExtentMap?) throws {
    guard let extents, extents.contentSize != files.totalSize else { return }
    if files.parts.count > 1 {
      throw CommandError(
        "--model \(name): its \(files.parts.count) files are \(files.totalSize) bytes together but the extents describe \(extents.contentSize) bytes: they are not the same files. Pass the extents of every file of the model, in order (paramtrace extents MODEL --json writes them all), or --file MODEL.")
    }
    throw CommandError(
      "--model \(name) is \(files.totalSize) bytes but the extents describe a file of \(extents.contentSize) bytes: they are not the same file. Pass the extents of the model file (paramtrace extents MODEL --json), or --file MODEL.")
  }

  /// `START-END`, both included, as a half-open `[START, END+1)`.
  static func parseSectorRange(_ text: String) -> (start: UInt64, end: UInt64)? {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2, let start = UInt64(parts[0]), let end = UInt64(parts[1]), start <= end, end < UInt64.max else {
      return nil
    }
    return (start, end + 1)
  }
}
