#if canImport(Glibc)
  import Glibc
#endif
import ParamTraceCore
import SystemPackage

/// Proactive reclaim stopped for one run and started again after it (`record
/// --pause-proactive-reclaim`), so the run's re-reads are the budget's and the workload's
/// alone.
///
/// What it changes: each running kdamond with a pageout scheme gets `off` in its `state`
/// file, the `damon_reclaim` module `N` in `enabled` (`ProactiveReclaim.Scheme.stopPath`).
/// How it undoes it: `restore()` writes the old values back; `record` calls it in a `defer`,
/// so an error, a failed workload, Ctrl-C or SIGTERM put them back. Before changing anything
/// it writes what it will change to a state file, `/run/paramtrace/proactive-reclaim-PID`, so
/// a recorder killed with SIGKILL leaves a record the next one acts on (`restoreStale`): the
/// same rule as for tracefs instances and cgroups named after a dead pid. /run is cleared at
/// boot, when DAMON starts afresh anyway.
public final class ProactiveReclaimPause {
  /// The files changed and their values before (`on`, `Y`), in the order they were changed.
  public let changed: [(path: String, previous: String)]
  /// Where the state file is, and its directory.
  public let stateFile: String
  let directory: String
  private var restored = false

  /// Why `restore()` failed, with what to do.
  public private(set) var problem: String?

  public static let stateDirectory = "/run/paramtrace"

  /// Stops every scheme of `reclaim`. `stateDirectory` is for tests.
  ///
  /// - Throws: `FileAccessError` when the state file cannot be written or a scheme cannot be
  ///   stopped (what was stopped by then is started again first).
  public init(pausing reclaim: ProactiveReclaim, stateDirectory: String = ProactiveReclaimPause.stateDirectory) throws {
    var files: [(path: String, previous: String, off: String)] = []
    for scheme in reclaim.schemes where !files.contains(where: { $0.path == scheme.stopPath }) {
      let previous = try Self.readValue(scheme.stopPath)
      guard previous != scheme.stopValue else { continue }
      files.append((scheme.stopPath, previous, scheme.stopValue))
    }
    directory = stateDirectory
    stateFile = "\(stateDirectory)/proactive-reclaim-\(getpid())"
    if !files.isEmpty {
      if mkdir(stateDirectory, 0o700) != 0, errno != EEXIST { throw FileAccessError("create", stateDirectory, Errno(rawValue: errno)) }
      try Self.writeState(files.map { ($0.path, $0.previous) }, to: stateFile)
    }
    var done: [(path: String, previous: String)] = []
    for file in files {
      do { try Self.writeValue(file.off, to: file.path) } catch {
        for undo in done.reversed() { try? Self.writeValue(undo.previous, to: undo.path) }
        unlink(stateFile)
        throw error
      }
      done.append((file.path, file.previous))
    }
    changed = done
  }

  /// Starts what was stopped, once; false (and the reason on `problem`) when that failed.
  @discardableResult
  public func restore() -> Bool {
    guard !restored else { return problem == nil }
    restored = true
    var failures: [String] = []
    for file in changed.reversed() {
      do { try Self.writeValue(file.previous, to: file.path) } catch { failures.append("\(error); write \(file.previous) to \(file.path) by hand") }
    }
    if failures.isEmpty {
      unlink(stateFile)
      rmdir(directory)  // only when empty: another recorder's file keeps it
    } else {
      problem = failures.joined(separator: "; ")
    }
    return problem == nil
  }

  deinit { restore() }

  /// Puts back what recorders that no longer run paused (killed before they could), from
  /// their state files. Returns a line for each file restored, for the log.
  public static func restoreStale(stateDirectory: String = ProactiveReclaimPause.stateDirectory) -> [String] {
    var lines: [String] = []
    for name in directoryEntryNames(stateDirectory) ?? [] where name.hasPrefix("proactive-reclaim-") {
      guard let pid = Int32(name.dropFirst("proactive-reclaim-".count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
      let path = "\(stateDirectory)/\(name)"
      guard let text = try? readWholeFile(path, limit: 1 << 16) else { continue }
      var allRestored = true
      for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
        guard let tab = line.firstIndex(of: "\t") else { continue }
        let (file, value) = (String(line[..<tab]), String(line[line.index(after: tab)...]))
        do {
          try writeValue(value, to: file)
          lines.append("\(file) → \(value), as before paramtrace pid \(pid) paused it")
        } catch {
          allRestored = false
          lines.append("could not put \(value) back into \(file) (paused by paramtrace pid \(pid)): \(error); write it by hand")
        }
      }
      if allRestored { unlink(path) }
    }
    rmdir(stateDirectory)  // only when empty
    return lines
  }

  /// `manifest.settings.proactive_reclaim_paused`.
  public func json(restored: Bool) -> JSONValue {
    .object([
      ("files", .array(changed.map { .object([("path", .string($0.path)), ("previous", .string($0.previous))]) })),
      ("restored", .bool(restored)),
    ])
  }

  // MARK: - Files

  static func readValue(_ path: String) throws -> String { KernelFile.trim(try KernelFile.read(path)) }

  static func writeValue(_ value: String, to path: String) throws { try KernelFile.write(path, value) }

  /// One `path<TAB>value` line per file, written and synced before anything changes.
  static func writeState(_ files: [(String, String)], to path: String) throws {
    let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw FileAccessError("create", path, Errno(rawValue: errno)) }
    defer { close(fd) }
    let text = Array(files.map { "\($0.0)\t\($0.1)\n" }.joined().utf8)
    let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == text.count, fsync(fd) == 0 else { throw FileAccessError("write", path, Errno(rawValue: errno)) }
  }
}
