import ParamTraceCore
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A file's pages in the page cache: how many are resident (`mincore`), evicting them
/// (`posix_fadvise` DONTNEED) for a cold start of one file, and dropping all caches.
public enum PageCache {
  /// The file is mapped and measured this many bytes at a time (a multiple of the page size),
  /// so a multi-GB model is never mapped whole.
  public static let chunkBytes: UInt64 = 1 << 30

  /// The bytes of `path` in the page cache (whole pages, the last one cut at the end of the
  /// file) and the file's size. Reads nothing and changes nothing: the file is mapped
  /// read-only, asked with `mincore`, and unmapped.
  ///
  /// - Throws: `FileAccessError` (open, fstat, mmap, mincore), `NotARegularFileError`.
  public static func residency(path: String) throws -> (residentBytes: UInt64, fileBytes: UInt64) {
    let file = try OpenFile(path: path)
    defer { close(file.fd) }
    return (try residentBytes(file), file.size)
  }

  /// Evicts the file's clean pages from the page cache and measures before and after
  /// (`evictReporting` tells more).
  public static func evict(path: String) throws -> (residentBefore: UInt64, residentAfter: UInt64) {
    let report = try evictReporting(path: path)
    return (report.residentBefore, report.residentAfter)
  }

  /// Evicts the file's pages with `posix_fadvise(POSIX_FADV_DONTNEED)` on the whole file and
  /// checks with `mincore`. When pages are left, it writes dirty pages back (`fdatasync`,
  /// allowed on a read-only descriptor on Linux) and tries once more. What is still left is
  /// reported, with the processes that map the file: the kernel does not evict pages that are
  /// mapped into a process (a running llama.cpp), dirty, or under writeback.
  ///
  /// - Throws: `FileAccessError` (open, fstat, mmap, mincore, posix_fadvise), `NotARegularFileError`.
  public static func evictReporting(path: String) throws -> PageCacheEviction {
    let file = try OpenFile(path: path)
    defer { close(file.fd) }
    let before = try residentBytes(file)
    var after = before
    var attempts = 0
    while attempts < 2 {
      if attempts == 1 { _ = fdatasync(file.fd) }
      attempts += 1
      let result = posix_fadvise(file.fd, 0, 0, POSIX_FADV_DONTNEED)
      guard result == 0 else { throw FileAccessError("posix_fadvise DONTNEED", path, Errno(rawValue: result)) }
      after = try residentBytes(file)
      if after == 0 { break }
    }
    var report = PageCacheEviction(path: path, fileBytes: file.size, residentBefore: before, residentAfter: after, attempts: attempts)
    if after > 0 { report.mappedBy = processesMapping(device: file.device, inode: file.inode) }
    return report
  }

  /// Drops the whole page cache, dentries and inodes: `sync`, then `3` to
  /// `/proc/sys/vm/drop_caches`. Needs root; affects every process on the machine.
  ///
  /// - Throws: `MemoryBudgetError.Reason.access` (not root, read-only /proc in a container).
  public static func dropAll() throws {
    sync()
    try KernelFile.write("/proc/sys/vm/drop_caches", "3")
  }

  // MARK: Details

  /// An open file with what fstat says.
  struct OpenFile {
    var fd: Int32
    var path: String
    var size: UInt64
    var device: UInt64
    var inode: UInt64

    init(path: String) throws {
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else { throw FileAccessError("open", path, Errno(rawValue: errno)) }
      var status = stat()
      guard fstat(fd, &status) == 0 else {
        let code = Errno(rawValue: errno)
        close(fd)
        throw FileAccessError("fstat", path, code)
      }
      guard status.st_mode & S_IFMT == S_IFREG else {
        close(fd)
        if status.st_mode & S_IFMT == S_IFDIR { throw FileAccessError("read", path, .isDirectory) }
        throw NotARegularFileError(path: path)
      }
      self.fd = fd
      self.path = path
      size = UInt64(status.st_size)
      device = UInt64(status.st_dev)
      inode = UInt64(status.st_ino)
    }
  }

  /// The resident bytes of an open file, measured chunk by chunk.
  static func residentBytes(_ file: OpenFile) throws -> UInt64 {
    let page = KernelFile.pageSize
    var vector = [UInt8](repeating: 0, count: Int((min(chunkBytes, file.size) + page - 1) / page))
    var resident: UInt64 = 0
    var offset: UInt64 = 0
    while offset < file.size {
      let length = min(chunkBytes, file.size - offset)
      let mapped = mmap(nil, Int(length), PROT_READ, MAP_SHARED, file.fd, off_t(offset))
      guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
        throw FileAccessError("mmap", file.path, Errno(rawValue: errno))
      }
      defer { munmap(mapped, Int(length)) }
      let pages = Int((length + page - 1) / page)
      let result = vector.withUnsafeMutableBufferPointer { mincore(mapped, Int(length), $0.baseAddress) }
      guard result == 0 else { throw FileAccessError("mincore", file.path, Errno(rawValue: errno)) }
      for index in 0..<pages where vector[index] & 1 != 0 {
        let start = offset + UInt64(index) * page
        resident += min(page, file.size - start)
      }
      offset += length
    }
    return resident
  }

  /// The processes whose `/proc/PID/maps` has the file (by device and inode).
  static func processesMapping(device: UInt64, inode: UInt64) -> [PageCacheEviction.Mapper] {
    guard let wanted = DeviceNumber(userSpaceEncoded: device) else { return [] }
    var result: [PageCacheEviction.Mapper] = []
    for entry in MemoryCgroup.directoryEntries("/proc") {
      guard let pid = Int32(entry.name), let maps = KernelFile.readIfPresent("/proc/\(pid)/maps") else { continue }
      let found = maps.split(separator: "\n").contains { line in
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5, UInt64(fields[4]) == inode else { return false }
        let numbers = fields[3].split(separator: ":")
        guard numbers.count == 2, let major = UInt32(numbers[0], radix: 16), let minor = UInt32(numbers[1], radix: 16) else { return false }
        return DeviceNumber(major: major, minor: minor) == wanted
      }
      if found {
        let command = KernelFile.trim(KernelFile.readIfPresent("/proc/\(pid)/comm") ?? "?")
        result.append(.init(pid: pid, command: command))
      }
    }
    return result
  }
}

/// What `PageCache.evictReporting` did to one file.
public struct PageCacheEviction: Sendable, CustomStringConvertible {
  /// A process that maps the file.
  public struct Mapper: Sendable, Hashable {
    public var pid: Int32
    /// Its `comm`.
    public var command: String
  }

  public var path: String
  /// The file's size in bytes.
  public var fileBytes: UInt64
  /// Bytes resident before eviction (`mincore`).
  public var residentBefore: UInt64
  /// Bytes still resident after eviction.
  public var residentAfter: UInt64
  /// How many times DONTNEED was applied (2 when pages were left after the first, with
  /// `fdatasync` in between).
  public var attempts: Int
  /// When pages were left: the processes that map the file (their pages cannot be evicted).
  public var mappedBy: [Mapper] = []

  /// Whether nothing of the file is left in the page cache.
  public var isCold: Bool { residentAfter == 0 }

  /// One line, with the reason when pages were left.
  public var description: String {
    let head = "\(path): \(residentBefore) of \(fileBytes) bytes resident before eviction, \(residentAfter) after"
    if residentAfter == 0 { return head + "." }
    let why =
      mappedBy.isEmpty
      ? "no process maps it; pages may be dirty, under writeback or pinned: try again, or drop all caches"
      : "mapped by \(mappedBy.map { "\($0.command) (pid \($0.pid))" }.joined(separator: ", ")): the kernel does not evict mapped pages; stop those processes first"
    return head + " (\(why))."
  }
}
