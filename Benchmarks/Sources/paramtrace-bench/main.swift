// paramtrace-bench: decoding throughput and peak memory on a synthesized trace.
//
//   paramtrace-bench [--events N] [--dir DIR] [--seed S] [--keep] [--no-text]
//       Writes a SyntheticBlockTrace of N events (default 20,000,000) to DIR (default a new
//       directory under /var/tmp) as per-CPU blktrace files and as blkparse text, then measures
//       each reader in a child process of its own (so each peak memory is separate).
//   paramtrace-bench decode --format FORMAT PATH...
//       One measurement: open PATH... with TraceInputs, read every event, print one result line.
//   paramtrace-bench decode-single PATH
//       One blktrace file, DecodingStream only (no file merge): the decoder's own speed.
//   paramtrace-bench write [--events N] [--seed S] [--no-text] DIR
//       Only writes the trace (DIR/synth.blktrace.N, DIR/synth.blkparse.txt) and the synthetic
//       file's extents in `analyze --extents` format (DIR/synth.extents.json); measures nothing.
//       scripts/bench-vs-blktrace.sh uses it to compare with blkparse, btt and DuckDB.
//
// Build in release: cd Benchmarks && swift build -c release --scratch-path ../.build-bench

import Foundation
import ParamTraceCore
import ParamTraceSystem

#if canImport(Glibc)
  import Glibc
#endif

// MARK: Measuring

/// One measured run: what was read, how long it took, the process's peak memory after it.
struct Measurement {
  var name: String
  var events: Int
  var bytes: Int
  var seconds: Double
  var peakKiB: Int

  var line: String {
    "RESULT name=\(name) events=\(events) bytes=\(bytes) seconds=\(String(format: "%.6f", seconds)) peak_kib=\(peakKiB)"
  }

  init(name: String, events: Int, bytes: Int, seconds: Double, peakKiB: Int) {
    self.name = name
    self.events = events
    self.bytes = bytes
    self.seconds = seconds
    self.peakKiB = peakKiB
  }

  init?(line: String) {
    guard line.hasPrefix("RESULT ") else { return nil }
    var fields: [String: String] = [:]
    for part in line.dropFirst(7).split(separator: " ") {
      let pair = part.split(separator: "=", maxSplits: 1)
      if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
    }
    guard let name = fields["name"], let events = fields["events"].flatMap({ Int($0) }),
      let bytes = fields["bytes"].flatMap({ Int($0) }), let seconds = fields["seconds"].flatMap({ Double($0) }),
      let peak = fields["peak_kib"].flatMap({ Int($0) })
    else { return nil }
    self.init(name: name, events: events, bytes: bytes, seconds: seconds, peakKiB: peak)
  }
}

/// Monotonic time in seconds.
func now() -> Double {
  var spec = timespec()
  clock_gettime(CLOCK_MONOTONIC, &spec)
  return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// A line of /proc/self/status in KiB (VmHWM: peak resident memory, VmRSS: current).
func procStatusKiB(_ key: String) -> Int {
  guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
  for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
    return Int(line.dropFirst(key.count + 1).filter(\.isNumber)) ?? -1
  }
  return -1
}

/// Times `body`, which returns (events, input bytes), and reads the peak memory after it.
/// Add new measurements (for example an `analyze` pass) as one more `measure` call.
func measure(name: String, body: () throws -> (events: Int, bytes: Int)) rethrows -> Measurement {
  let start = now()
  let (events, bytes) = try body()
  let seconds = now() - start
  return Measurement(name: name, events: events, bytes: bytes, seconds: seconds, peakKiB: procStatusKiB("VmHWM"))
}

/// Reads every event of a batch source; returns the count.
func drainAll(_ source: inout any EventBatchSource) throws -> Int {
  var batch = ContiguousArray<BlockEvent>()
  var count = 0
  var checksum: UInt64 = 0
  while try source.nextBatch(into: &batch) {
    count += batch.count
    checksum &+= batch[batch.count - 1].sector  // keep the work observable
  }
  if checksum == 1 { print("") }
  return count
}

/// Bytes of `path`, or of all `path.blktrace.N` files when `path` does not exist.
func inputBytes(_ path: String) -> Int {
  var status = stat()
  if stat(path, &status) == 0 { return Int(status.st_size) }
  var total = 0
  var cpu = 0
  while stat("\(path).blktrace.\(cpu)", &status) == 0 || stat("\(path).cpu\(cpu)", &status) == 0 {
    total += Int(status.st_size)
    cpu += 1
  }
  return total
}

func fileSize(_ path: String) -> Int {
  var status = stat()
  return stat(path, &status) == 0 ? Int(status.st_size) : 0
}

// MARK: Writing the synthetic trace

/// Appends bytes to a file through a 4 MiB buffer.
struct BufferedFile {
  let descriptor: Int32
  let path: String
  var buffer: [UInt8] = []

  init(path: String) {
    self.path = path
    descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    if descriptor < 0 { fail("create \(path): \(String(cString: strerror(errno)))") }
    buffer.reserveCapacity(5 << 20)
  }

  mutating func flushIfFull() {
    if buffer.count >= 4 << 20 { flush() }
  }

  mutating func flush() {
    var offset = 0
    while offset < buffer.count {
      let written = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
      if written < 0 {
        if errno == EINTR { continue }
        fail("write \(path): \(String(cString: strerror(errno)))")
      }
      offset += written
    }
    buffer.removeAll(keepingCapacity: true)
  }

  mutating func close() {
    flush()
    _ = Glibc.close(descriptor)
  }
}

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("paramtrace-bench: \(message)\n".utf8))
  exit(1)
}

/// Writes `DIR/synth.blktrace.N` and (unless `text` is false) `DIR/synth.blkparse.txt`.
func writeTrace(events: Int, seed: UInt64, directory: String, text: Bool) -> (binary: [String], text: String?) {
  var configuration = SyntheticBlockTrace.Configuration(eventCount: events, seed: seed)
  configuration.cpuCount = 4
  let generator = SyntheticBlockTrace(configuration)
  var binaryFiles = (0..<configuration.cpuCount).map { BufferedFile(path: "\(directory)/synth.blktrace.\($0)") }
  var textFile = text ? BufferedFile(path: "\(directory)/synth.blkparse.txt") : nil
  var binary = BlktraceBinaryEncoder(remapSource: configuration.partition?.device)
  var blkparse = BlkparseTextEncoder(startTime: configuration.startTime)
  blkparse.remapSource = configuration.partition?.device
  for event in generator {
    let cpu = Int(event.cpu)
    binary.append(event, to: &binaryFiles[cpu].buffer)
    binaryFiles[cpu].flushIfFull()
    if textFile != nil {
      blkparse.append(event, to: &textFile!.buffer)
      textFile!.flushIfFull()
    }
  }
  for index in binaryFiles.indices { binaryFiles[index].close() }
  textFile?.close()
  return (binaryFiles.map(\.path), textFile?.path)
}

/// The synthetic file's extents as `paramtrace analyze --extents` reads them.
func extentsDocument(configuration: SyntheticBlockTrace.Configuration, generator: SyntheticBlockTrace) throws -> [UInt8] {
  let map = try FileExtentMap(
    extents: generator.extents.map {
      FileExtent(logicalOffset: $0.fileOffset, sector: $0.sector, length: $0.sectors * 512)
    }, fileSize: configuration.fileBytes, path: "synthetic model")
  return ExtentsDocument(map).encoded()  // no device: as the `analyze` measurement above
}

/// `write [--events N] [--seed S] [--no-text] DIR`: the trace and its extents file, nothing timed.
func writeCommand(_ arguments: [String]) throws {
  var events = 20_000_000
  var seed: UInt64 = 0x5EED
  var text = true
  var directory: String?
  var index = 0
  while index < arguments.count {
    let value = index + 1 < arguments.count ? arguments[index + 1] : ""
    switch arguments[index] {
    case "--events":
      events = Int(value.filter { $0 != "_" && $0 != "," }) ?? events
      index += 1
    case "--seed":
      seed = UInt64(value) ?? seed
      index += 1
    case "--no-text": text = false
    default: directory = arguments[index]
    }
    index += 1
  }
  guard let dir = directory else { fail("write takes a directory") }
  mkdir(dir, 0o755)
  let start = now()
  let files = writeTrace(events: events, seed: seed, directory: dir, text: text)
  var configuration = SyntheticBlockTrace.Configuration(eventCount: events, seed: seed)
  configuration.cpuCount = 4
  let document = try extentsDocument(configuration: configuration, generator: SyntheticBlockTrace(configuration))
  var extentsFile = BufferedFile(path: "\(dir)/synth.extents.json")
  extentsFile.buffer = document
  extentsFile.close()
  print(
    "wrote \(events) events in \(formatCount(now() - start)) s: \(files.binary.joined(separator: " "))"
      + (files.text.map { " \($0)" } ?? "") + " \(extentsFile.path)")
}

// MARK: Child measurements

func decodeCommand(_ arguments: [String]) throws {
  var format: TraceFormat?
  var paths: [String] = []
  var index = 0
  while index < arguments.count {
    if arguments[index] == "--format", index + 1 < arguments.count {
      format = TraceFormat(rawValue: arguments[index + 1])
      index += 2
    } else {
      paths.append(arguments[index])
      index += 1
    }
  }
  let name = format?.rawValue ?? "auto"
  let result = try measure(name: name) {
    var source = try TraceInputs.open(paths: paths, format: format, strict: false)
    let events = try drainAll(&source)
    let bytes = paths.reduce(0) { $0 + inputBytes($1) }
    let diagnostics = source.diagnostics
    if diagnostics.malformed > 0 {
      FileHandle.standardError.write(Data("\(diagnostics.malformed) malformed: \(diagnostics.samples.prefix(3))\n".utf8))
    }
    return (events, bytes)
  }
  print(result.line)
}

func decodeSingleCommand(_ path: String) throws {
  try decodeOneFile(path, name: "blktrace-single", decoder: BlktraceBinaryDecoder(options: DecoderOptions(sourceName: path)))
}

/// Times one decoder alone on one file (no merge, no analysis) and prints the result line.
func decodeOneFile<Decoder: TraceDecoder>(_ path: String, name: String, decoder: Decoder) throws {
  let result = try measure(name: name) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    if descriptor < 0 { fail("open \(path): \(String(cString: strerror(errno)))") }
    defer { _ = close(descriptor) }
    var source: any EventBatchSource = DecodingStream(decoder: decoder) { buffer in
      let count = read(descriptor, buffer.baseAddress, buffer.count)
      if count < 0 { fail("read \(path): \(String(cString: strerror(errno)))") }
      return count
    }
    return (try drainAll(&source), fileSize(path))
  }
  print(result.line)
}

/// A mixture-of-experts layout shaped like gpt-oss-20b's GGUF (24 blocks of attention, a
/// router and three stacks of 32 MXFP4 experts; embeddings before, output after), scaled to
/// `fileBytes`: the experts take 85 % of each block, as in the real file.
func moeLayout(fileBytes: UInt64) -> ModelLayout {
  let layers = 24
  let experts = 32
  let header: UInt64 = 8 << 20
  let embeddings = fileBytes / 20
  let output = fileBytes / 20
  let block = (fileBytes - header - embeddings - output) / UInt64(layers)
  let stack = block * 85 / 100 / 3 / UInt64(experts) * UInt64(experts)
  let attention = (block - 3 * stack - (1 << 20)) / 4
  var tensors: [ModelLayout.Tensor] = []
  var at = header
  func add(_ name: String, _ size: UInt64, layer: Int? = nil, experts: Int? = nil) {
    tensors.append(.init(name: name, start: at, end: at + size, layer: layer, expertCount: experts))
    at += size
  }
  add("token_embd.weight", embeddings)
  for layer in 0..<layers {
    for name in ["attn_q", "attn_k", "attn_v", "attn_output"] { add("blk.\(layer).\(name).weight", attention, layer: layer) }
    add("blk.\(layer).ffn_gate_inp.weight", 1 << 20, layer: layer)
    for name in ["ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"] { add("blk.\(layer).\(name).weight", stack, layer: layer, experts: experts) }
  }
  add("output.weight", min(output, fileBytes - at))
  return ModelLayout(path: "synthetic gpt-oss-20b-shaped model", fileSize: fileBytes, dataStart: header, tensors: tensors)
}

/// The whole `paramtrace analyze` pipeline (decode, assemble requests, filter to the
/// synthetic file through its extents, all figures) on the per-CPU files; with `--moe`, as
/// `analyze --model` with a gpt-oss-20b-shaped layout over the synthetic file (tensors,
/// layers, read order, experts per pass, rendered as the JSON output).
func analyzeCommand(_ arguments: [String]) throws {
  guard arguments.count >= 3, let events = Int(arguments[1]), let seed = UInt64(arguments[2]) else {
    fail("analyze takes NAME EVENTS SEED [--prefetch] [--moe]")
  }
  let prefetch = arguments.contains("--prefetch")
  let moe = arguments.contains("--moe")
  var configuration = SyntheticBlockTrace.Configuration(eventCount: events, seed: seed)
  configuration.cpuCount = 4
  let generator = SyntheticBlockTrace(configuration)
  let extents = try FileExtentMap(
    extents: generator.extents.map {
      FileExtent(logicalOffset: $0.fileOffset, sector: $0.sector, length: $0.sectors * 512)
    }, fileSize: configuration.fileBytes, path: "synthetic model")
  let paths = try TraceInputs.files(for: arguments[0])
  let result = try measure(name: "analyze") {
    var options = AnalysisOptions()
    options.filter.extents = extents
    if moe {
      options.model = moeLayout(fileBytes: configuration.fileBytes)
      options.expertsUsedPerToken = 4
    }
    let opened = try TraceInputs.open(
      paths: [arguments[0]], format: arguments.contains("--any-format") ? nil : .blktrace, strict: false,
      countedOnly: options.actionsNotNeeded)
    var source: any EventBatchSource = prefetch ? PrefetchingEventSource(opened) : opened
    var run = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { run.consume(batch) }
    let analysis = run.finish(diagnostics: source.diagnostics)
    FileHandle.standardError.write(
      Data("analyze: \(analysis.figures.operations) operations, re-read \(analysis.figures.rereadFactor ?? 0)\n".utf8))
    if moe, let tensors = analysis.tensors, let experts = tensors.experts {
      // Rendered too, as `analyze --model --json` does (unless --no-json), and timed apart.
      let renderStart = now()
      let json = arguments.contains("--no-json") ? "" : analysis.json.rendered()
      FileHandle.standardError.write(
        Data(
          ("analyze --moe: \(tensors.order.passes.count) passes, \(tensors.timeline.count) timeline runs"
            + "\(tensors.timelineTruncated ? " (full)" : ""), \(experts.totalBytes) expert bytes, JSON \(json.utf8.count) bytes"
            + " rendered in \(formatCount(now() - renderStart)) s\n").utf8))
      if arguments.contains("--parts") {
        var start = now()
        let expertsJSON = experts.json().rendered()
        let expertsSeconds = now() - start
        start = now()
        let orderJSON = tensors.order.json(modelBytes: 0).rendered()
        let orderSeconds = now() - start
        FileHandle.standardError.write(
          Data(
            ("  of which experts \(expertsJSON.utf8.count) bytes in \(formatCount(expertsSeconds)) s,"
              + " read_order \(orderJSON.utf8.count) bytes in \(formatCount(orderSeconds)) s\n").utf8))
      }
    }
    // Every event of the trace, also those the decoders only counted (`countedOnly`).
    return (analysis.assembly.events, paths.reduce(0) { $0 + inputBytes($1) })
  }
  print(result.line)
}

/// Runs `runChild` `count` times; keeps the fastest run.
func bestOf(_ count: Int, _ arguments: [String]) -> Measurement {
  (0..<count).map { _ in runChild(arguments) }.min { $0.seconds < $1.seconds }!
}

/// Runs this executable again with `arguments`; returns its result line.
func runChild(_ arguments: [String]) -> Measurement {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
  process.arguments = arguments
  let pipe = Pipe()
  process.standardOutput = pipe
  do { try process.run() } catch { fail("run \(arguments): \(error)") }
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let text = String(decoding: output, as: UTF8.self)
  guard process.terminationStatus == 0,
    let result = text.split(separator: "\n").compactMap({ Measurement(line: String($0)) }).first
  else { fail("child \(arguments) failed (status \(process.terminationStatus)): \(text)") }
  return result
}

func formatCount(_ value: Double) -> String { String(format: "%.2f", value) }

func mainCommand(_ arguments: [String]) {
  var events = 20_000_000
  var directory: String?
  var seed: UInt64 = 0x5EED
  var keep = false
  var text = true
  var repeats = 3
  var index = 0
  while index < arguments.count {
    let argument = arguments[index]
    let value = index + 1 < arguments.count ? arguments[index + 1] : ""
    switch argument {
    case "--events":
      events = Int(value.filter { $0 != "_" && $0 != "," }) ?? events
      index += 1
    case "--dir":
      directory = value
      index += 1
    case "--seed":
      seed = UInt64(value) ?? seed
      index += 1
    case "--repeat":
      repeats = max(1, Int(value) ?? repeats)
      index += 1
    case "--keep": keep = true
    case "--no-text": text = false
    case "-h", "--help":
      print(
        """
        USAGE: paramtrace-bench [--events N] [--dir DIR] [--seed S] [--repeat R] [--keep] [--no-text]
               paramtrace-bench decode --format FORMAT PATH...
               paramtrace-bench decode-single FILE.blktrace.N
               paramtrace-bench analyze NAME EVENTS SEED [--prefetch] [--moe [--no-json]]
               paramtrace-bench write [--events N] [--seed S] [--no-text] DIR
               paramtrace-bench raw [--events N] [--repeat R] [--dir DIR] [--keep]   (raw ring-buffer pages)
               paramtrace-bench export [--events N] [--repeat R] [--dir DIR] [--keep] [--out DIR]   (Perfetto and fio export)

        Writes a synthetic trace of N events (default 20,000,000) as per-CPU blktrace files and
        blkparse text (about 75 bytes per line: 20M events is about 1.5 GB) under DIR (default
        a new directory in /var/tmp, removed afterwards unless --keep), then times each reader
        in a child process (best of R runs, default 3) and reports events/s, MB/s and the
        child's peak memory (VmHWM). The trace was just written, so it is read from the page cache.

        EXAMPLES:
          paramtrace-bench --events 2000000
          paramtrace-bench --dir /var/tmp/bench --keep --no-text
        """)
      return
    default: fail("unknown argument \(argument); see --help")
    }
    index += 1
  }
  let made = directory == nil
  let dir = directory ?? {
    var template = Array("/var/tmp/paramtrace-bench-XXXXXX".utf8CString)
    guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      fail("mkdtemp in /var/tmp: \(String(cString: strerror(errno)))")
    }
    return String(cString: result)
  }()
  if !made { mkdir(dir, 0o755) }

  let textNote = text ? " and blkparse text (~\(events * 75 / 1_000_000) MB)" : ""
  print("Writing \(events) synthetic events to \(dir) as per-CPU blktrace files\(textNote)...")
  let writeStart = now()
  let files = writeTrace(events: events, seed: seed, directory: dir, text: text)
  let binaryBytes = files.binary.reduce(0) { $0 + fileSize($1) }
  print(
    "  written in \(formatCount(now() - writeStart)) s: blktrace \(binaryBytes / 1_000_000) MB"
      + (files.text.map { ", blkparse text \(fileSize($0) / 1_000_000) MB" } ?? ""))

  var results: [Measurement] = []
  let largest = files.binary.max { fileSize($0) < fileSize($1) }!
  var single = bestOf(repeats, ["decode-single", largest])
  single.name = "blktrace, one per-CPU file (decoder only)"
  results.append(single)
  var merged = bestOf(repeats, ["decode", "--format", "blktrace", "\(dir)/synth"])
  merged.name = "blktrace, \(files.binary.count) per-CPU files merged"
  results.append(merged)
  var analyzed = bestOf(repeats, ["analyze", "\(dir)/synth", "\(events)", "\(seed)"])
  analyzed.name = "analyze (blktrace files, file filter)"
  results.append(analyzed)
  var prefetched = bestOf(repeats, ["analyze", "\(dir)/synth", "\(events)", "\(seed)", "--prefetch"])
  prefetched.name = "analyze, decoding on a second thread"
  results.append(prefetched)
  var withModel = bestOf(repeats, ["analyze", "\(dir)/synth", "\(events)", "\(seed)", "--moe"])
  withModel.name = "analyze --model (MoE 24x32)"
  results.append(withModel)
  var withModelPrefetched = bestOf(repeats, ["analyze", "\(dir)/synth", "\(events)", "\(seed)", "--prefetch", "--moe"])
  withModelPrefetched.name = "analyze --model (MoE), second thread"
  results.append(withModelPrefetched)
  var withModelNoJSON = bestOf(repeats, ["analyze", "\(dir)/synth", "\(events)", "\(seed)", "--prefetch", "--moe", "--no-json"])
  withModelNoJSON.name = "  the same without rendering the JSON"
  results.append(withModelNoJSON)
  if let textPath = files.text {
    var parsed = bestOf(repeats, ["decode", "--format", "blkparse", textPath])
    parsed.name = "blkparse text"
    results.append(parsed)
  }

  print("")
  print("reader                                          events   seconds   Mevents/s    MB/s   peak RSS (MiB)")
  for result in results {
    let rate = Double(result.events) / result.seconds / 1e6
    let megabytes = Double(result.bytes) / result.seconds / 1e6
    print(
      result.name.padding(toLength: 44, withPad: " ", startingAt: 0)
        + String(format: " %10d %9.3f %11.2f %7.0f %16.1f", result.events, result.seconds, rate, megabytes, Double(result.peakKiB) / 1024))
  }
  if !keep {
    for path in files.binary + (files.text.map { [$0] } ?? []) { unlink(path) }
    if made { rmdir(dir) }
  } else {
    print("\nKept the trace in \(dir).")
  }
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
  switch arguments.first {
  case "decode": try decodeCommand(Array(arguments.dropFirst()))
  case "analyze": try analyzeCommand(Array(arguments.dropFirst()))
  case "write": try writeCommand(Array(arguments.dropFirst()))
  case "raw": try rawCommand(Array(arguments.dropFirst()))
  case "export": try exportBenchCommand(Array(arguments.dropFirst()))
  case "export-run": try exportRunCommand(Array(arguments.dropFirst()))
  case "decode-raw-single":
    guard arguments.count == 2 else { fail("decode-raw-single takes one file") }
    try decodeRawSingleCommand(arguments[1])
  case "decode-single":
    guard arguments.count == 2 else { fail("decode-single takes one file") }
    try decodeSingleCommand(arguments[1])
  default: mainCommand(arguments)
  }
} catch {
  fail("\(error)")
}
