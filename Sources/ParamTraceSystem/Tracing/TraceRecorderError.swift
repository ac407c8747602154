import ParamTraceCore
import SystemPackage

/// Why a recording could not start, went wrong, or could not finish: what, where, and what to do.
public struct TraceRecorderError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Reason: Hashable, Sendable {
    /// Neither root nor CAP_SYS_ADMIN.
    case notPrivileged
    /// tracefs is not mounted at the path and mounting it failed with this errno.
    case tracefsUnavailable(mountError: Errno)
    /// These `events/block/*` tracepoints do not exist.
    case blockEventsMissing([String])
    /// `available_tracers` has no `blk` (kernel without CONFIG_BLK_DEV_IO_TRACE).
    case blkTracerMissing
    /// The disk has no usable sysfs entry (or no `trace/` directory there).
    case diskUnknown(DeviceNumber, String)
    /// The device is a partition; traces carry the whole disk.
    case notWholeDisk(DeviceNumber, disk: DeviceNumber)
    /// `current_tracer` is not `nop`.
    case tracerBusy(current: String)
    /// Another paramtrace holds the `blk` tracer lock (its pid, when known).
    case blkTracerLocked(holder: Int32?)
    /// `/sys/block/DEV/trace/enable` is already 1 (blktrace or another tool is tracing the disk).
    case blktraceRunning(diskName: String)
    /// Events enabled in the top-level instance would mix into the `blk` tracer's binary stream.
    case topLevelEventsEnabled([String])
    /// No free `paramtrace-PID[-N]` instance name.
    case instanceExists(String)
    /// The output directory is on a memory filesystem (tmpfs, ramfs).
    case outputOnMemoryFilesystem(String)
    /// A file operation on the output failed (create, write, sync).
    case output(operation: String, errno: Errno, bytesKept: Int)
    /// A tracefs (or sysfs) file operation failed.
    case tracefs(operation: String, errno: Errno)
    /// Reading `trace_pipe` failed while draining.
    case drainRead(errno: Errno)
    /// The recorder was used out of order (start twice, mark before start, ...).
    case misuse(String)
  }

  public var reason: Reason
  /// The file or directory concerned.
  public var path: String

  public init(_ reason: Reason, path: String) {
    self.reason = reason
    self.path = path
  }

  public var description: String {
    switch reason {
    case .notPrivileged:
      return "\(path): tracing needs root. Run as root or with CAP_SYS_ADMIN (sudo paramtrace record ...)."
    case .tracefsUnavailable(let errno):
      return
        "tracefs is not mounted at \(path) and mounting it failed: \(errno). Mount it (mount -t tracefs nodev \(path)); the kernel needs CONFIG_FTRACE and tracefs."
    case .blockEventsMissing(let names):
      return
        "\(path): the block tracepoints \(names.joined(separator: ", ")) are missing. The kernel was built without block tracepoints (CONFIG_BLK_DEV_IO_TRACE / CONFIG_FTRACE); use a kernel that has them."
    case .blkTracerMissing:
      return
        "\(path): the kernel has no `blk` tracer (CONFIG_BLK_DEV_IO_TRACE). Record with --actions tracepoints instead."
    case .diskUnknown(let disk, let why):
      return "disk \(disk): \(why). Pass the whole disk that holds the traced files (for example 254:0)."
    case .notWholeDisk(let device, let disk):
      return
        "\(device) is a partition: block traces carry the whole disk (\(disk)) and absolute sectors. Trace \(disk) instead."
    case .tracerBusy(let current):
      return
        "another tracer (\(current)) is active in \(path): the `blk` tracer needs the top-level instance to itself. Wait for it to finish, or reset it with `echo nop > \(path)` if nothing uses it, or record with --actions tracepoints."
    case .blkTracerLocked(let holder):
      let who = holder.map { "paramtrace (pid \($0))" } ?? "paramtrace"
      return
        "another \(who) is recording with the `blk` tracer (lock \(path)). Wait for it, or record with --actions tracepoints (private instances can run side by side)."
    case .blktraceRunning(let name):
      return
        "\(path) is already 1: blktrace or another tool is tracing \(name). Stop it first (blktrace -k, or echo 0 > \(path))."
    case .topLevelEventsEnabled(let events):
      let shown = events.prefix(5).joined(separator: ", ") + (events.count > 5 ? ", ..." : "")
      return
        "events are enabled in the top-level tracefs instance (\(shown)); they would mix into the `blk` tracer's binary output. Disable them (echo > \(path)) or record with --actions tracepoints."
    case .instanceExists(let name):
      return
        "\(path): tracefs instance \(name) already exists and no free paramtrace-PID-N name was found. Remove stale instances with rmdir \(path)/paramtrace-*."
    case .outputOnMemoryFilesystem(let type):
      return
        "\(path) is on \(type): the trace would live in memory and take it from the workload being measured. Write the experiment to a disk filesystem (for example under /var/tmp or your home)."
    case .output(let operation, let errno, let kept):
      let hint =
        switch errno {
        case .noSpace: " Free disk space or write the experiment elsewhere."
        case .permissionDenied, .notPermitted: " Check the directory's permissions."
        case .readOnlyFileSystem: " Write the experiment to a writable filesystem."
        default: ""
        }
      let keptText = kept > 0 ? " The trace is incomplete: \(kept) bytes were written before the failure." : ""
      return "\(operation) \(path): \(errno).\(hint)\(keptText)"
    case .tracefs(let operation, let errno):
      let hint =
        switch errno {
        case .permissionDenied, .notPermitted: " Run as root or with CAP_SYS_ADMIN."
        case .resourceBusy: " Something else holds it open (a reader of trace_pipe?)."
        case .noSuchFileOrDirectory: " The kernel does not offer it (tracefs feature or block tracing missing)."
        case .noMemory: " The kernel could not allocate the buffer: use a smaller buffer size."
        case .invalidArgument: " The kernel refused the value."
        default: ""
        }
      return "\(operation) \(path): \(errno).\(hint)"
    case .drainRead(let errno):
      return "read \(path): \(errno). The trace stopped early; the result is incomplete."
    case .misuse(let what):
      return "trace recorder: \(what)"
    }
  }
}

