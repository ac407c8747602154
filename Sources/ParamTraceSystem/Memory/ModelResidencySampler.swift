import CParamTraceShims
import Glibc
import ParamTraceCore
import SystemPackage

/// Samples the model's page-cache residency per layer while `record` runs (issue 14, item 2).
///
/// What it does: every interval (`record --residency-interval`, default 0.5 s), one
/// `cachestat(2)` call per byte range of `ModelResidencyRanges` (Linux 6.5+, syscall 451: the
/// kernel counts the range's cached pages, and the pages evicted from it and evicted
/// recently, without a mapping and without touching a page); where the kernel lacks it, one
/// read-only mapping per range, `mincore`, and unmap. It runs on the recorder's own thread in
/// its wait loop, between looks at the workload, and changes nothing: no page is read or
/// evicted. What it costs: one call per range (34 for a llama-2 7B, whose blocks are stored
/// back to back), each walking the range's slice of the page cache; measured in docs/residency.md.
public final class ModelResidencySampler {
  public private(set) var timeline: ResidencyTimeline
  let ranges: ModelResidencyRanges
  let descriptors: [Int32]
  let paths: [String]
  let intervalNanoseconds: UInt64
  var nextSample: UInt64 = 0
  var mincoreVector: [UInt8] = []
  static let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))

  /// Opens the model's files (`paths`, in `layout`'s part order) read-only and picks the
  /// method: cachestat when the kernel answers it, else mincore (`method` forces one; tests
  /// use it to run the fallback on a kernel that has cachestat).
  ///
  /// - Throws: `FileAccessError` when a file cannot be opened.
  public init(paths: [String], layout: ModelLayout, intervalSeconds: Double, method forced: ResidencyTimeline.Method? = nil) throws {
    ranges = ModelResidencyRanges(layout)
    self.paths = paths
    var opened: [Int32] = []
    for path in paths {
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else {
        let failure = Errno(rawValue: errno)
        for fd in opened { close(fd) }
        throw FileAccessError("open", path, failure)
      }
      opened.append(fd)
    }
    descriptors = opened
    intervalNanoseconds = UInt64(max(0.01, intervalSeconds) * 1e9)
    var probe = [UInt64](repeating: 0, count: 5)
    let method: ResidencyTimeline.Method =
      forced ?? opened.first.map { fd in paramtrace_cachestat(fd, 0, Self.pageSize, &probe) == 0 ? .cachestat : .mincore } ?? .mincore
    timeline = ResidencyTimeline(groups: ranges.groups, method: method, intervalNanoseconds: intervalNanoseconds)
  }

  deinit { for fd in descriptors { close(fd) } }

  /// The most of one core sampling may take (issue 14: under 1 % of the workload): a sample
  /// whose CPU time is more than this share of the interval pushes the next one out, so a large
  /// model on a slow kernel path is sampled less often rather than slowing the run.
  static let maximumShareOfOneCore = 0.005
  /// Takes a sample when the interval has passed since the last one (or the longer wait the
  /// cost cap asks for).
  public func sampleIfDue() {
    let now = MonotonicClock.nanoseconds()
    guard now >= nextSample else { return }
    let took = sample()
    let capped = UInt64(Double(took) / Self.maximumShareOfOneCore)
    if capped > intervalNanoseconds { timeline.stretchedIntervals += 1 }
    nextSample = now + max(intervalNanoseconds, capped)
  }

  /// The most of the model cachestat saw evicted at one sample, in bytes (nil with mincore).
  public var peakEvictedBytes: UInt64? { timeline.peakEvictedPages.map { $0 * Self.pageSize } }

  /// Takes one sample now; returns the CPU time it took.
  @discardableResult
  public func sample() -> UInt64 {
    let start = MonotonicClock.nanoseconds()
    let cpuStart = ThreadCPUClock.nanoseconds()
    var resident = [UInt64](repeating: 0, count: ranges.groups.count)
    var evicted = timeline.method == .cachestat ? resident : []
    var recentlyEvicted = evicted
    var counts = [UInt64](repeating: 0, count: 5)
    for (index, group) in ranges.groups.enumerated() {
      for range in group.ranges where range.part < descriptors.count {
        switch timeline.method {
        case .cachestat:
          // nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted (pages).
          guard paramtrace_cachestat(descriptors[range.part], range.offset, range.length, &counts) == 0 else { continue }
          resident[index] += min(counts[0] * Self.pageSize, range.length)
          evicted[index] += counts[3]
          recentlyEvicted[index] += counts[4]
        case .mincore:
          resident[index] += mincoreResidentBytes(descriptors[range.part], range)
        }
      }
    }
    timeline.append(time: start, resident: resident, evicted: evicted, recentlyEvicted: recentlyEvicted)
    // Its cost is the CPU it used (the syscalls included), not the wall time around it.
    let took = ThreadCPUClock.nanoseconds() &- cpuStart
    timeline.samplingNanoseconds += took
    return took
  }

  /// The range's resident bytes by mincore on a read-only mapping of its pages (0 when the
  /// mapping fails: the sample is then low, never made up).
  func mincoreResidentBytes(_ fd: Int32, _ range: ModelResidencyRanges.Range) -> UInt64 {
    let page = Self.pageSize
    let alignedStart = range.offset / page * page
    let length = Int(range.offset + range.length - alignedStart)
    guard length > 0, let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, fd, off_t(alignedStart)), mapped != MAP_FAILED else { return 0 }
    defer { munmap(mapped, length) }
    let pages = (length + Int(page) - 1) / Int(page)
    if mincoreVector.count < pages { mincoreVector = [UInt8](repeating: 0, count: pages) }
    guard mincoreVector.withUnsafeMutableBufferPointer({ mincore(mapped, length, $0.baseAddress) }) == 0 else { return 0 }
    var resident: UInt64 = 0
    for index in 0..<pages where mincoreVector[index] & 1 != 0 { resident += page }
    return min(resident, range.length)
  }
}
