import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Small text files of the kernel (cgroupfs, /proc, /sys): read whole, written in one write(2)
/// as the kernel expects, never created.
enum KernelFile {
  /// The whole file as text.
  static func read(_ path: String) throws(MemoryBudgetError) -> String {
    let fd: FileDescriptor
    do { fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) } catch {
      throw MemoryBudgetError(.access(operation: "open", path: path, errno: error as? Errno ?? .ioError))
    }
    defer { try? fd.close() }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 << 10)
    while true {
      let count: Int
      do { count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) } } catch {
        throw MemoryBudgetError(.access(operation: "read", path: path, errno: error as? Errno ?? .ioError))
      }
      if count == 0 { break }
      bytes.append(contentsOf: chunk[0..<count])
      if bytes.count > 16 << 20 { break }  // no kernel text file we read is this large
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The file's text, or nil when it is missing or unreadable.
  static func readIfPresent(_ path: String) -> String? { try? read(path) }

  /// Whether `path` exists.
  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  /// Writes `text` with one write(2) to an existing file (cgroup files take one value per write),
  /// opened with O_TRUNC as `echo text >` does: kernel files ignore it, a copy of one in a
  /// test needs it.
  static func write(_ path: String, _ text: String) throws(MemoryBudgetError) {
    let fd: FileDescriptor
    do { fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.closeOnExec, .truncate]) } catch {
      throw MemoryBudgetError(.access(operation: "open for writing", path: path, errno: error as? Errno ?? .ioError))
    }
    defer { try? fd.close() }
    var text = text
    let written: Int
    do { written = try text.withUTF8 { try fd.write(UnsafeRawBufferPointer($0), retryOnInterrupt: true) } } catch {
      throw MemoryBudgetError(.access(operation: "write \(text.debugDescription) to", path: path, errno: error as? Errno ?? .ioError))
    }
    if written != text.utf8.count {
      throw MemoryBudgetError(.access(operation: "write \(text.debugDescription) to", path: path, errno: .ioError))
    }
  }

  /// A decimal number file (`memory.limit_in_bytes`); `max` (cgroup v2: no limit) is `UInt64.max`.
  static func readNumber(_ path: String) throws(MemoryBudgetError) -> UInt64 {
    let text = try read(path)
    guard let value = parseNumber(text) else { throw MemoryBudgetError(.unexpectedContents(path: path, text: text)) }
    return value
  }

  /// Parses `123\n` or `max\n`.
  static func parseNumber(_ text: String) -> UInt64? {
    let trimmed = trim(text)
    if trimmed == "max" { return UInt64.max }
    return UInt64(trimmed)
  }

  /// `key value` lines (memory.stat, memory.events, /proc/vmstat); lines that do not parse are skipped.
  static func parseKeyValues(_ text: String) -> [String: UInt64] {
    var result: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count == 2, let value = UInt64(fields[1]) else { continue }
      result[String(fields[0])] = value
    }
    return result
  }

  /// `text` without leading and trailing spaces, tabs and newlines.
  static func trim(_ text: String) -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
    return String(text[first...last])
  }

  /// The page size in bytes.
  static var pageSize: UInt64 { UInt64(sysconf(Int32(_SC_PAGESIZE))) }

  /// CLOCK_MONOTONIC in seconds.
  static func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
