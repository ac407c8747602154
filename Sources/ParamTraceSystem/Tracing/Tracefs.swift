import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// Small typed access to tracefs files, and to the sysfs files of a disk's `trace/` directory:
/// read a value, write a value, make and remove instance directories. Every failure names the
/// operation and the path.
struct Tracefs: Sendable {
  /// Where tracefs is mounted (`/sys/kernel/tracing`).
  let root: String

  /// The standard mount point.
  static let standardRoot = "/sys/kernel/tracing"
  /// The old place, under debugfs.
  static let debugfsRoot = "/sys/kernel/debug/tracing"

  /// Finds tracefs, mounting it at `/sys/kernel/tracing` when it is not mounted.
  static func locate() throws(TraceRecorderError) -> Tracefs {
    if isMounted(standardRoot) { return Tracefs(root: standardRoot) }
    if mount("nodev", standardRoot, "tracefs", 0, nil) == 0, isMounted(standardRoot) {
      printWarning("mounted tracefs at \(standardRoot)")
      return Tracefs(root: standardRoot)
    }
    let mountError = Errno(rawValue: errno)
    if isMounted(debugfsRoot) { return Tracefs(root: debugfsRoot) }
    throw TraceRecorderError(.tracefsUnavailable(mountError: mountError), path: standardRoot)
  }

  /// True when `root` holds a mounted tracefs (its `trace` and `instances` entries).
  static func isMounted(_ root: String) -> Bool {
    exists(root + "/trace") && exists(root + "/instances")
  }

  /// `root/relative`.
  func path(_ relative: String) -> String { root + "/" + relative }

  // MARK: Files

  /// Whether something exists at `path`.
  static func exists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
  }

  /// A small tracefs/sysfs file's text without trailing blanks and newlines.
  static func read(_ path: String) throws(TraceRecorderError) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TraceRecorderError(.tracefs(operation: "open", errno: Errno(rawValue: errno)), path: path) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 8192)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw TraceRecorderError(.tracefs(operation: "read", errno: Errno(rawValue: errno)), path: path)
      }
      if count == 0 { break }
      bytes.append(contentsOf: chunk[0..<count])
      if bytes.count > 1 << 20 { break }  // the files read here are small; never slurp a trace
    }
    while let last = bytes.last, last == 0x0A || last == 0x20 || last == 0x09 { bytes.removeLast() }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Writes `text` to a tracefs/sysfs file (no truncation, no newline: tracefs parses the value).
  static func write(_ text: String, to path: String) throws(TraceRecorderError) {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TraceRecorderError(.tracefs(operation: "open", errno: Errno(rawValue: errno)), path: path) }
    defer { close(fd) }
    var text = text
    let result = text.withUTF8 { utf8 -> Int in
      while true {
        let count = Glibc.write(fd, utf8.baseAddress, utf8.count)
        if count < 0, errno == EINTR { continue }
        return count
      }
    }
    guard result >= 0 else {
      throw TraceRecorderError(.tracefs(operation: "write \"\(text)\" to", errno: Errno(rawValue: errno)), path: path)
    }
  }

  /// The active name of a selection file such as `trace_clock` (`[local] global mono` → `local`).
  static func selected(_ text: String) -> String {
    guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return text }
    return String(text[text.index(after: open)..<close])
  }

  /// The size to write back to `buffer_size_kb`: `7 (expanded: 1408)` → `1408` (the
  /// unexpanded minimum shows the size the buffer takes on first use).
  static func bufferSizeToRestore(_ text: String) -> String {
    let marker = "(expanded: "
    if let open = text.firstIndex(of: "("), text[open...].hasPrefix(marker) {
      return String(text[open...].dropFirst(marker.count).prefix(while: { $0.isNumber }))
    }
    return String(text.prefix(while: { $0.isNumber }))
  }

  /// Names in a directory (without `.` and `..`), sorted; empty when it cannot be read.
  static func list(_ path: String) -> [String] { directoryEntryNames(path) ?? [] }

  /// The CPU numbers that have a `per_cpu/cpuN` directory under `base` (an instance or the root).
  static func cpus(in base: String) -> [Int] {
    list(base + "/per_cpu").compactMap { name in name.hasPrefix("cpu") ? Int(name.dropFirst(3)) : nil }.sorted()
  }

  // MARK: Instances

  /// Creates an instance directory; nil on success, otherwise the errno (EEXIST: taken).
  static func makeInstance(_ path: String) -> Errno? {
    mkdir(path, 0o755) == 0 ? nil : Errno(rawValue: errno)
  }

  /// Removes an instance directory, retrying while the kernel says it is busy (a reader still
  /// has one of its files open) for up to `attempts` × 20 ms.
  static func removeInstance(_ path: String, attempts: Int = 100) throws(TraceRecorderError) {
    var attempt = 0
    while true {
      if rmdir(path) == 0 { return }
      let error = Errno(rawValue: errno)
      if error == .noSuchFileOrDirectory { return }
      attempt += 1
      guard error == .resourceBusy || error == .interrupted, attempt < attempts else {
        throw TraceRecorderError(.tracefs(operation: "rmdir", errno: error), path: path)
      }
      usleep(20_000)
    }
  }
}

/// Prints `paramtrace: TEXT` on standard error (recoverable oddities and cleanups the user
/// should know about).
func printWarning(_ text: String) {
  var line = "paramtrace: " + text + "\n"
  line.withUTF8 { utf8 in _ = Glibc.write(2, utf8.baseAddress, utf8.count) }
}
