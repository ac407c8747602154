import CParamTraceShims
import Glibc
import ParamTraceCore
import SystemPackage

/// What a workload run measured.
public struct WorkloadResult: Sendable {
  /// The workload's first process (the root of its task tree).
  public var pid: Int32 = 0
  /// Exit status when it exited, nil when a signal ended it.
  public var exitStatus: Int32?
  /// The signal that ended it, nil when it exited.
  public var terminatingSignal: Int32?
  /// CLOCK_MONOTONIC at spawn and at exit (the clock of `trace_clock=mono` traces).
  public var startMonotonicNanoseconds: UInt64
  public var endMonotonicNanoseconds: UInt64
  /// Resource usage of the workload and every descendant it waited for.
  public var majorFaults: Int
  public var minorFaults: Int
  public var maxRSSKiB: Int
  public var userSeconds: Double
  public var systemSeconds: Double
  /// Every task id (threads and child processes) seen while it ran: block traces name
  /// threads, so these are the owner pids that belong to the workload.
  public var taskIDs: [Int32]
  /// Files it mapped that look like model weights (.gguf, .safetensors, or large files).
  public var mappedModelFiles: [String]
  /// Where its standard output and error were written.
  public var outputPath: String

  public var wallSeconds: Double { Double(endMonotonicNanoseconds - startMonotonicNanoseconds) / 1e9 }
  /// True when it exited with status 0.
  public var succeeded: Bool { exitStatus == 0 }
}

/// A workload error with what to do.
public struct WorkloadError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// The workload: spawned in its own process group (so it can be stopped as a whole),
/// optionally inside a cgroup before it runs any code, its output captured to a file
/// (and echoed live on request), its threads and mapped files followed while it runs.
public final class WorkloadProcess: @unchecked Sendable {
  public let command: [String]
  public let outputPath: String
  public private(set) var pid: Int32 = 0
  private let cgroupProcsPath: String?
  private let echo: Bool
  private var outputReader: pthread_t?
  private var pipeRead: Int32 = -1
  private var taskIDs = Set<Int32>()
  private var mapped = Set<String>()
  private var exited = false

  public init(command: [String], cgroupProcsPath: String?, outputPath: String, echo: Bool) {
    self.command = command
    self.cgroupProcsPath = cgroupProcsPath
    self.outputPath = outputPath
    self.echo = echo
  }

  /// Starts the workload; returns its pid.
  @discardableResult
  public func start() throws -> Int32 {
    guard !command.isEmpty else { throw WorkloadError("no command given: put it after `--`, e.g. record --out DIR -- ./llama-cli -m model.gguf") }
    let outputFD = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard outputFD >= 0 else { throw FileAccessError("create", outputPath, Errno(rawValue: errno)) }
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else {
      close(outputFD)
      throw WorkloadError("pipe: \(String(cString: strerror(errno)))")
    }
    // Only the dup2'ed copies (stdout, stderr) may reach the child.
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    // Enter the cgroup before exec, so not one page the workload touches is outside it.
    let argv: [String] =
      if let cgroupProcsPath { ["/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", cgroupProcsPath] + command } else { command }
    var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for pointer in cArguments { free(pointer) } }
    var spawnErrno: Int32 = 0
    let child = paramtrace_spawn_workload(argv[0], &cArguments, fds[1], &spawnErrno)
    close(fds[1])
    guard child > 0 else {
      close(fds[0])
      close(outputFD)
      throw WorkloadError("cannot start \(argv[0]): \(String(cString: strerror(spawnErrno))). Check the command and that it is on PATH.")
    }
    pid = child
    startNanoseconds = MonotonicClock.nanoseconds()
    pipeRead = fds[0]
    startOutputReader(readFD: fds[0], outputFD: outputFD)
    taskIDs.insert(child)
    return child
  }

  private var startNanoseconds: UInt64 = 0

  /// Waits for the workload to end, following its threads and mappings in /proc every
  /// `pollSeconds`. Between looks it sleeps on the process's pidfd, so it wakes when the
  /// workload exits or a stop signal arrives, not on a timer: with the trace's task events
  /// doing the following, pass a long interval and the recorder stays out of the workload's
  /// way (docs/metrics.md lesson 9). `shouldStop` is asked at every wake-up; when it says yes the
  /// workload is terminated.
  public func wait(
    pollSeconds: Double = 0.05, tickSeconds: Double? = nil, tick: () -> Void = {}, shouldStop: () -> Bool = { false }
  ) -> WorkloadResult {
    var usage = rusage()
    var status: Int32 = 0
    var terminatedAt: UInt64?
    let pidfd = paramtrace_pidfd_open(pid)
    defer { if pidfd >= 0 { close(pidfd) } }
    var nextFollow: UInt64 = 0
    let interval = UInt64(max(0.001, pollSeconds) * 1e9)
    let tickInterval = tickSeconds.map { UInt64(max(0.05, $0) * 1e9) }
    var nextTick: UInt64 = 0
    while true {
      let done = wait4(pid, &status, WNOHANG, &usage)
      if done == pid { break }
      if done < 0, errno != EINTR { break }
      let now = MonotonicClock.nanoseconds()
      if now >= nextFollow {
        follow()
        nextFollow = now + interval
      }
      if let tickInterval, now >= nextTick {
        tick()
        nextTick = now + tickInterval
      }
      if terminatedAt == nil, shouldStop() {
        terminate()
        terminatedAt = MonotonicClock.nanoseconds()
      } else if let since = terminatedAt, MonotonicClock.nanoseconds() - since > 5_000_000_000 {
        kill(-pid, SIGKILL)  // did not stop within 5 s of SIGTERM
      }
      // Wake for the exit, a signal (poll returns EINTR), the next look into /proc, or within
      // 0.25 s after a SIGTERM to escalate on time.
      var sleepNanoseconds = nextFollow > now ? nextFollow - now : 0
      if tickInterval != nil { sleepNanoseconds = min(sleepNanoseconds, nextTick > now ? nextTick - now : 0) }
      if terminatedAt != nil { sleepNanoseconds = min(sleepNanoseconds, 250_000_000) }
      if pidfd >= 0 {
        var descriptor = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(min(sleepNanoseconds / 1_000_000 + 1, 1_000_000)))
      } else {
        usleep(UInt32(min(sleepNanoseconds / 1000, 50_000)))
      }
    }
    let end = MonotonicClock.nanoseconds()
    exited = true
    // The group may still hold descendants that outlived the leader: stop them too.
    kill(-pid, SIGKILL)
    if let reader = outputReader {
      pthread_join(reader, nil)
      outputReader = nil
    }
    let exitedNormally = (status & 0x7f) == 0
    return WorkloadResult(
      pid: pid, exitStatus: exitedNormally ? (status >> 8) & 0xff : nil,
      terminatingSignal: exitedNormally ? nil : status & 0x7f,
      startMonotonicNanoseconds: startNanoseconds, endMonotonicNanoseconds: end,
      majorFaults: usage.ru_majflt, minorFaults: usage.ru_minflt, maxRSSKiB: usage.ru_maxrss,
      userSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
      systemSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
      taskIDs: taskIDs.sorted(), mappedModelFiles: mapped.sorted(), outputPath: outputPath)
  }

  /// Asks the whole process group to stop (SIGTERM); `wait` escalates to SIGKILL.
  public func terminate() {
    guard pid > 0, !exited else { return }
    kill(-pid, SIGTERM)
  }

  deinit {
    if pid > 0, !exited {
      kill(-pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
    }
    if let reader = outputReader { pthread_join(reader, nil) }
  }

  // MARK: - Following the process tree

  private func follow() {
    var pending = [pid]
    var seen = Set<Int32>()
    while let process = pending.popLast(), seen.insert(process).inserted {
      for task in Self.directoryNumbers("/proc/\(process)/task") {
        taskIDs.insert(task)
        if let children = try? readWholeFile("/proc/\(process)/task/\(task)/children", limit: 1 << 20) {
          pending += String(decoding: children, as: UTF8.self).split(separator: " ").compactMap { Int32($0) }
        }
      }
    }
    if let maps = try? readWholeFile("/proc/\(pid)/maps", limit: 64 << 20) {
      for path in ModelFileDiscovery.modelPaths(inMaps: String(decoding: maps, as: UTF8.self)) { mapped.insert(path) }
    }
  }

  private static func directoryNumbers(_ path: String) -> [Int32] { (directoryEntryNames(path) ?? []).compactMap { Int32($0) } }

  // MARK: - Output

  private func startOutputReader(readFD: Int32, outputFD: Int32) {
    let copy = OutputCopy(readFD: readFD, outputFD: outputFD, echo: echo)
    outputReader = startThread { copy.run() }.thread
  }
}

/// Copies the workload's output to its file (and to stderr with --verbose) until EOF.
private final class OutputCopy: @unchecked Sendable {
  let readFD: Int32
  let outputFD: Int32
  let echo: Bool
  init(readFD: Int32, outputFD: Int32, echo: Bool) {
    self.readFD = readFD
    self.outputFD = outputFD
    self.echo = echo
  }
  func run() {
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR { continue }
      if count <= 0 { break }
      buffer.withUnsafeBytes { bytes in
        _ = write(outputFD, bytes.baseAddress, count)
        if echo { _ = write(2, bytes.baseAddress, count) }
      }
    }
    close(readFD)
    close(outputFD)
  }
}

