import ArgumentParser
import ParamTraceCore
import ParamTraceSystem

struct ProbeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "probe",
    abstract: "Measure what the storage under a file (or a block device) delivers to O_DIRECT reads: the bandwidth of the I/O-bound ceiling.",
    discussion: """
      Reads PATH with O_DIRECT, so the page cache neither serves the reads nor keeps what they read, at every request size (4 KiB, 128 KiB, 1 MiB, 4 MiB, --sizes, and the median and p90 request sizes of --from-experiment), sequential and random, at queue depth 1 and 32, --seconds each. Queue depth N is N threads with one pread(2) in flight each (no libaio or io_uring binding is needed; a faulting llama.cpp blocks a thread per read too). Reads only: nothing on the machine changes.

      The best bandwidth is the one `analyze` and `record --probe` divide by for the I/O-bound ceiling (tokens/s ≤ bandwidth ÷ bytes read per token). On a virtual machine the host's page cache may still serve re-read blocks; on a loop device over tmpfs the reads are memory copies, not a disk (docs/probe.md).

      Exit status: 0; 1 when PATH cannot be read with O_DIRECT, or is a file on tmpfs or ramfs (it lives in memory: no disk to measure); 64 for bad arguments.

      EXAMPLES:
        paramtrace probe model.gguf
        paramtrace probe /dev/vda --seconds 5 --json > vda.probe.json
        paramtrace probe model.gguf --from-experiment runs/3g
        paramtrace analyze trace --model model.gguf --decode-from 12.5 --timings workload.out --bandwidth vda.probe.json
      """
  )

  @Argument(help: "A file on the disk to measure (the model), or a block device.")
  var path: String

  @Option(help: "Seconds per test (16 tests by default).")
  var seconds: Double = 2

  @Option(help: "Request sizes instead of 4KiB,128KiB,1MiB,4MiB (comma-separated; each rounded up to 4 KiB).")
  var sizes: String?

  @Option(name: .customLong("from-experiment"), help: "An experiment directory: its analysis's median and p90 request sizes are measured too.")
  var fromExperiment: String?

  @Flag(help: "Print the result as JSON instead of the table.")
  var json = false

  func validate() throws {
    guard seconds > 0, seconds.isFinite, seconds <= 600 else { throw ValidationError("--seconds must be a positive number of seconds, at most 600.") }
    if let sizes, Self.parseSizes(sizes) == nil {
      throw ValidationError("--sizes \(sizes): expected sizes separated by commas, e.g. 4KiB,1MiB.")
    }
  }

  func run() throws {
    var extra: [UInt64] = []
    if let fromExperiment {
      let path = fromExperiment + "/analysis.json"
      guard let analysis = try? JSONReader.parse(readWholeFile(path)) else {
        throw CommandError("--from-experiment \(fromExperiment): cannot read \(path). Name a directory written by paramtrace record.")
      }
      extra = ProbePlan.requestSizes(fromAnalysis: analysis)
    }
    let plan = ProbePlan(extraSizes: extra, sizes: sizes.flatMap(Self.parseSizes), secondsPerTest: seconds)
    printError("paramtrace probe: \(plan.tests.count) tests of \(formatFixed(seconds, 2)) s on \(path)")
    let report = try StorageProbe.run(path: path, plan: plan) { printError("  \($0)") }
    if json {
      var document = report.json
      if case .object(var members) = document {
        members.insert(("tool_version", .string(ParamTraceVersion.current)), at: 2)
        document = .object(members)
      }
      print(document.rendered())
    } else {
      print(report.table, terminator: "")
    }
  }

  static func parseSizes(_ text: String) -> [UInt64]? {
    let sizes = text.split(separator: ",").map { ByteSize.parse(String($0)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
    return sizes.compactMap { $0 }
  }
}
