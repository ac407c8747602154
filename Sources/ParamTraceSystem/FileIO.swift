import Glibc
import SystemPackage

/// A file error with the operation and the path, and what to do about it.
public struct FileAccessError: Error, CustomStringConvertible, Sendable {
  public var operation: String
  public var path: String
  public var errno: Errno

  public init(_ operation: String, _ path: String, _ errno: Errno) {
    self.operation = operation
    self.path = path
    self.errno = errno
  }

  public var description: String {
    let hint: String =
      switch errno {
      case .noSuchFileOrDirectory: " Check the path."
      case .permissionDenied: " Run as root or grant read access."
      case .isDirectory: " Name a file, not a directory."
      case .noSpace: " Free some disk space."
      default: ""
      }
    return "\(operation) \(path): \(errno).\(hint)"
  }
}

/// Reads a whole (small) file, such as an extents or model header file.
public func readWholeFile(_ path: String, limit: Int = 256 << 20) throws -> [UInt8] {
  let fd: FileDescriptor
  do { fd = try FileDescriptor.open(FilePath(path), .readOnly) } catch let errno as Errno {
    throw FileAccessError("open", path, errno)
  }
  defer { try? fd.close() }
  var result: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let count: Int
    do { count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) } } catch let errno as Errno {
      throw FileAccessError("read", path, errno)
    }
    if count == 0 { break }
    result.append(contentsOf: chunk[0..<count])
    if result.count > limit { throw FileAccessError("read", path, .fileTooLarge) }
  }
  return result
}

/// Writes text to a new file (truncating an old one), for CSV and JSON outputs.
public struct TextFileWriter {
  public let path: String
  private var fd: FileDescriptor?

  public init(path: String) throws {
    self.path = path
    do {
      fd = try FileDescriptor.open(
        FilePath(path), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite, .groupRead, .otherRead])
    } catch let errno as Errno {
      throw FileAccessError("create", path, errno)
    }
  }

  public mutating func write(_ text: String) throws {
    guard let fd else { return }
    var text = text
    do { _ = try text.withUTF8 { try fd.writeAll($0) } } catch let errno as Errno {
      throw FileAccessError("write", path, errno)
    }
  }

  /// Writes bytes as they are (text already encoded, as the exporters make it).
  public mutating func write(bytes: [UInt8]) throws {
    guard let fd, !bytes.isEmpty else { return }
    do { _ = try bytes.withUnsafeBytes { try fd.writeAll($0) } } catch let errno as Errno {
      throw FileAccessError("write", path, errno)
    }
  }

  public mutating func close() throws {
    guard let fd else { return }
    self.fd = nil
    do { try fd.close() } catch let errno as Errno { throw FileAccessError("close", path, errno) }
  }
}

/// True when `path` (relative to the working directory, symbolic links followed) is a regular file.
public func isRegularFile(_ path: String) -> Bool {
  var status = stat()
  return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
}

/// The names in a directory, without `.` and `..`, sorted; nil when it cannot be opened
/// (`errno` says why).
public func directoryEntryNames(_ path: String) -> [String]? {
  guard let directory = opendir(path) else { return nil }
  defer { closedir(directory) }
  var names: [String] = []
  while let entry = readdir(directory) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    if name != ".", name != ".." { names.append(name) }
  }
  return names.sorted()
}
