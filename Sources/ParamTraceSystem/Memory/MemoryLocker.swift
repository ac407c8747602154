import CParamTraceShims
import Synchronization
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The notebook's `mem_locker`, done right: a helper process (`paramtrace __lock-memory
/// BYTES`, see `MemoryLockHelper`) mlocks memory so that less is left for the workload, and
/// the lock is verified through the helper's `VmLck` (the notebook's 29 GB lock failed
/// silently; docs/metrics.md lesson 6).
///
/// Safety: a lock is refused before anything is spawned when it would leave less than the
/// safety margin of available memory, `max(1 GiB, 10 % of MemTotal)`, unless `force`; even with
/// `force`, at least 256 MiB (`hardFloorBytes`) must stay available. "Available" is
/// `MemAvailable`, or less when paramtrace's own memory cgroup (and its parents) has less room
/// under its limit, since the helper is charged there.
///
/// The helper runs in its own process group (a terminal's Ctrl-C reaches paramtrace, which
/// releases it) and exits when its standard input, a pipe from this object, reaches end of
/// file: when `release()` closes it, or when paramtrace dies in any way.
///
/// A large helper is the OOM killer's first choice: call `verify()` after the workload to
/// know the lock held throughout.
public final class MemoryLocker: @unchecked Sendable {
  /// The smallest safety margin: 1 GiB.
  public static let minimumMarginBytes: UInt64 = 1 << 30
  /// What must stay available even with `force`: 256 MiB.
  public static let hardFloorBytes: UInt64 = 256 << 20

  /// The helper's pid.
  public let pid: Int32
  /// The bytes asked for.
  public let requestedBytes: UInt64
  /// The helper's `VmLck` in bytes, measured once it reported; at least `requestedBytes`.
  /// (It keeps that value after `release()`.)
  public private(set) var lockedBytes: UInt64
  /// The memory available (see the type's summary) just before locking, in bytes.
  public let availableBeforeBytes: UInt64
  /// `MemAvailable` just after locking, in bytes.
  public let availableAfterBytes: UInt64

  private struct State {
    var stdinFD: Int32
    var released = false
    var exitStatus: String?
  }
  private let state: Mutex<State>

  /// The safety margin for a machine with `memTotal` bytes: `max(1 GiB, memTotal / 10)`.
  public static func safetyMargin(memTotal: UInt64) -> UInt64 { max(minimumMarginBytes, memTotal / 10) }

  /// Checks, without locking anything, that `bytes` may be locked now (the rules in the type's
  /// summary); returns the available bytes it compared against.
  ///
  /// - Throws: `MemoryBudgetError`: `lockEmpty`, `lockWouldStarve`, `lockAboveHardCap`, or /proc unreadable.
  @discardableResult
  public static func preflight(bytes: UInt64, force: Bool) throws -> UInt64 {
    let meminfo = try ProcMemorySnapshot.take().meminfo
    guard let total = meminfo["MemTotal"], let memAvailable = meminfo["MemAvailable"] else {
      throw MemoryBudgetError(.unexpectedContents(path: "/proc/meminfo", text: "no MemTotal or MemAvailable"))
    }
    let available = min(memAvailable, cgroupHeadroomBytes() ?? .max)
    try checkBudget(bytes: bytes, available: available, total: total, force: force)
    return available
  }

  /// The rules of `preflight` on given numbers (bytes).
  static func checkBudget(bytes: UInt64, available: UInt64, total: UInt64, force: Bool) throws(MemoryBudgetError) {
    guard bytes > 0 else { throw MemoryBudgetError(.lockEmpty) }
    let margin = safetyMargin(memTotal: total)
    if !force, available < margin || bytes > available - margin {
      throw MemoryBudgetError(.lockWouldStarve(requested: bytes, available: available, margin: margin, total: total))
    }
    if available < hardFloorBytes || bytes > available - hardFloorBytes {
      throw MemoryBudgetError(.lockAboveHardCap(requested: bytes, available: available, floor: hardFloorBytes))
    }
  }

  /// Locks `bytes` in a helper process and verifies it.
  ///
  /// - Parameters:
  ///   - bytes: What to lock; the helper rounds it up to a page.
  ///   - force: Allow going below the safety margin (never below `hardFloorBytes`).
  ///   - executable: The paramtrace binary (it runs `executable __lock-memory BYTES`).
  /// - Throws: `MemoryBudgetError`: refused by `preflight`; the executable is missing; spawn
  ///   failed; the helper's mlock failed; it died or did not report in time (30 s plus 1 s per
  ///   128 MiB); its `VmLck` is short of `bytes`. On error no helper is left.
  public init(bytes: UInt64, force: Bool, executable: String) throws {
    availableBeforeBytes = try Self.preflight(bytes: bytes, force: force)
    guard access(executable, X_OK) == 0 else { throw MemoryBudgetError(.helperNotExecutable(path: executable)) }
    requestedBytes = bytes
    let (pid, stdinFD, stdoutFD) = try Self.spawn(executable: executable, bytes: bytes)
    self.pid = pid
    let outcome: Result<UInt64, MemoryBudgetError>
    do throws(MemoryBudgetError) {
      outcome = .success(try Self.awaitLock(pid: pid, fd: stdoutFD, bytes: bytes))
    } catch {
      outcome = .failure(error)
    }
    close(stdoutFD)
    switch outcome {
    case .success(let locked):
      lockedBytes = locked
    case .failure(let error):
      // Whatever went wrong, no helper is left: reap it (once) and say how it ended.
      let status = Self.reap(pid: pid, stdinFD: stdinFD)
      if case .helperDied(let pid, _, let output) = error.reason {
        throw MemoryBudgetError(.helperDied(pid: pid, status: status, output: output))
      }
      throw error
    }
    availableAfterBytes = (try? ProcMemorySnapshot.take().meminfo["MemAvailable"] ?? 0) ?? 0
    state = Mutex(State(stdinFD: stdinFD))
  }

  deinit { release() }

  /// Ends the lock: closes the helper's standard input, sends SIGTERM, waits up to 2 s, then
  /// SIGKILL, and reaps it, so the pid is gone when this returns. Idempotent.
  public func release() {
    state.withLock { state in
      guard !state.released else { return }
      state.exitStatus = Self.reap(pid: pid, stdinFD: state.stdinFD)
      state.stdinFD = -1
      state.released = true
    }
  }

  /// Whether `release()` ran (or the helper was found dead by `verify()`).
  public var isReleased: Bool { state.withLock { $0.released } }

  /// Checks that the helper still holds the lock (call it after the workload: the OOM killer
  /// may have taken it); returns its `VmLck` in bytes now.
  ///
  /// - Throws: `MemoryBudgetError`: `helperDied` (it was reaped; the lock is gone) or `lockShort`.
  @discardableResult
  public func verify() throws -> UInt64 {
    try state.withLock { state throws(MemoryBudgetError) -> UInt64 in
      if state.released {
        throw MemoryBudgetError(.helperDied(pid: pid, status: state.exitStatus ?? "was released", output: ""))
      }
      var status: Int32 = 0
      if waitpid(pid, &status, WNOHANG) == pid {
        close(state.stdinFD)
        state.stdinFD = -1
        state.released = true
        state.exitStatus = Self.describe(status: status)
        throw MemoryBudgetError(.helperDied(pid: pid, status: state.exitStatus!, output: ""))
      }
      let locked = try Self.lockedBytes(pid: pid)
      guard locked >= requestedBytes else {
        throw MemoryBudgetError(.lockShort(requested: requestedBytes, locked: locked, pid: pid))
      }
      return locked
    }
  }

  // MARK: Details

  /// `VmLck` of `/proc/PID/status` in bytes.
  static func lockedBytes(pid: Int32) throws(MemoryBudgetError) -> UInt64 {
    let path = "/proc/\(pid)/status"
    let text = try KernelFile.read(path)
    guard let value = ProcMemorySnapshot.parseMeminfo(text)["VmLck"] else {
      throw MemoryBudgetError(.unexpectedContents(path: path, text: "no VmLck line"))
    }
    return value
  }

  /// Spawns the helper with pipes on its standard input and output; the ends kept here are
  /// close-on-exec, so other children never hold them.
  private static func spawn(executable: String, bytes: UInt64) throws(MemoryBudgetError) -> (pid: Int32, stdinFD: Int32, stdoutFD: Int32) {
    var input: [Int32] = [-1, -1]
    var output: [Int32] = [-1, -1]
    guard paramtrace_pipe_cloexec(&input) == 0 else {
      throw MemoryBudgetError(.spawnFailed(path: executable, errno: Errno(rawValue: errno)))
    }
    guard paramtrace_pipe_cloexec(&output) == 0 else {
      let code = Errno(rawValue: errno)
      close(input[0])
      close(input[1])
      throw MemoryBudgetError(.spawnFailed(path: executable, errno: code))
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input[0], 0)
    posix_spawn_file_actions_adddup2(&actions, output[1], 1)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
    let arguments = [executable, MemoryLockHelper.subcommand, String(bytes)]
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    close(input[0])
    close(output[1])
    guard result == 0 else {
      close(input[1])
      close(output[0])
      throw MemoryBudgetError(.spawnFailed(path: executable, errno: Errno(rawValue: result)))
    }
    return (pid, input[1], output[0])
  }

  /// Waits for the helper's report and checks its VmLck; returns VmLck in bytes. Does not reap
  /// the helper (the caller does, on error).
  private static func awaitLock(pid: Int32, fd: Int32, bytes: UInt64) throws(MemoryBudgetError) -> UInt64 {
    let seconds = 30 + Int(bytes / (128 << 20))  // first-touch locking ran at ~0.45 GB/s in a VM
    let line = try readReport(pid: pid, fd: fd, seconds: seconds)
    let fields = line.split(separator: " ")
    if fields.count == 2, fields[0] == "error", let code = Int32(fields[1]) {
      throw MemoryBudgetError(.lockFailed(requested: bytes, errno: Errno(rawValue: code)))
    }
    guard fields.count == 2, fields[0] == "locked", UInt64(fields[1]) != nil else {
      throw MemoryBudgetError(.helperDied(pid: pid, status: "wrote something unexpected", output: line))
    }
    let locked = try lockedBytes(pid: pid)
    guard locked >= bytes else { throw MemoryBudgetError(.lockShort(requested: bytes, locked: locked, pid: pid)) }
    return locked
  }

  /// The helper's first line. Throws `helperDied` (status to be filled in) on end of file,
  /// `helperTimedOut` after `seconds`.
  private static func readReport(pid: Int32, fd: Int32, seconds: Int) throws(MemoryBudgetError) -> String {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 256)
    let deadline = KernelFile.monotonicSeconds() + Double(seconds)
    while !bytes.contains(UInt8(ascii: "\n")) {
      let remaining = deadline - KernelFile.monotonicSeconds()
      if remaining <= 0 { throw MemoryBudgetError(.helperTimedOut(pid: pid, seconds: seconds)) }
      var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, Int32(min(remaining, 1) * 1000) + 1)
      if ready <= 0 { continue }
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR || errno == EAGAIN { continue }
      if count <= 0 {
        throw MemoryBudgetError(.helperDied(pid: pid, status: "exited", output: String(decoding: bytes, as: UTF8.self)))
      }
      bytes.append(contentsOf: chunk[0..<count])
      if bytes.count > 4096 { break }
    }
    let line = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? []
    return String(decoding: line, as: UTF8.self)
  }

  /// Ends the helper: closes its standard input (when given), SIGTERM, up to 2 s, SIGKILL;
  /// reaps it. Returns how it ended.
  private static func reap(pid: Int32, stdinFD: Int32) -> String {
    if stdinFD >= 0 { close(stdinFD) }
    var status: Int32 = 0
    kill(pid, SIGTERM)
    let deadline = KernelFile.monotonicSeconds() + 2
    while KernelFile.monotonicSeconds() < deadline {
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid { return describe(status: status) }
      if result < 0, errno == ECHILD { return "is gone (reaped elsewhere)" }
      usleep(10_000)
    }
    kill(pid, SIGKILL)
    while true {
      let result = waitpid(pid, &status, 0)
      if result == pid { return describe(status: status) }
      if result < 0, errno != EINTR { return "is gone (reaped elsewhere)" }
    }
  }

  /// A wait status as words.
  static func describe(status: Int32) -> String {
    let signal = status & 0x7f
    if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
    let name =
      switch signal {
      case SIGKILL: "SIGKILL"
      case SIGTERM: "SIGTERM"
      case SIGSEGV: "SIGSEGV"
      case SIGBUS: "SIGBUS"
      default: "signal \(signal)"
      }
    return "was killed by \(name)"
  }

  /// Room left under the memory limits of this process's own cgroup and its ancestors, in
  /// bytes; nil when unlimited or unknown.
  static func cgroupHeadroomBytes() -> UInt64? {
    guard let layout = try? CgroupMemoryLayout.detect(), let text = KernelFile.readIfPresent("/proc/self/cgroup") else { return nil }
    var relative: Substring?
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard fields.count == 3 else { continue }
      switch layout {
      case .v1: if fields[1].split(separator: ",").contains("memory") { relative = fields[2] }
      case .v2: if fields[0] == "0", fields[1].isEmpty { relative = fields[2] }
      }
    }
    guard var directory = relative.map(String.init) else { return nil }
    let (limitFile, usageFile) =
      switch layout {
      case .v1: ("memory.limit_in_bytes", "memory.usage_in_bytes")
      case .v2: ("memory.max", "memory.current")
      }
    var headroom: UInt64?
    while true {
      let path = layout.root + (directory == "/" ? "" : directory)
      if let limit = (try? KernelFile.readNumber("\(path)/\(limitFile)")), limit < (1 << 62),
        let usage = try? KernelFile.readNumber("\(path)/\(usageFile)")
      {
        let room = limit > usage ? limit - usage : 0
        headroom = min(headroom ?? .max, room)
      }
      guard directory != "/", let slash = directory.lastIndex(of: "/") else { break }
      directory = slash == directory.startIndex ? "/" : String(directory[..<slash])
    }
    return headroom
  }
}
