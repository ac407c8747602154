/// A malformed line or record: where it is, what was expected, and what to do.
public struct TraceParseError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Reason: Hashable, Sendable {
    /// A blktrace record whose magic is not 0x656174xx.
    case badMagic(UInt32)
    /// A blktrace version this reader does not implement (7 is supported).
    case unsupportedVersion(UInt8)
    /// The input ends inside a record that needs this many more bytes.
    case truncated(needed: Int)
    /// A text line that does not have the expected shape; `expected` names the field, and
    /// `looksLike` the format the line has instead, when it has one (two formats in one file).
    case malformedLine(expected: String, looksLike: TraceFormat? = nil)
    /// A line decoded as an event of another format than the lines before it.
    case secondFormat(TraceFormat)
    /// A record with a length or field that cannot be right.
    case badRecord(String)
    /// The input is not any trace format this tool knows.
    case unknownFormat
  }

  public var reason: Reason
  /// The input's name as the user gave it (a path, or "-" for standard input).
  public var source: String
  /// Byte offset of the record or line in the source.
  public var byteOffset: Int
  /// 1-based line number for text formats; nil for binary ones.
  public var line: Int?

  public init(reason: Reason, source: String = "", byteOffset: Int, line: Int? = nil) {
    self.reason = reason
    self.source = source
    self.byteOffset = byteOffset
    self.line = line
  }

  public var description: String {
    let place =
      if let line { "\(source.isEmpty ? "" : source + ":")\(line)" } else {
        "\(source.isEmpty ? "" : source + ": ")byte \(byteOffset)"
      }
    return switch reason {
    case .badMagic(let magic):
      "\(place): not a blktrace record (magic 0x\(String(magic, radix: 16))). Pass blktrace's per-CPU files or a `blkparse -d` dump, or use --format for text traces."
    case .unsupportedVersion(let version):
      "\(place): blktrace record version \(version) is not supported (only version 7, struct blk_io_trace). Convert with a blkparse that knows it, or record with paramtrace."
    case .truncated(let needed):
      "\(place): the input ends inside a record that needs \(needed) more bytes. Was the capture cut short?"
    case .malformedLine(let expected, nil):
      "\(place): malformed line, expected \(expected)."
    case .malformedLine(let expected, let looksLike?):
      "\(place): malformed line, expected \(expected); the line is \(looksLike.describedAsLines): two formats in one file? Split it by format, or name the format with --format."
    case .secondFormat(let format):
      "\(place): \(format.describedAsLines), unlike the lines before it: the file mixes two formats. Without --strict both are decoded and counted; or split it by format."
    case .badRecord(let what):
      "\(place): bad record: \(what)."
    case .unknownFormat:
      "\(place): not a trace format paramtrace reads (blktrace binary, blkparse text, ftrace blk or tracepoint text, kernel blk binary, CHEOPS CSV). Name it with --format if detection is wrong."
    }
  }
}

/// Recoverable oddities a decoder met: counts for reports, plus the first few errors verbatim.
public struct TraceDiagnostics: Sendable, Hashable {
  /// Lines or records that could not be parsed and were skipped.
  public var malformed: Int = 0
  /// Lines that are not events and were skipped on purpose (headers, blkparse's summary).
  public var ignoredLines: Int = 0
  /// Events the tracer says it lost (ftrace `LOST n EVENTS`, blktrace drops).
  public var lostEvents: Int = 0
  /// Events of `DecoderOptions.countedOnly` actions that were counted, not emitted.
  public var countedOnly = ActionTally()
  /// How many of those carried a sector and a length.
  public var countedOnlySizedEvents = 0
  /// The first errors, kept verbatim so the user can find them.
  public var samples: [TraceParseError] = []
  /// How many samples to keep.
  public static let sampleLimit = 10
  /// Lines decoded as events of another format than the lines before them in the same file,
  /// and the formats they were (`TextLineOutcome.secondFormat`).
  public var secondFormatLines = 0
  public var secondFormats: [TraceFormat] = []
  /// Where the first such line was.
  public var firstSecondFormatLine: TraceParseError?
  /// Where events were lost, when the format tells (raw ring-buffer pages carry a flag and a
  /// count): the CPU and the interval between the last event kept before and the first after.
  public var lostIntervals: [LostInterval] = []
  public static let lostIntervalLimit = 1000

  public struct LostInterval: Sendable, Hashable {
    public var cpu: UInt16
    public var fromNanoseconds: UInt64
    public var toNanoseconds: UInt64
    /// Events lost; 0 when the kernel did not store the count.
    public var events: Int
    public init(cpu: UInt16, fromNanoseconds: UInt64, toNanoseconds: UInt64, events: Int) {
      self.cpu = cpu
      self.fromNanoseconds = fromNanoseconds
      self.toNanoseconds = toNanoseconds
      self.events = events
    }
  }

  public init() {}

  /// Counts a malformed line and keeps it as a sample while there is room.
  public mutating func record(_ error: TraceParseError) {
    malformed += 1
    if samples.count < Self.sampleLimit { samples.append(error) }
  }

  /// Counts a line of a second format, decoded as an event.
  mutating func recordSecondFormat(_ format: TraceFormat, at place: TraceParseError) {
    secondFormatLines += 1
    if !secondFormats.contains(format) { secondFormats.append(format) }
    if firstSecondFormatLine == nil { firstSecondFormatLine = place }
  }

  /// Adds another decoder's counts (several inputs of one run).
  public mutating func merge(_ other: TraceDiagnostics) {
    secondFormatLines += other.secondFormatLines
    for format in other.secondFormats where !secondFormats.contains(format) { secondFormats.append(format) }
    if firstSecondFormatLine == nil { firstSecondFormatLine = other.firstSecondFormatLine }
    malformed += other.malformed
    ignoredLines += other.ignoredLines
    lostEvents += other.lostEvents
    countedOnly.merge(other.countedOnly)
    countedOnlySizedEvents += other.countedOnlySizedEvents
    for sample in other.samples where samples.count < Self.sampleLimit { samples.append(sample) }
    for interval in other.lostIntervals where lostIntervals.count < Self.lostIntervalLimit { lostIntervals.append(interval) }
  }
}
