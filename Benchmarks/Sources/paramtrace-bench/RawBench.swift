import Foundation
import ParamTraceCore
import ParamTraceSystem

#if canImport(Glibc)
  import Glibc
#endif

// The raw ring-buffer reader (issue 13): the same synthetic events as the blktrace benchmark,
// written as each CPU's trace_pipe_raw pages (`FtraceRawEncoder`, Linux 6.18 layouts), then
// decoded from the page cache.

/// Writes `DIR/synth.raw.cpuN` and `DIR/synth.raw.formats`; returns the CPU files.
func writeRawTrace(events: Int, seed: UInt64, directory: String) throws -> [String] {
  var configuration = SyntheticBlockTrace.Configuration(eventCount: events, seed: seed)
  configuration.cpuCount = 4
  var files = (0..<configuration.cpuCount).map { BufferedFile(path: "\(directory)/synth.raw.cpu\($0)") }
  var encoders = try (0..<configuration.cpuCount).map { try FtraceRawEncoder(cpu: UInt16($0)) }
  for event in SyntheticBlockTrace(configuration) {
    let cpu = Int(event.cpu)
    encoders[cpu].append(event, to: &files[cpu].buffer)
    files[cpu].flushIfFull()
  }
  for index in files.indices {
    encoders[index].flush(to: &files[index].buffer)
    files[index].close()
  }
  var formats = BufferedFile(path: "\(directory)/synth.raw.formats")
  formats.buffer = Array(FtraceRawEncoder.standardFormats.utf8)
  formats.close()
  return files.map(\.path)
}

/// `decode-raw-single FILE`: one CPU's pages through `FtraceRawDecoder` alone.
func decodeRawSingleCommand(_ path: String) throws {
  let formats = try FtraceRawFormats(parsing: FtraceRawEncoder.standardFormats)
  try decodeOneFile(
    path, name: "ftrace-raw-single", decoder: FtraceRawDecoder(options: DecoderOptions(sourceName: path), formats: formats, cpu: 0))
}

/// `raw [--events N] [--seed S] [--repeat R] [--dir DIR] [--keep]`: writes the raw trace and
/// times one CPU's file alone, all CPUs merged, and the whole analyze pipeline on them.
func rawCommand(_ arguments: [String]) throws {
  var events = 20_000_000
  var seed: UInt64 = 0x5EED
  var repeats = 3
  var directory: String?
  var keep = false
  var index = 0
  while index < arguments.count {
    switch arguments[index] {
    case "--events": index += 1; events = Int(arguments[index]) ?? events
    case "--seed": index += 1; seed = UInt64(arguments[index]) ?? seed
    case "--repeat": index += 1; repeats = Int(arguments[index]) ?? repeats
    case "--dir": index += 1; directory = arguments[index]
    case "--keep": keep = true
    default: fail("raw: unknown argument \(arguments[index])")
    }
    index += 1
  }
  let dir = directory ?? "/var/tmp/paramtrace-bench-raw-\(getpid())"
  mkdir(dir, 0o755)
  print("Writing \(events) synthetic events to \(dir) as raw ring-buffer pages...")
  let started = now()
  let files = try writeRawTrace(events: events, seed: seed, directory: dir)
  print("  written in \(formatCount(now() - started)) s: \(files.reduce(0) { $0 + fileSize($1) } / 1_000_000) MB")
  let largest = files.max { fileSize($0) < fileSize($1) }!
  var results: [Measurement] = []
  var single = bestOf(repeats, ["decode-raw-single", largest])
  single.name = "ftrace raw pages, one CPU file (decoder only)"
  results.append(single)
  var merged = bestOf(repeats, ["decode", "--format", "ftrace-raw", "\(dir)/synth.raw"])
  merged.name = "ftrace raw pages, \(files.count) CPU files merged"
  results.append(merged)
  var analyzed = bestOf(repeats, ["analyze", "\(dir)/synth.raw", "\(events)", "\(seed)", "--prefetch", "--any-format"])
  analyzed.name = "analyze (raw pages, file filter, 2 threads)"
  results.append(analyzed)
  print("")
  print("reader                                          events   seconds   Mevents/s    MB/s   peak RSS (MiB)")
  for result in results {
    print(
      result.name.padding(toLength: 44, withPad: " ", startingAt: 0)
        + String(
          format: " %10d %9.3f %11.2f %7.0f %16.1f", result.events, result.seconds, Double(result.events) / result.seconds / 1e6,
          Double(result.bytes) / result.seconds / 1e6, Double(result.peakKiB) / 1024))
  }
  if !keep {
    for path in files + ["\(dir)/synth.raw.formats"] { unlink(path) }
    if directory == nil { rmdir(dir) }
  }
}
