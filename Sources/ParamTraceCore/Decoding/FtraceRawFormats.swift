/// The event layouts of a raw ring-buffer recording (spec §3.4), read from the `format` files
/// of the instance that recorded it and saved beside the trace, so the decoder never guesses
/// offsets or event ids (both differ between kernels and boots).
///
/// The saved file (`trace.raw.formats`) is the concatenation of sections, each a line
/// `== RELATIVE/PATH` then the file's text: `events/header_page`, `events/header_event`,
/// `buffer_subbuf_size_kb` and every recorded event's `events/SYSTEM/NAME/format`.
///
/// A recording handed from one instance to a larger one mid-run (`RingHandoff`) has one set of
/// files per instance, and a `== window` section in each formats file: lines
/// `cpu N keep_after_ns T` and `cpu N keep_before_ns T` saying which of a CPU's events belong
/// to this set, so the events both instances recorded while they overlapped count once.
public struct FtraceRawFormats: Sendable {
  /// Which of one CPU's events this set of files keeps: times after `keepAfter` and before
  /// `keepBefore`, both exclusive (the cut is the time of an event only the handoff wrote).
  public struct Window: Sendable, Hashable {
    public var keepAfter: UInt64?
    public var keepBefore: UInt64?
    public init(keepAfter: UInt64? = nil, keepBefore: UInt64? = nil) {
      self.keepAfter = keepAfter
      self.keepBefore = keepBefore
    }
  }

  /// What an event is to the decoder.
  public enum Kind: UInt8, Sendable {
    case unknown = 0
    /// block_rq_insert/issue/merge: dev, sector, nr_sector, rwbs, comm.
    case requestWithComm
    /// block_rq_complete/error/requeue: dev, sector, nr_sector, error (requeue: none), rwbs.
    case requestWithError
    /// block_bio_queue/backmerge/frontmerge, block_getrq: dev, sector, nr_sector, rwbs, comm.
    case bio
    /// block_split: dev, sector, new_sector, rwbs, comm.
    case split
    case taskNew, taskFork, taskExec, taskExit, taskRename
    /// ftrace/print: a trace_marker write.
    case marker
  }

  /// One event's layout: its name and fields as the `format` file gives them, and the offsets
  /// its kind reads, resolved once.
  public struct Layout: Sendable {
    public var name: String
    public var fields: [String: (offset: Int, size: Int)]
    /// What the decoder reads, without names or dictionaries.
    public var offsets: CompactLayout
    public var kind: Kind { offsets.kind }
    public var action: BlockAction { offsets.action }
  }

  /// Where an event's fields are (byte offsets in its record; -1 when absent), with no
  /// reference-counted storage, so the decoder's hot loop reads it without retains.
  public struct CompactLayout: Sendable {
    var kind: Kind = .unknown
    var action: BlockAction = .message
    var requestLevel = false
    var device: Int32 = -1, sector: Int32 = -1, sectors: Int32 = -1, rwbs: Int32 = -1, comm: Int32 = -1, error: Int32 = -1
    var detail: Int32 = -1, pid: Int32 = -1, otherPid: Int32 = -1, text: Int32 = -1, flags: Int32 = -1, groupDead: Int32 = -1
    var rwbsSize: Int32 = 0, commSize: Int32 = 0
  }

  /// The offsets of every event id (dense), for the decoder.
  public var compactLayouts: [CompactLayout] { layoutsByID.map { $0?.offsets ?? CompactLayout() } }

  /// Bytes per ring-buffer page (sub-buffer).
  public var pageSize = 4096
  /// Where the page data starts and where `commit` is.
  public var pageDataOffset = 16
  public var commitOffset = 8
  public var commitSize = 8
  /// Layouts by event id (dense: ids are small numbers).
  public private(set) var layoutsByID: [Layout?] = []
  /// Per CPU, the events this set of files keeps (none: all of them).
  public var windows: [UInt16: Window] = [:]

  public init() {}

  /// Parses the saved sections; unknown events are kept as `.unknown` (skipped, counted).
  public init(parsing text: String) throws(TraceParseError) {
    var sections: [(String, [Substring])] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("== ") {
        sections.append((String(line.dropFirst(3)), []))
      } else if !sections.isEmpty {
        sections[sections.count - 1].1.append(line)
      }
    }
    guard !sections.isEmpty else {
      throw TraceParseError(reason: .badRecord("no `== PATH` sections in the formats file"), byteOffset: 0)
    }
    for (path, lines) in sections {
      if path.hasSuffix("buffer_subbuf_size_kb"), let kib = lines.first.flatMap({ Int($0.trimmingBlanks) }), kib > 0 {
        pageSize = kib * 1024
      } else if path == "window" {
        windows = try Self.windows(lines)
      } else if path.hasSuffix("header_page") {
        let fields = Self.fields(lines)
        if let commit = fields["commit"] {
          commitOffset = commit.offset
          commitSize = commit.size
        }
        if let data = fields["data"] { pageDataOffset = data.offset }
      } else if path.hasSuffix("/format") {
        guard let idLine = lines.first(where: { $0.hasPrefix("ID:") }), let id = Int(idLine.dropFirst(3).trimmingBlanks), id >= 0, id < 1 << 16,
          let nameLine = lines.first(where: { $0.hasPrefix("name:") })
        else {
          throw TraceParseError(reason: .badRecord("section \(path) has no `name:` and `ID:` lines"), byteOffset: 0)
        }
        let name = String(nameLine.dropFirst(5).trimmingBlanks)
        let layout = Self.layout(name: name, fields: Self.fields(lines))
        if id >= layoutsByID.count { layoutsByID += Array(repeating: nil, count: id + 1 - layoutsByID.count) }
        layoutsByID[id] = layout
      }
    }
  }

  /// The `window` section: `cpu N keep_after_ns T` / `cpu N keep_before_ns T` lines.
  static func windows(_ lines: [Substring]) throws(TraceParseError) -> [UInt16: Window] {
    var windows: [UInt16: Window] = [:]
    for line in lines where !line.trimmingBlanks.isEmpty {
      let words = line.split(separator: " ")
      guard words.count == 4, words[0] == "cpu", let cpu = UInt16(words[1]), let time = UInt64(words[3]),
        words[2] == "keep_after_ns" || words[2] == "keep_before_ns"
      else {
        throw TraceParseError(reason: .badRecord("window line `\(line)` is not `cpu N keep_after_ns|keep_before_ns T`"), byteOffset: 0)
      }
      if words[2] == "keep_after_ns" { windows[cpu, default: Window()].keepAfter = time } else { windows[cpu, default: Window()].keepBefore = time }
    }
    return windows
  }

  /// The `window` section for `windows`, as `windows(_:)` reads it.
  public static func windowSection(_ windows: [UInt16: Window]) -> String {
    var text = "== window\n"
    for cpu in windows.keys.sorted() {
      if let after = windows[cpu]!.keepAfter { text += "cpu \(cpu) keep_after_ns \(after)\n" }
      if let before = windows[cpu]!.keepBefore { text += "cpu \(cpu) keep_before_ns \(before)\n" }
    }
    return text
  }

  /// `field:TYPE NAME;	offset:N;	size:N;	signed:N;` lines → name → (offset, size).
  static func fields(_ lines: [Substring]) -> [String: (offset: Int, size: Int)] {
    var result: [String: (offset: Int, size: Int)] = [:]
    for line in lines {
      let trimmed = line.trimmingBlanks
      guard trimmed.hasPrefix("field:"), let semicolon = trimmed.firstIndex(of: ";") else { continue }
      // The declaration's last word is the name, maybe with `[N]`.
      let declaration = trimmed[trimmed.index(trimmed.startIndex, offsetBy: 6)..<semicolon]
      guard var name = declaration.split(separator: " ").last.map(String.init) else { continue }
      if let bracket = name.firstIndex(of: "[") { name = String(name[..<bracket]) }
      func number(_ key: String) -> Int? {
        guard let range = trimmed.firstRange(of: key) else { return nil }
        return Int(trimmed[range.upperBound...].prefix { $0 != ";" })
      }
      guard let offset = number("offset:"), let size = number("size:") else { continue }
      result[name] = (offset, size)
    }
    return result
  }

  static func layout(name: String, fields: [String: (offset: Int, size: Int)]) -> Layout {
    func at(_ field: String) -> Int32 { Int32(fields[field]?.offset ?? -1) }
    var layout = CompactLayout()
    layout.device = at("dev")
    layout.sector = at("sector")
    layout.sectors = at("nr_sector")
    layout.rwbs = at("rwbs")
    layout.rwbsSize = Int32(fields["rwbs"]?.size ?? 0)
    layout.comm = at("comm")
    layout.commSize = Int32(fields["comm"]?.size ?? 0)
    layout.error = at("error")
    switch name {
    case "block_rq_insert": (layout.kind, layout.action, layout.requestLevel) = (.requestWithComm, .insert, true)
    case "block_rq_issue": (layout.kind, layout.action, layout.requestLevel) = (.requestWithComm, .issue, true)
    case "block_rq_merge": (layout.kind, layout.action, layout.requestLevel) = (.requestWithComm, .backmerge, true)
    case "block_rq_complete", "block_rq_error": (layout.kind, layout.action, layout.requestLevel) = (.requestWithError, .complete, true)
    case "block_rq_requeue": (layout.kind, layout.action, layout.requestLevel) = (.requestWithError, .requeue, true)
    case "block_bio_queue": (layout.kind, layout.action) = (.bio, .queue)
    case "block_bio_backmerge": (layout.kind, layout.action) = (.bio, .backmerge)
    case "block_bio_frontmerge": (layout.kind, layout.action) = (.bio, .frontmerge)
    case "block_getrq": (layout.kind, layout.action) = (.bio, .getRequest)
    case "block_split":
      (layout.kind, layout.action) = (.split, .split)
      layout.detail = at("new_sector")
    case "task_newtask":
      (layout.kind, layout.action) = (.taskNew, .taskNew)
      layout.otherPid = at("pid")
      layout.flags = at("clone_flags")
    case "sched_process_fork":
      (layout.kind, layout.action) = (.taskFork, .taskFork)
      layout.pid = at("parent_pid")
      layout.otherPid = at("child_pid")
      layout.text = at("child_comm")
    case "sched_process_exec":
      (layout.kind, layout.action) = (.taskExec, .taskExec)
      layout.pid = at("pid")
      layout.otherPid = at("old_pid")
      layout.text = at("filename")
    case "sched_process_exit":
      (layout.kind, layout.action) = (.taskExit, .taskExit)
      layout.pid = at("pid")
      layout.groupDead = at("group_dead")
    case "task_rename":
      (layout.kind, layout.action) = (.taskRename, .taskRename)
      layout.pid = at("pid")
      layout.comm = at("newcomm")
      layout.commSize = Int32(fields["newcomm"]?.size ?? 0)
    case "print":
      layout.kind = .marker
      layout.text = at("buf")
    default: break
    }
    // A layout missing a field its kind needs is not decoded (and says so by being unknown).
    let needed: [Int32] =
      switch layout.kind {
      case .requestWithComm, .requestWithError, .bio: [layout.device, layout.sector, layout.sectors, layout.rwbs]
      case .split: [layout.device, layout.sector, layout.rwbs]
      case .taskNew: [layout.otherPid, layout.flags]
      case .taskFork: [layout.pid, layout.otherPid]
      case .taskExec, .taskExit: [layout.pid]
      case .taskRename: [layout.pid, layout.comm]
      case .marker: [layout.text]
      case .unknown: []
      }
    if needed.contains(-1) { layout.kind = .unknown }
    return Layout(name: name, fields: fields, offsets: layout)
  }
}

extension Substring {
  /// Without leading and trailing blanks and tabs.
  var trimmingBlanks: Substring {
    var text = self
    while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
    while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
    return text
  }
}
