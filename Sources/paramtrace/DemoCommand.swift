import ArgumentParser
import Glibc
import ParamTraceCore
import ParamTraceSystem

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Make a scaled twin of llama-2-7b-chat Q4_K_M, sweep replay under three budgets, print the table and write the HTML report.",
    discussion: """
      Needs root (it records block traces). Takes a few minutes on a 2-core VM: a 1 GB twin \
      (--scale 0.25) written to disk, then `paramtrace replay` (llama.cpp's CPU decode access \
      pattern) cold under budgets of 125 %, 70 % and 40 % of the model: comfortable, thrashing, \
      and thrashing hard. The work directory (twin, traces) is removed afterwards unless \
      --keep; the HTML report is written to --html.

      EXAMPLES:
        sudo paramtrace demo
        sudo paramtrace demo --scale 0.1 --tokens 4 --keep --dir /var/tmp/demo
      """
  )

  @Option(help: "Scale of the twin (1 = the real 4.08 GB file).")
  var scale: Double = 0.25

  @Option(help: "Decode tokens per run.")
  var tokens: Int = 8

  @Option(help: "Work directory (default: a new one in /var/tmp, which is on disk).")
  var dir: String?

  @Option(help: "Where to write the HTML report.")
  var html: String = "paramtrace-demo.html"

  @Flag(help: "Keep the work directory (twin, experiment directories).")
  var keep = false

  func validate() throws {
    guard scale > 0, scale <= 1 else { throw ValidationError("--scale must be in (0, 1].") }
    guard tokens >= 1, tokens <= 1000 else { throw ValidationError("--tokens must be between 1 and 1000.") }
  }

  func run() throws {
    guard geteuid() == 0 else {
      throw CommandError("demo records block traces, which needs root (tracefs, cgroups, page-cache eviction): run `sudo paramtrace demo`.")
    }
    let work = try dir ?? Self.makeWorkDirectory()
    if mkdir(work, 0o755) != 0, errno != EEXIST { throw CommandError("create \(work): \(String(cString: strerror(errno))).") }
    defer {
      if !keep {
        _ = try? runCommand("/bin/rm", ["-rf", work])
      }
    }
    let twin = work + "/llama-2-7b-chat.Q4_K_M.twin.gguf"
    printError("demo: writing a \(formatFixed(scale, 2))-scale twin of llama-2-7b-chat.Q4_K_M to \(twin)")
    let synth = try SynthCommand.parse(["--like", "llama-2-7b-chat.Q4_K_M", "--scale", "\(scale)", "--out", twin, "--force"])
    try synth.run()
    let size = try FilePrefixReader(path: twin).size
    let budgets = [1.25, 0.70, 0.40].map { UInt64(Double(size) * $0) / (1 << 20) * (1 << 20) }
    printError("demo: model \(HumanUnits.bytes(size)); budgets \(budgets.map { HumanUnits.bytes($0) }.joined(separator: ", "))")
    let sweepDirectory = work + "/sweep"
    let sweep = try SweepCommand.parse(
      ["--model", twin, "--budgets", budgets.map(String.init).joined(separator: ","), "--cold", "--out", sweepDirectory, "--",
       currentExecutablePath(), "replay", twin, "--tokens", "\(tokens)"])
    do { try sweep.run() } catch let exit as ExitCode where exit != .success {
      printError("demo: the sweep ended with status \(exit.rawValue); reporting what was recorded")
    }
    let report = try ReportCommand.parse([sweepDirectory, "--html", html])
    try report.run()
    print("HTML report: \(html)")
    if keep { print("Work directory kept: \(work)") }
  }

  static func makeWorkDirectory() throws -> String {
    var template = Array("/var/tmp/paramtrace-demo-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw CommandError("mkdtemp in /var/tmp: \(String(cString: strerror(errno))). Pass --dir on a disk with a few GB free.")
    }
    return String(cString: made)
  }
}

/// Runs a program and waits for it; returns its exit status.
func runCommand(_ path: String, _ arguments: [String]) throws -> Int32 {
  var pid: pid_t = 0
  var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
  defer { for pointer in argv { free(pointer) } }
  let status = posix_spawn(&pid, path, nil, nil, &argv, environ)
  guard status == 0 else { throw CommandError("cannot run \(path): \(String(cString: strerror(status))).") }
  var result: Int32 = 0
  waitpid(pid, &result, 0)
  return (result >> 8) & 0xff
}
