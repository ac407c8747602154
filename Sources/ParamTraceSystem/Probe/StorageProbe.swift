import CParamTraceShims
import Glibc
import ParamTraceCore
import Synchronization

/// `paramtrace probe`: what the storage under a file (or a block device) delivers, measured
/// with O_DIRECT reads so the page cache can neither serve them nor keep what they read.
///
/// Queue depth N is N threads, each with one `pread(2)` in flight, rather than libaio or
/// io_uring: neither has a Swift binding here (libaio-dev is not installed, io_uring would
/// need raw syscalls and ring handling in C), and a blocked thread per request is what a
/// page-faulting llama.cpp does anyway. The cost is a context switch per read, which on this
/// 2-core VM limits small random reads at depth 32 (docs/probe.md compares with fio's libaio).
///
/// Reads only; changes nothing on the machine. Memory: one aligned buffer per thread and the
/// latencies of one test (8 bytes per read).
public enum StorageProbe {
  /// Runs every test of `plan` on `path`; `log` gets a line per test.
  public static func run(path: String, plan: ProbePlan, log: (String) -> Void = { _ in }) throws -> ProbeReport {
    let fd = open(path, O_RDONLY | O_CLOEXEC | paramtrace_o_direct())
    guard fd >= 0 else {
      let code = errno
      if code == EINVAL {
        throw ProbeError(
          "open \(path) with O_DIRECT: \(String(cString: strerror(code))). Its filesystem has no direct I/O (tmpfs keeps files in memory: there is no disk to measure); probe a file on a disk, or the block device.")
      }
      throw ProbeError("open \(path): \(String(cString: strerror(code))).\(code == EACCES ? " Run as root or grant read access." : "")")
    }
    defer { close(fd) }
    let (device, warnings) = try describeDevice(path: path, fd: fd)
    let end = lseek(fd, 0, SEEK_END)
    guard end > 0 else { throw ProbeError("\(path) is empty (or its size cannot be read): nothing to read. Probe the model file or its disk.") }
    let size = UInt64(end)
    var measurements: [ProbeMeasurement] = []
    var skipped: [(test: ProbeTest, reason: String)] = []
    for test in plan.tests {
      guard test.requestBytes <= size else {
        skipped.append((test, "the request is larger than the \(HumanUnits.bytes(size)) \(path)"))
        continue
      }
      let measurement = try measure(fd: fd, path: path, size: size, test: test, nanoseconds: plan.nanosecondsPerTest)
      log("\(test.description): \(HumanUnits.rate(measurement.bytesPerSecond))")
      measurements.append(measurement)
    }
    return ProbeReport(
      path: path, device: device, sizeBytes: size, method: "pread(2) with O_DIRECT, one thread per read in flight",
      nanosecondsPerTest: plan.nanosecondsPerTest, measurements: measurements, skipped: skipped, warnings: warnings)
  }

  /// One test: `queueDepth` threads reading until the deadline.
  static func measure(fd: Int32, path: String, size: UInt64, test: ProbeTest, nanoseconds: UInt64) throws -> ProbeMeasurement {
    let start = MonotonicClock.nanoseconds()
    let shared = ProbeRun(fd: fd, size: size, test: test, deadline: start + nanoseconds)
    let created = runOnThreads(count: test.queueDepth) { shared.read(thread: $0) }
    guard created == 0 else {
      throw ProbeError("pthread_create for \(test.queueDepth) probe threads: \(String(cString: strerror(created))). Lower the queue depth.")
    }
    if let failure = shared.results.first(where: { $0.errorNumber != 0 }) {
      throw ProbeError(
        "pread \(path) (\(test.description)): \(String(cString: strerror(failure.errorNumber))). O_DIRECT needs 4 KiB-aligned reads the device accepts; check the device with dmesg.")
    }
    var latencies = LatencyDistribution()
    var operations = 0
    var bytes: UInt64 = 0
    var last = start
    for result in shared.results {
      operations += result.latencies.count
      bytes += UInt64(result.latencies.count) * test.requestBytes
      for latency in result.latencies { latencies.add(latency) }
      last = max(last, result.endNanoseconds)
    }
    return ProbeMeasurement(test: test, operations: operations, bytes: bytes, elapsedNanoseconds: last - start, latencies: &latencies)
  }

  /// `a file on vda (254:0)`, `loop0 (7:0), backed by /dev/shm/x`, or what is known; and what
  /// makes the figures not a disk's. A regular file in memory (tmpfs, ramfs) is refused: since
  /// Linux 6.6 tmpfs accepts O_DIRECT, and its reads are memory copies.
  static func describeDevice(path: String, fd: Int32) throws -> (device: String, warnings: [String]) {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return ("?", []) }
    let isBlockDevice = (info.st_mode & S_IFMT) == S_IFBLK
    if !isBlockDevice, let type = filesystemType(fd), type.isInMemory {
      throw ProbeError(
        "\(path) is on \(type.name): the file lives in memory, so there is no disk under it to measure. Probe a file on a disk, or the block device.")
    }
    guard let device = DeviceNumber(userSpaceEncoded: UInt64(isBlockDevice ? info.st_rdev : info.st_dev)) else { return ("?", []) }
    guard let location = try? BlockDeviceSysfs.locate(device) else { return (device.description, []) }
    var text = "\(location.diskName ?? location.disk.description) (\(location.disk))"
    if location.isPartition { text = "\(location.deviceName ?? device.description) on " + text }
    var warnings: [String] = []
    if let backing = location.loopBackingFile {
      text += ", backed by \(backing)"
      let backingFD = open(backing, O_RDONLY | O_CLOEXEC)
      if backingFD >= 0 {
        if let type = filesystemType(backingFD), type.isInMemory {
          warnings.append(
            "\(location.diskName ?? "the loop device") is backed by a file on \(type.name): its reads are memory copies, not a disk's; the figures bound nothing a real disk does.")
        }
        close(backingFD)
      }
    }
    return (isBlockDevice ? text : "a file on " + text, warnings)
  }

  static func filesystemType(_ fd: Int32) -> FilesystemType? {
    var magic: UInt64 = 0
    guard paramtrace_fstatfs_type(fd, &magic) == 0 else { return nil }
    return FilesystemType(magic: magic)
  }
}

/// A probe that could not run, with what to do.
public struct ProbeError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// One test's shared state: the file, the next sequential chunk, the deadline, and one result
/// slot per thread (each thread writes only its own; read after every thread is joined).
final class ProbeRun: @unchecked Sendable {
  let fd: Int32
  let test: ProbeTest
  let chunks: UInt64
  let deadline: UInt64
  let nextChunk = Atomic<UInt64>(0)
  let stopped = Atomic<Bool>(false)
  let results: [ProbeThreadResult]

  init(fd: Int32, size: UInt64, test: ProbeTest, deadline: UInt64) {
    self.fd = fd
    self.test = test
    chunks = max(size / test.requestBytes, 1)
    self.deadline = deadline
    results = (0..<test.queueDepth).map { _ in ProbeThreadResult() }
  }

  func stop() { stopped.store(true, ordering: .relaxed) }

  /// What each thread does: read, time, repeat until the deadline or an error.
  func read(thread: Int) {
    let result = results[thread]
    let length = Int(test.requestBytes)
    var buffer: UnsafeMutableRawPointer?
    guard posix_memalign(&buffer, Int(ProbePlan.alignment), length) == 0, let buffer else {
      result.errorNumber = ENOMEM
      return
    }
    defer { free(buffer) }
    var random = SplitMix64(seed: 0x7072_6f62_6500 &+ UInt64(thread))
    result.latencies.reserveCapacity(1 << 12)
    var now = MonotonicClock.nanoseconds()
    while now < deadline, !stopped.load(ordering: .relaxed) {
      let chunk = test.pattern == .random ? random.below(chunks) : nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue % chunks
      let count = pread(fd, buffer, length, off_t(chunk * test.requestBytes))
      let after = MonotonicClock.nanoseconds()
      guard count == length else {
        result.errorNumber = count < 0 ? errno : EIO
        stop()
        break
      }
      result.latencies.append(after - now)
      now = after
    }
    result.endNanoseconds = now
  }
}

/// One thread's reads.
final class ProbeThreadResult: @unchecked Sendable {
  var latencies: [UInt64] = []
  var endNanoseconds: UInt64 = 0
  var errorNumber: Int32 = 0
}
