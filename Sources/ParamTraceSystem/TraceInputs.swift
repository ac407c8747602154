import ParamTraceCore
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Opens the trace inputs a user names on the command line as one time-ordered event stream.
public enum TraceInputs {
  /// Bytes read from each input to detect its format.
  static let sniffLength = 16 << 10

  /// Opens `paths` and returns their events merged by time.
  ///
  /// - `-` is standard input.
  /// - A path `NAME` that does not exist while `NAME.blktrace.0` does stands for blktrace's
  ///   per-CPU files `NAME.blktrace.0`, `.1`, ... (contiguous numbers), merged by time. Some
  ///   of them may be empty (CPUs that did no I/O).
  /// - Several paths are merged by time; equal times keep the order of the paths.
  /// - `format` nil detects each input's format from its first bytes (standard input too,
  ///   without losing them).
  ///
  /// - Throws: `TraceInputError` naming the path and what to do: missing, a directory,
  ///   unreadable, empty, unknown format, or an I/O error.
  /// - `countedOnly`: actions whose events the caller does not need (see
  ///   `DecoderOptions.countedOnly`; `AnalysisOptions.actionsNotNeeded` for an analysis).
  public static func open(
    paths: [String], format: TraceFormat?, strict: Bool, countedOnly: BlockActionSet = []
  ) throws -> any EventBatchSource {
    guard !paths.isEmpty else { throw TraceInputError(.noInput, path: "") }
    var inputs: [(file: String, reader: FileByteReader, prefix: [UInt8], perCPU: Bool)] = []
    for path in paths {
      let members = try files(for: path)
      let expanded = members != [path]
      var nonEmpty = 0
      for file in members {
        let reader = try file == "-" ? FileByteReader.standardInput() : FileByteReader(path: file)
        let prefix = try reader.sniff(upTo: sniffLength)
        if prefix.isEmpty {
          // An idle CPU's file is empty; so is a per-CPU file named among others.
          if expanded || (paths.count > 1 && (isPerCPUFileName(file) || RawTraceFiles.formatsPath(forCPUFile: file) != nil)) { continue }
          throw TraceInputError(.empty, path: file)
        }
        inputs.append((file, reader, prefix, expanded || isPerCPUFileName(file)))
        nonEmpty += 1
      }
      if expanded, nonEmpty == 0 { throw TraceInputError(.emptyPerCPUFiles(count: members.count), path: path) }
    }
    guard !inputs.isEmpty else { throw TraceInputError(.empty, path: paths[0]) }

    var sources: [any EventBatchSource] = []
    var allBinary = true
    var rawFormats: [String: FtraceRawFormats] = [:]
    for input in inputs {
      // Raw ring-buffer pages have no magic: their name and the formats beside them say it.
      if format == nil || format == .ftraceRaw, let raw = RawTraceFiles.formatsPath(forCPUFile: input.file) {
        if rawFormats[raw.formats] == nil { rawFormats[raw.formats] = try RawTraceFiles.formats(at: raw.formats) }
        let options = DecoderOptions(sourceName: input.file, strict: strict, countedOnly: countedOnly)
        let decoder = AnyTraceDecoder(format: .ftraceRaw, options: options, rawFormats: rawFormats[raw.formats], cpu: raw.cpu)
        let reader = input.reader
        var stream = DecodingStream(decoder: decoder, read: { try reader.read(into: $0) })
        stream.sourceName = input.file
        sources.append(stream)
        allBinary = false
        continue
      }
      if format == .ftraceRaw { throw TraceInputError(.rawWithoutFormats, path: input.file) }
      let detected: TraceFormat? = input.prefix.withUnsafeBytes { TraceFormat.detect($0) }
      guard let chosen = format ?? (input.perCPU ? detected ?? .blktrace : detected) else {
        throw TraceInputError(.unknownFormat, path: input.file)
      }
      if chosen != .blktrace && chosen != .kernelBinary { allBinary = false }
      let options = DecoderOptions(sourceName: input.file, strict: strict, countedOnly: countedOnly)
      let decoder = AnyTraceDecoder(format: chosen, options: options)
      let reader = input.reader
      // 256 KiB chunks (DecodingStream's default) keep each decoded batch (about 5,000 events)
      // in the core's cache until it is merged or analyzed; 4 MiB chunks made the 20M-event
      // benchmark 15 % slower.
      var stream = DecodingStream(decoder: decoder, read: { try reader.read(into: $0) })
      stream.sourceName = input.file
      sources.append(stream)
    }
    if sources.count == 1 { return sources[0] }
    return MergedEventStream(sources, fillingProcessNames: allBinary)
  }

  /// The files `path` stands for: itself, `-`, or `path.blktrace.0`, `.1`, ... when `path`
  /// does not exist but `path.blktrace.0` does.
  public static func files(for path: String) throws(TraceInputError) -> [String] {
    if path == "-" { return [path] }
    do {
      let status = try FilePath(path).stat()
      if status.type == .directory {
        throw TraceInputError(.directory(perCPUNames: perCPUNames(inDirectory: path)), path: path)
      }
      return [path]
    } catch let errno as Errno {
      guard errno == .noSuchFileOrDirectory || errno == .notDirectory else {
        throw TraceInputError(.system(operation: "stat", errno: errno), path: path)
      }
    } catch let error as TraceInputError {
      throw error
    } catch {
      throw TraceInputError(.missing, path: path)
    }
    let raw = RawTraceFiles.members(ofStem: path)
    if !raw.isEmpty { return raw }
    var members: [String] = []
    while true {
      let candidate = "\(path).blktrace.\(members.count)"
      guard (try? FilePath(candidate).stat()) != nil else { break }
      members.append(candidate)
    }
    guard !members.isEmpty else { throw TraceInputError(.missing, path: path) }
    return members
  }

  /// True for names that end in `.blktrace.N`.
  static func isPerCPUFileName(_ path: String) -> Bool {
    let utf8 = Array(path.utf8)
    var end = utf8.count
    while end > 0, utf8[end - 1] &- 0x30 < 10 { end -= 1 }
    let suffix = Array(".blktrace.".utf8)
    guard end < utf8.count, end >= suffix.count else { return false }
    return Array(utf8[(end - suffix.count)..<end]) == suffix
  }

  /// The `NAME`s of `DIR/NAME.blktrace.0` files in a directory, for the error message.
  static func perCPUNames(inDirectory directory: String) -> [String] {
    var names: [String] = []
    var matches = glob_t()
    defer { globfree(&matches) }
    let pattern = (directory.hasSuffix("/") ? directory : directory + "/") + "*.blktrace.0"
    guard glob(pattern, 0, nil, &matches) == 0 else { return [] }
    for index in 0..<Int(matches.gl_pathc) {
      guard let cString = matches.gl_pathv[index] else { continue }
      let file = String(cString: cString)
      names.append(String(file.dropLast(".blktrace.0".count)))
    }
    return names
  }
}

/// A trace input that cannot be read: which one, why, and what to do.
public struct TraceInputError: Error, CustomStringConvertible, Sendable, Hashable {
  public enum Reason: Sendable, Hashable {
    /// No input was named.
    case noInput
    /// Neither the path nor `path.blktrace.0` exists.
    case missing
    /// The path is a directory; these `DIR/NAME` would name per-CPU blktrace files in it.
    case directory(perCPUNames: [String])
    /// The file has no bytes.
    case empty
    /// All `count` per-CPU files of `NAME` are empty.
    case emptyPerCPUFiles(count: Int)
    /// The first bytes match no trace format.
    case unknownFormat
    /// A system call failed.
    case system(operation: String, errno: Errno)
    /// A raw recording's formats file cannot be read.
    case rawFormats(String)
    /// `--format ftrace-raw` for a file that is not `NAME.cpuN` beside `NAME.formats`.
    case rawWithoutFormats
  }

  public var reason: Reason
  /// The path as the user gave it (`-` for standard input).
  public var path: String

  public init(_ reason: Reason, path: String) {
    self.reason = reason
    self.path = path
  }

  private var name: String { path == "-" ? "standard input" : path }

  public var description: String {
    switch reason {
    case .noInput:
      return "no trace given. Pass a trace file, NAME for blktrace's NAME.blktrace.N files, or - for standard input."
    case .missing:
      return
        "\(path): no such file, and no \(path).blktrace.0 either. blktrace writes one file per CPU (NAME.blktrace.0, NAME.blktrace.1, ...): pass NAME or the files themselves."
    case .directory(let names):
      let found = names.isEmpty ? "" : " Found: \(names.joined(separator: ", "))."
      return
        "\(path) is a directory. Pass a trace file, or DIR/NAME for blktrace's per-CPU files DIR/NAME.blktrace.N.\(found)"
    case .empty:
      return "\(name) is empty: there is no trace to read. Did the capture stop before any I/O?"
    case .emptyPerCPUFiles(let count):
      return
        "\(path).blktrace.0 to .\(count - 1) are all empty: the trace holds no events. Was the right device traced, and did it do I/O?"
    case .unknownFormat:
      let names = TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")
      return
        "\(name): not a trace format paramtrace recognizes (blktrace binary, kernel-bin, blkparse text, ftrace blk text, tracepoint text, CHEOPS CSV). Name it with --format (\(names))."
    case .rawFormats(let problem):
      return "\(name): \(problem). It is the event layouts a raw recording needs; record again or copy it from the experiment directory."
    case .rawWithoutFormats:
      return "\(name): raw ring-buffer pages need their event layouts: name the CPU files NAME.cpuN with NAME.formats beside them (as record writes trace.raw.cpuN and trace.raw.formats), or pass the stem NAME."
    case .system(let operation, let errno):
      let hint =
        switch errno {
        case .permissionDenied, .notPermitted: " Run as root? Trace files written by blktrace and tracefs are root's."
        case .isDirectory: " Name a file, not a directory."
        case .tooManyOpenFiles: " Raise the open-file limit (ulimit -n)."
        default: ""
        }
      return "\(operation) \(name): \(errno).\(hint)"
    }
  }
}

/// Reads a file descriptor in big chunks; hands out a sniffed prefix first, so detection on
/// standard input loses nothing.
final class FileByteReader {
  let descriptor: FileDescriptor
  let path: String
  private let ownsDescriptor: Bool
  private var prefix: [UInt8] = []
  private var prefixOffset = 0

  /// Opens `path` read-only.
  init(path: String) throws(TraceInputError) {
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
    } catch {
      throw TraceInputError(.system(operation: "open", errno: error as? Errno ?? .ioError), path: path)
    }
    self.path = path
    ownsDescriptor = true
  }

  /// Reads an open descriptor; closes it when done only if `owned`.
  init(descriptor: FileDescriptor, path: String, owned: Bool) {
    self.descriptor = descriptor
    self.path = path
    ownsDescriptor = owned
  }

  /// Standard input (not closed when done).
  static func standardInput() -> FileByteReader {
    FileByteReader(descriptor: .standardInput, path: "-", owned: false)
  }

  deinit {
    if ownsDescriptor { try? descriptor.close() }
  }

  /// Reads until `limit` bytes or the end (at least 4 KiB when the input has them) and keeps
  /// them to be read again; returns them.
  func sniff(upTo limit: Int) throws(TraceInputError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: limit)
    var count = 0
    while count < min(limit, 4096) {
      let got = try readDescriptor(into: &bytes, from: count)
      if got == 0 { break }
      count += got
    }
    bytes.removeSubrange(count...)
    prefix = bytes
    prefixOffset = 0
    return bytes
  }

  private func readDescriptor(into bytes: inout [UInt8], from offset: Int) throws(TraceInputError) -> Int {
    do {
      return try bytes.withUnsafeMutableBytes { raw in
        try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...]))
      }
    } catch {
      throw TraceInputError(.system(operation: "read", errno: error as? Errno ?? .ioError), path: path)
    }
  }

  /// Fills `buffer` from its start; returns the byte count, 0 at the end.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(TraceInputError) -> Int {
    if prefixOffset < prefix.count {
      let count = min(buffer.count, prefix.count - prefixOffset)
      prefix.withUnsafeBytes { raw in
        buffer.baseAddress!.copyMemory(from: raw.baseAddress! + prefixOffset, byteCount: count)
      }
      prefixOffset += count
      if prefixOffset == prefix.count { prefix = [] }
      return count
    }
    do {
      return try descriptor.read(into: buffer)
    } catch {
      throw TraceInputError(.system(operation: "read", errno: error as? Errno ?? .ioError), path: path)
    }
  }
}

