// paramtrace-bench export: how fast `paramtrace export` writes Perfetto JSON and fio logs.
//
//   paramtrace-bench export [--events N] [--seed S] [--repeat R] [--dir DIR] [--keep] [--out DIR]
//       Writes (or reuses, when DIR/synth.blktrace.0 exists) the synthetic trace of `write`,
//       then times in child processes, best of R: the analysis alone (MoE layout, decoding on a
//       second thread, JSON not rendered), the same pipeline writing the Perfetto file with no
//       request limit, the fio log, and both. Output goes to /dev/null unless --out names a
//       directory (then the files are kept there, and their writing is timed too).

import Foundation
import ParamTraceCore
import ParamTraceSystem

#if canImport(Glibc)
  import Glibc
#endif

/// `export-run NAME EVENTS SEED perfetto|fio|both OUTDIR`: one timed export, as a child.
func exportRunCommand(_ arguments: [String]) throws {
  guard arguments.count == 5, let events = Int(arguments[1]), let seed = UInt64(arguments[2]) else {
    fail("export-run takes NAME EVENTS SEED perfetto|fio|both OUTDIR")
  }
  let what = arguments[3]
  let out = arguments[4]
  var configuration = SyntheticBlockTrace.Configuration(eventCount: events, seed: seed)
  configuration.cpuCount = 4
  let generator = SyntheticBlockTrace(configuration)
  let extents = try FileExtentMap(
    extents: generator.extents.map { FileExtent(logicalOffset: $0.fileOffset, sector: $0.sector, length: $0.sectors * 512) },
    fileSize: configuration.fileBytes, path: "synthetic-model.gguf")
  let paths = try TraceInputs.files(for: arguments[0])
  var written = 0
  let result = try measure(name: "export-\(what)") {
    var options = AnalysisOptions()
    options.filter.extents = extents
    options.model = moeLayout(fileBytes: configuration.fileBytes)
    options.expertsUsedPerToken = 4
    var plan = TraceExport.Plan(paths: [arguments[0]], format: .blktrace, options: options)
    if what == "perfetto" || what == "both" {
      var settings = PerfettoTraceWriter.Settings()
      settings.requestLimit = 0
      plan.perfetto = (out == "/dev/null" ? out : out + "/synth.json", settings, { "disk \($0)" })
    }
    if what == "fio" || what == "both" {
      plan.fio = (
        out == "/dev/null" ? out : out + "/synth.iolog",
        .files([FioIologWriter.Target(path: "/copy/synthetic-model.gguf", start: 0, size: configuration.fileBytes)], extents)
      )
    }
    let export = try TraceExport.run(plan)
    written = export.perfettoFileBytes + export.fioFileBytes
    FileHandle.standardError.write(
      Data(
        ("export \(what): \(export.analysis.figures.operations) requests, Perfetto \(export.perfettoRequests) requests "
          + "(\(export.perfettoFileBytes) bytes), fio \(export.fioReads) reads (\(export.fioFileBytes) bytes)\n").utf8))
    return (export.analysis.assembly.events, paths.reduce(0) { $0 + inputBytes($1) })
  }
  print(result.line + " written=\(written)")
}

/// `export [--events N] [--seed S] [--repeat R] [--dir DIR] [--keep] [--out DIR]`.
func exportBenchCommand(_ arguments: [String]) throws {
  var events = 20_000_000
  var seed: UInt64 = 0x5EED
  var repeats = 3
  var directory = "/var/tmp/paramtrace-bench-export"
  var keep = false
  var out = "/dev/null"
  var index = 0
  while index < arguments.count {
    let value = index + 1 < arguments.count ? arguments[index + 1] : ""
    switch arguments[index] {
    case "--events": events = Int(value.filter { $0 != "_" && $0 != "," }) ?? events; index += 1
    case "--seed": seed = UInt64(value) ?? seed; index += 1
    case "--repeat": repeats = max(1, Int(value) ?? repeats); index += 1
    case "--dir": directory = value; index += 1
    case "--out": out = value; index += 1
    case "--keep": keep = true
    default: fail("export: unknown argument \(arguments[index])")
    }
    index += 1
  }
  mkdir(directory, 0o755)
  let name = directory + "/synth"
  if fileSize(name + ".blktrace.0") <= 0 {
    print("Writing \(events) synthetic events to \(directory)...")
    _ = writeTrace(events: events, seed: seed, directory: directory, text: false)
  }
  print("export of \(events) events (best of \(repeats)), output to \(out):")
  var lines: [String] = []
  let cases: [(String, [String])] = [
    ("analyze --model (MoE), second thread, no JSON", ["analyze", name, "\(events)", "\(seed)", "--prefetch", "--moe", "--no-json"]),
    ("export --perfetto (no limit)", ["export-run", name, "\(events)", "\(seed)", "perfetto", out]),
    ("export --fio", ["export-run", name, "\(events)", "\(seed)", "fio", out]),
    ("export --perfetto --fio", ["export-run", name, "\(events)", "\(seed)", "both", out]),
  ]
  for (label, childArguments) in cases {
    let result = bestOf(repeats, childArguments)
    lines.append(
      label.padding(toLength: 48, withPad: " ", startingAt: 0)
        + String(
          format: " %10d %8.3f s %7.2f Mevents/s %8.1f MiB peak", result.events, result.seconds,
          Double(result.events) / result.seconds / 1e6, Double(result.peakKiB) / 1024))
  }
  for line in lines { print(line) }
  if !keep {
    for cpu in 0..<4 { unlink("\(name).blktrace.\(cpu)") }
    unlink("\(directory)/synth.extents.json")
    rmdir(directory)
  }
}
