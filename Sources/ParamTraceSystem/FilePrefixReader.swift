import SystemPackage

/// A regular file opened for reading its first bytes, such as a model file's header, without
/// reading the rest (model files are many GB).
public struct FilePrefixReader: ~Copyable {
  public let path: String
  /// The file's size in bytes, from fstat.
  public let size: UInt64
  private let fd: FileDescriptor

  /// Opens `path` and takes its size. Refuses directories and other non-regular files.
  ///
  /// - Throws: `FileAccessError` (open, fstat), `NotARegularFileError`.
  public init(path: String) throws {
    let fd: FileDescriptor
    do { fd = try FileDescriptor.open(FilePath(path), .readOnly) } catch let errno as Errno {
      throw FileAccessError("open", path, errno)
    } catch {
      throw FileAccessError("open", path, .ioError)
    }
    let status: Stat
    do throws(Errno) { status = try fd.stat() } catch {
      try? fd.close()
      throw FileAccessError("fstat", path, error)
    }
    guard status.type == .regular else {
      try? fd.close()
      if status.type == .directory { throw FileAccessError("read", path, .isDirectory) }
      throw NotARegularFileError(path: path)
    }
    self.path = path
    self.size = UInt64(status.size)
    self.fd = fd
  }

  deinit { try? fd.close() }

  /// The first `count` bytes of the file (fewer if the file is shorter), read with pread.
  public func readPrefix(count: UInt64) throws(FileAccessError) -> [UInt8] {
    let wanted = Int(min(count, size))
    var bytes = [UInt8](repeating: 0, count: wanted)
    var filled = 0
    while filled < wanted {
      let read: Int
      do {
        read = try bytes.withUnsafeMutableBytes { buffer in
          try fd.read(fromAbsoluteOffset: Int64(filled), into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
        }
      } catch let errno as Errno {
        throw FileAccessError("read", path, errno)
      } catch {
        throw FileAccessError("read", path, .ioError)
      }
      if read == 0 { break }  // the file shrank
      filled += read
    }
    if filled < wanted { bytes.removeSubrange(filled...) }
    return bytes
  }
}

/// A path that names a FIFO, device or socket where a regular file is needed.
public struct NotARegularFileError: Error, CustomStringConvertible, Sendable {
  public var path: String
  public var description: String { "\(path): not a regular file (a FIFO, device or socket). Name the file itself." }
}

/// The first `count` bytes of the file at `path` (fewer if it is shorter).
public func readFilePrefix(path: String, count: UInt64) throws -> [UInt8] {
  try FilePrefixReader(path: path).readPrefix(count: count)
}
