import ParamTraceCore
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Writes a synth twin to disk: the header of a `GGUFLayout`, then every tensor's data
/// (seeded pseudo-random, with valid scales: `ModelTensorFiller`) and the zero padding between
/// tensors, with write(2) of 16 MiB chunks, then fdatasync so the bytes really are on disk.
///
/// Refuses to overwrite unless asked, checks free space first (statvfs), and removes the
/// partial file when it fails or is stopped.
public enum GGUFTwinWriter {
  /// Bytes generated and written per write(2).
  public static let chunkBytes = 16 << 20

  /// What the writer did.
  public struct Result: Sendable, Hashable {
    public var bytes: UInt64
    /// Wall time including the final fdatasync.
    public var nanoseconds: UInt64
  }

  /// Why the twin was not written.
  public struct WriteError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable {
      case exists
      case notRegular
      case noSpace(free: UInt64, needed: UInt64, directory: String)
      case stopped
    }
    public var reason: Reason
    public var path: String

    public var description: String {
      switch reason {
      case .exists: "\(path) exists. Pass --force to overwrite it, or choose another --out."
      case .notRegular: "\(path) exists and is not a regular file; refusing to write there."
      case .noSpace(let free, let needed, let directory):
        "\(directory) has \(HumanUnits.bytes(free)) (\(HumanUnits.grouped(free)) B) free, and the twin needs \(HumanUnits.bytes(needed)) (\(HumanUnits.grouped(needed)) B). Free space, choose another --out, or shrink it with --scale."
      case .stopped: "stopped by a signal; the partial \(path) was removed."
      }
    }
  }

  /// Writes the file `path` for `spec` laid out as `layout`.
  ///
  /// - Parameters:
  ///   - overwrite: replace an existing regular file (its space counts as free).
  ///   - sparse: write only the header and extend the file to its size with a hole (tensor
  ///     data reads as zeros): a full-size layout that takes no disk space.
  ///   - progress: called after every chunk with (bytes written, total).
  ///   - shouldStop: polled after every chunk; true removes the partial file and throws.
  /// - Throws: `WriteError`, `FileAccessError` (open, write, fdatasync, statvfs).
  public static func write(
    spec: GGUFFileSpec, layout: GGUFLayout, to path: String, seed: UInt64, overwrite: Bool, sparse: Bool = false,
    progress: (UInt64, UInt64) -> Void = { _, _ in }, shouldStop: () -> Bool = { false }
  ) throws -> Result {
    var status = stat()
    var reclaimed: UInt64 = 0
    if lstat(path, &status) == 0 {
      guard (status.st_mode & S_IFMT) == S_IFREG else { throw WriteError(reason: .notRegular, path: path) }
      guard overwrite else { throw WriteError(reason: .exists, path: path) }
      reclaimed = UInt64(status.st_blocks) * 512
    }
    let directory = Self.directory(of: path)
    let free = try FreeDiskSpace.available(path: directory)
    let needed = sparse ? UInt64(layout.header.count) : layout.fileSize
    guard free + reclaimed >= needed else {
      throw WriteError(reason: .noSpace(free: free + reclaimed, needed: needed, directory: directory), path: path)
    }

    let flags: FileDescriptor.OpenOptions = overwrite ? [.create, .truncate] : [.create, .exclusiveCreate]
    let fd: FileDescriptor
    do {
      fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: flags, permissions: [.ownerReadWrite, .groupRead, .otherRead])
    } catch let errno as Errno {
      throw FileAccessError("create", path, errno)
    }
    var finished = false
    defer {
      try? fd.close()
      if !finished { unlink(path) }
    }

    let started = MonotonicClock.nanoseconds()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes, alignment: 4096)
    defer { buffer.deallocate() }
    var written: UInt64 = 0
    func emit(_ bytes: UnsafeRawBufferPointer) throws {
      do { _ = try fd.writeAll(bytes) } catch let errno as Errno { throw FileAccessError("write", path, errno) }
      written += UInt64(bytes.count)
      progress(written, layout.fileSize)
      if shouldStop() { throw WriteError(reason: .stopped, path: path) }
    }
    func zeros(upTo end: UInt64) throws {
      while written < end {
        let count = Int(min(UInt64(chunkBytes), end - written))
        let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[..<count])
        slice.initializeMemory(as: UInt8.self, repeating: 0)
        try emit(UnsafeRawBufferPointer(slice))
      }
    }

    try layout.header.withUnsafeBytes { try emit($0) }
    if sparse {
      guard ftruncate(fd.rawValue, off_t(layout.fileSize)) == 0 else { throw FileAccessError("ftruncate", path, Errno(rawValue: errno)) }
      finished = true
      return Result(bytes: written, nanoseconds: MonotonicClock.nanoseconds() - started)
    }
    var filler = ModelTensorFiller(seed: seed)
    for (index, tensor) in spec.tensors.enumerated() {
      try zeros(upTo: layout.fileOffset(ofTensor: index))
      let blockBytes = Int(tensor.type.bytesPerBlock)
      let perChunk = max(1, chunkBytes / blockBytes) * blockBytes
      var remaining = layout.tensorBytes[index]
      while remaining > 0 {
        let count = Int(min(UInt64(perChunk), remaining))
        let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[..<count])
        filler.fill(slice, type: tensor.type, isVector: tensor.ne.count < 2)
        try emit(UnsafeRawBufferPointer(slice))
        remaining -= UInt64(count)
      }
    }
    try zeros(upTo: layout.fileSize)
    guard fdatasync(fd.rawValue) == 0 else { throw FileAccessError("fdatasync", path, Errno(rawValue: errno)) }
    finished = true
    return Result(bytes: written, nanoseconds: MonotonicClock.nanoseconds() - started)
  }

  /// The directory holding `path` (`.` for a bare name).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}

/// Free space for unprivileged writers on a filesystem.
public enum FreeDiskSpace {
  /// Bytes available to this user on the filesystem holding `path` (statvfs: f_bavail × f_frsize).
  ///
  /// - Throws: `FileAccessError` (statvfs).
  public static func available(path: String) throws -> UInt64 {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { throw FileAccessError("statvfs", path, Errno(rawValue: errno)) }
    return UInt64(info.f_bavail) * UInt64(info.f_frsize)
  }
}
