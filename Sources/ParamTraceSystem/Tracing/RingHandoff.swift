import CParamTraceShims
import ParamTraceCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Rings sized for the rate a raw recording sees (issue 13 item 4), without resizing a ring
/// while it records: a live `buffer_size_kb` write stops recording for the resize (44 ms
/// here) and the kernel does not count what it drops then (docs/record.md).
///
/// The size chosen before the run comes from the disk's queue depth (`TraceBufferSizing`),
/// which bounds how many events can be pending but not how many come each second. At
/// `look(_:)` seconds after tracing began (0.5, 1, 2, 5 and every 5 s after), the fastest CPU's rate since the last look
/// decides (not since tracing began, which would include the workload's start): each ring
/// must hold `heldSeconds` of it (the drain can be starved that long by a workload that keeps
/// every core busy with I/O completions). When the rings hold less, the recording is handed
/// to a second instance with larger rings (`TraceRecorder.handOff`): both record for a few
/// milliseconds, the old one is turned off and drained, and each CPU's events are cut
/// between the two sets of files at one event both rings hold, so every event counts once.
///
/// The cut: with both instances on, the recorder's own thread renames itself once on each CPU
/// (`prctl(PR_SET_NAME)`, a `task_rename` event both instances record). Its time in the old
/// ring, T, splits that CPU's stream: the old files keep events before T, the new files events
/// after T. An event that happened before the rename is in the new ring earlier than T too
/// (each event is written to the old instance's ring first, then to the new one's, with
/// preemption off), and an interrupt that came between the rename's two writes is after T in
/// both rings: it is kept from the new files only. Kernels without `task_rename` (or with task
/// events off) cut at a time between the two instances' on and off instead, which can count an
/// event near it twice or not at all; the manifest says which cut was used.
enum RingHandoff {
  /// One handoff, for the manifest.
  struct Decision: Sendable, Hashable {
    /// Seconds after tracing began.
    var atSeconds: Double
    var fromKiB: Int
    var toKiB: Int
    /// The fastest CPU's ring bytes per second when it was decided.
    var bytesPerSecondPerCPU: Double
    /// The two instances, and the files the new one wrote (`trace.raw.s1`).
    var fromInstance: String
    var toInstance: String
    var stem: String
    /// How each CPU was cut: "task_rename" (exact) or "time" (when the rename was not found).
    var cutByCPU: [Int: String]
    /// Milliseconds both instances recorded.
    var overlapMilliseconds: Double
    /// Events the old instance lost over its lifetime (already in the recording's total).
    var lostBefore: Int
  }

  static let heldSeconds = 2.0
  /// The first looks after tracing began, in seconds: the first usually still sees the
  /// workload's start (the rate since the previous look decides), the second a steady rate.
  static let firstLooks: [Double] = [0.5, 1, 2, 5]
  /// Then a look this often for the rest of the recording: a rate can rise long after the
  /// start. llama.cpp on a model larger than RAM loads it in large sequential requests and
  /// then decodes in many small faults, more events per second, from the end of the load
  /// on (a 20 GB model at 2 GB/s loads for 10 s).
  static let laterLookSeconds = 5.0

  /// The `index`th look, in seconds after tracing began: 0.5, 1, 2, 5, 10, 15, …
  static func look(_ index: Int) -> Double {
    guard index >= firstLooks.count else { return firstLooks[index] }
    return firstLooks[firstLooks.count - 1] + Double(index - firstLooks.count + 1) * laterLookSeconds
  }
  /// A handoff only when the rings should grow by at least this factor (each costs a few
  /// milliseconds of double recording and a second allocation).
  static let minimumGrowth = 1.25

  /// Ring KiB per CPU that hold `heldSeconds` at `rate` bytes per second, in whole MiB.
  static func kib(forBytesPerSecond rate: Double) -> Int {
    Int((rate * heldSeconds / Double(1 << 20)).rounded(.up)) << 10
  }

  /// The size to hand off to at a checkpoint, or nil when the rings already hold enough.
  static func target(bytesPerSecondPerCPU rate: Double, currentKiB: Int, capKiB: Int) -> Int? {
    let wanted = kib(forBytesPerSecond: rate)
    guard currentKiB < capKiB, Double(wanted) >= Double(currentKiB) * minimumGrowth else { return nil }
    return min(wanted, capKiB)
  }

  /// The thread's name during the rename on the handoff to set `segment` (15 bytes at most).
  static func syncName(segment: Int) -> String { "pt-handoff-\(segment)" }

  /// Renames the calling thread to `name` once on each of `cpus` (moving it there first) and
  /// puts its name and CPUs back. Returns its thread id and the CPUs it renamed on.
  static func renameOnEachCPU(_ cpus: [Int], name: String) -> (tid: Int32, cpus: Set<Int>) {
    let list = cpus.map { Int32($0) }
    var renamed = [Int32](repeating: 0, count: cpus.count)
    let tid = paramtrace_rename_on_cpus(list, Int32(list.count), name, &renamed)
    guard tid > 0 else { return (-1, []) }
    return (tid, Set(zip(cpus, renamed).filter { $0.1 == 1 }.map(\.0)))
  }

  /// The time of the rename to `name` by thread `tid` in each CPU file of an old instance's
  /// set (`stem.cpuN`, with `formats`), looked for from the end, where it is.
  static func cutTimes(stem: String, cpus: [Int], formats: FtraceRawFormats, tid: Int32, name: String) -> [Int: UInt64] {
    var times: [Int: UInt64] = [:]
    for cpu in cpus {
      if let time = renameTime(file: "\(stem).cpu\(cpu)", cpu: cpu, formats: formats, tid: tid, name: name) { times[cpu] = time }
    }
    return times
  }

  /// Decodes the file's last 8 MiB (whole pages; all of it when the rename is not there)
  /// and returns the rename's time.
  static func renameTime(file: String, cpu: Int, formats: FtraceRawFormats, tid: Int32, name: String) -> UInt64? {
    let fd = open(file, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let size = Int(lseek(fd, 0, SEEK_END))
    let pageSize = formats.pageSize
    guard size >= pageSize else { return nil }
    let chunk = 8 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
    defer { buffer.deallocate() }
    for start in [max(0, (size - chunk) / pageSize * pageSize), 0] {
      var decoder = FtraceRawDecoder(options: DecoderOptions(sourceName: file), formats: formats, cpu: UInt16(cpu))
      var events = ContiguousArray<BlockEvent>()
      var offset = start
      var found: UInt64?
      while offset < size {
        let count = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
        let whole = count > 0 ? count / pageSize * pageSize : 0
        guard whole > 0 else { break }
        events.removeAll(keepingCapacity: true)
        _ = try? decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<whole]), atEnd: false, into: &events)
        for event in events where event.action == .taskRename && event.pid == tid && event.comm.description == name {
          found = event.time
        }
        offset += whole
      }
      if let found { return found }
      if start == 0 { break }
    }
    return nil
  }
}
