import SystemPackage

/// Why a memory budget (a cgroup limit, an mlock'ed hog) or a page-cache operation could not
/// be set up or verified: what happened, where, and what to do (docs/metrics.md lesson 6).
public struct MemoryBudgetError: Error, Sendable, CustomStringConvertible {
  /// What went wrong.
  public enum Reason: Sendable {
    /// No v2 hierarchy lists `memory` in `cgroup.controllers` and there is no v1 memory
    /// hierarchy: the places that were checked.
    case noMemoryController(checked: [String])
    /// The v2 memory controller exists but is not enabled for children of `root`.
    case controllerNotEnabled(root: String, detail: String)
    /// A cgroup, /proc or /sys file operation failed.
    case access(operation: String, path: String, errno: Errno)
    /// A kernel file held something unexpected.
    case unexpectedContents(path: String, text: String)
    /// The cgroup name is empty or has characters other than letters, digits, `.`, `_`, `-`.
    case invalidName(String)
    /// The cgroup to create already exists (a previous run with the same pid?).
    case cgroupExists(path: String)
    /// The requested limit is below the sane minimum.
    case limitTooSmall(requested: UInt64, minimum: UInt64)
    /// The kernel did not keep the limit that was written (read back differs by more than a page).
    case limitNotAccepted(file: String, requested: UInt64, achieved: UInt64)
    /// A lock of zero bytes was asked for.
    case lockEmpty
    /// The lock would leave less than the safety margin of available memory (without --force).
    case lockWouldStarve(requested: UInt64, available: UInt64, margin: UInt64, total: UInt64)
    /// The lock would leave less than the hard floor of available memory (refused even with --force).
    case lockAboveHardCap(requested: UInt64, available: UInt64, floor: UInt64)
    /// VmLck of the helper is less than what was asked for.
    case lockShort(requested: UInt64, locked: UInt64, pid: Int32)
    /// The helper's mlock (or mmap) failed with this errno.
    case lockFailed(requested: UInt64, errno: Errno)
    /// The helper exited before it reported, or while it was supposed to hold the lock.
    case helperDied(pid: Int32, status: String, output: String)
    /// The helper did not report within the time allowed.
    case helperTimedOut(pid: Int32, seconds: Int)
    /// The helper executable is missing or not executable.
    case helperNotExecutable(path: String)
    /// posix_spawn of the helper failed.
    case spawnFailed(path: String, errno: Errno)
  }

  /// What went wrong.
  public var reason: Reason

  public init(_ reason: Reason) { self.reason = reason }

  public var description: String {
    switch reason {
    case .noMemoryController(let checked):
      return "no memory cgroup controller: checked \(checked.joined(separator: ", ")). "
        + "Mount one (cgroup v2: `mount -t cgroup2 none /sys/fs/cgroup`, with `memory` not bound to a v1 hierarchy; "
        + "cgroup v1: `mkdir -p /sys/fs/cgroup/memory && mount -t cgroup -o memory none /sys/fs/cgroup/memory`), "
        + "check that the kernel has CONFIG_MEMCG and that the boot line has no `cgroup_disable=memory`. "
        + "Or use --lock SIZE (an mlock'ed hog) instead of --budget."
    case .controllerNotEnabled(let root, let detail):
      return "the memory controller is not enabled for children of \(root) (\(detail)). "
        + "Enable it: `echo +memory > \(root)/cgroup.subtree_control`; inside a container, move the container's processes "
        + "to a leaf cgroup first (cgroup v2 forbids controllers in a cgroup that has processes), or run on the host."
    case .access(let operation, let path, let errno):
      return "\(operation) \(path): \(errno).\(Self.hint(for: errno, path: path))"
    case .unexpectedContents(let path, let text):
      return "\(path): unexpected contents \(text.debugDescription); is it the kernel's file?"
    case .invalidName(let name):
      return "cgroup name \(name.debugDescription): use letters, digits, '.', '_' and '-' only, not empty."
    case .cgroupExists(let path):
      return "\(path) already exists: left by an earlier run whose process had this pid? "
        + "If `cat \(path)/cgroup.procs` is empty, remove it with `rmdir \(path)`."
    case .limitTooSmall(let requested, let minimum):
      return "memory limit \(Self.text(bytes: requested)) is below the minimum of \(Self.text(bytes: minimum)): "
        + "a process cannot even start under it. Ask for at least \(Self.text(bytes: minimum))."
    case .limitNotAccepted(let file, let requested, let achieved):
      return "\(file): wrote \(requested) but the kernel kept \(achieved) (\(Self.text(bytes: achieved))). "
        + "The limit was not accepted; is a parent cgroup's limit lower, or is the value beyond what the kernel supports?"
    case .lockEmpty:
      return "nothing to lock: give a size above 0."
    case .lockWouldStarve(let requested, let available, let margin, let total):
      return "locking \(Self.text(bytes: requested)) would leave \(Self.text(bytes: available > requested ? available - requested : 0)) "
        + "of the \(Self.text(bytes: available)) available (MemAvailable; MemTotal \(Self.text(bytes: total))), less than the safety margin "
        + "of \(Self.text(bytes: margin)) (max(1 GiB, 10 % of MemTotal)); the machine could start thrashing or kill processes. "
        + "Lock at most \(Self.text(bytes: available > margin ? available - margin : 0)), use --budget (a cgroup limit) instead, "
        + "or pass --force."
    case .lockAboveHardCap(let requested, let available, let floor):
      return "locking \(Self.text(bytes: requested)) would leave less than \(Self.text(bytes: floor)) of the \(Self.text(bytes: available)) "
        + "available (MemAvailable), which is refused even with --force. Lock at most "
        + "\(Self.text(bytes: available > floor ? available - floor : 0)), or use --budget (a cgroup limit)."
    case .lockShort(let requested, let locked, let pid):
      return "RLIMIT_MEMLOCK or memory pressure: locked \(Self.text(bytes: locked)) of \(Self.text(bytes: requested)) "
        + "(VmLck of helper \(pid)). The memory budget would be wrong, so the lock was released. "
        + "Run as root (CAP_IPC_LOCK) or raise `ulimit -l`, free memory, or lock less."
    case .lockFailed(let requested, let errno):
      let hint: String =
        switch errno {
        case .resourceTemporarilyUnavailable, .notPermitted:
          " RLIMIT_MEMLOCK is too low: run as root (CAP_IPC_LOCK) or raise `ulimit -l`."
        case .noMemory: " Not enough memory could be locked: free memory or lock less."
        default: ""
        }
      return "mlock of \(Self.text(bytes: requested)) failed in the helper: \(errno).\(hint)"
    case .helperDied(let pid, let status, let output):
      let said = output.isEmpty ? "" : " It wrote: \(output.debugDescription)."
      return "the memory-lock helper (pid \(pid)) \(status) without holding the lock.\(said) "
        + "Was it killed by the OOM killer (see `dmesg`)? Lock less, or use --budget."
    case .helperTimedOut(let pid, let seconds):
      return "the memory-lock helper (pid \(pid)) did not report within \(seconds) s; it was killed. "
        + "The machine may be swapping or short of memory: lock less."
    case .helperNotExecutable(let path):
      return "\(path): not an executable; the memory-lock helper is the paramtrace binary itself (`paramtrace __lock-memory`)."
    case .spawnFailed(let path, let errno):
      return "posix_spawn \(path): \(errno). Check that the paramtrace binary is there and executable."
    }
  }

  static func hint(for errno: Errno, path: String) -> String {
    switch errno {
    case .permissionDenied, .notPermitted:
      return " Run as root (cgroups, drop_caches and mlock need CAP_SYS_ADMIN / CAP_IPC_LOCK)."
    case .readOnlyFileSystem:
      return " It is mounted read-only (a container?): run on the host, or in a privileged container."
    case .noSuchFileOrDirectory:
      return path.contains("/sys/fs/cgroup") ? " The cgroup or its control file is missing: is the memory controller mounted there?" : " Check the path."
    case .resourceBusy:
      return path.hasSuffix("cgroup.procs") || path.hasSuffix("tasks")
        ? " cgroup v2 refuses processes in a cgroup that has children with controllers enabled." : " The kernel is still using it; try again."
    case .invalidArgument:
      return " The kernel refused the value."
    case .noSuchProcess:
      return " The process has exited."
    default:
      return ""
    }
  }

  /// `256.0 MiB`, in binary units; `512 bytes` below 1 KiB.
  static func text(bytes: UInt64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    if unit == 0 { return "\(bytes) bytes" }
    return "\((value * 10).rounded() / 10) \(units[unit])"
  }
}
