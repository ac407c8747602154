import ParamTraceCore
import Synchronization
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// How `replay` runs.
public struct ModelReplayOptions: Sendable, Hashable {
  /// Decode tokens.
  public var tokens: Int
  /// Prompt tokens, processed as one batch: one pass over all weights.
  public var promptTokens: Int
  /// Threads that split each matrix by rows.
  public var threads: Int
  /// MAP_POPULATE and MADV_WILLNEED at load, as llama.cpp's default prefetch does.
  public var populate: Bool
  /// Seeds the token ids (and the experts of MoE layers).
  public var seed: UInt64
  /// Read every 8-byte word (memory-bandwidth bound, like llama.cpp's matrix-vector products:
  /// on a warm 7B Q4_K_M twin 10.3 tokens/s against llama.cpp's 9.1), or only one word per
  /// 4 KiB page (false: every page still faults in, but ~12× faster than llama.cpp, so less
  /// compute time overlaps the readahead).
  public var readAll: Bool
  /// How a matrix's rows are shared among the threads.
  public var rowSplit: RowSplit
  /// Context length whose f16 KV cache is allocated and zeroed at load, as llama.cpp's
  /// `-c N` does (anonymous memory charged to the same memory budget as the page cache); 0: none.
  public var contextTokens: Int
  /// Chooses the experts of MoE layers per token and layer (seeded; uniform or Zipf-skewed).
  public var router: ModelExpertRouter

  /// How a matrix's rows are shared among the threads.
  public enum RowSplit: String, Sendable, Hashable, CaseIterable {
    /// As ggml's mul_mat: chunks of 64 rows (16 for a batch of several tokens); thread t takes
    /// chunk t, then the next unclaimed one from a shared counter, so the threads sweep the
    /// matrix together from its start. With fewer than 4 chunks per thread, one chunk each.
    case chunks
    /// One contiguous range of rows per thread (thread t: rows [t·R/T, (t+1)·R/T)): T streams.
    case contiguous
  }

  public init(
    tokens: Int, promptTokens: Int = 1, threads: Int = 1, populate: Bool = true, seed: UInt64 = 1, readAll: Bool = true,
    rowSplit: RowSplit = .chunks, contextTokens: Int = 0, router: ModelExpertRouter? = nil
  ) {
    self.tokens = tokens
    self.promptTokens = promptTokens
    self.threads = threads
    self.populate = populate
    self.seed = seed
    self.readAll = readAll
    self.rowSplit = rowSplit
    self.contextTokens = contextTokens
    self.router = router ?? ModelExpertRouter(seed: seed)
  }
}

/// What a replay measured.
public struct ModelReplayResult: Sendable, Hashable {
  public var timings: ModelReplayTimings
  /// A sum over everything read, so that the reads are real.
  public var checksum: UInt64
  /// Bytes of the file one decode token reads.
  public var bytesPerToken: UInt64
  public var fileSize: UInt64
  /// Bytes of the KV cache allocated (`contextTokens`).
  public var kvCacheBytes: UInt64
  /// The experts each token was routed to in each MoE layer (empty for a dense model).
  public var routing: ModelExpertRouting
}

/// Touches a model file as llama.cpp's CPU decode does (spec §8): maps it whole (PROT_READ,
/// MAP_SHARED) after `posix_fadvise(SEQUENTIAL)`, with MAP_POPULATE and
/// `posix_madvise(WILLNEED)` unless told not to; then the prompt as one pass over all weights,
/// then per token the steps of a `ModelReplayPlan`. Every thread runs every step, touching its
/// share of the matrix's rows (every 4 KiB page; shared out as ggml's mul_mat does, see
/// `RowSplit`), and waits at a barrier after each step, as ggml's graph compute does. Times
/// come from CLOCK_MONOTONIC.
public enum ModelReplay {
  /// The page size the touches step by.
  public static let pageBytes = 4096

  /// Replays `plan` on the file at `path`.
  ///
  /// - Throws: `FileAccessError` (open, mmap), `ReplayError`.
  public static func run(path: String, plan: ModelReplayPlan, options: ModelReplayOptions) throws -> ModelReplayResult {
    try run(files: [path], plan: plan, options: options)
  }

  /// Replays a model in several files (GGUF splits) as llama.cpp does, one mapping per file:
  /// an address range is reserved for the model's address space and each file is mapped into
  /// it at its start (`ModelFiles.starts(ofSizes:)`, page-aligned), so `plan` (from
  /// `ModelReplayPlan(files:)`) touches every file through one base pointer.
  ///
  /// - Throws: `FileAccessError` (open, mmap), `ReplayError`.
  public static func run(files paths: [String], plan: ModelReplayPlan, options: ModelReplayOptions) throws -> ModelReplayResult {
    guard paths.count > 1 else { return try runOne(path: paths[0], plan: plan, options: options) }
    guard options.threads >= 1, options.tokens >= 0, options.promptTokens >= 0 else {
      throw ReplayError(message: "threads must be at least 1 and token counts not negative.")
    }
    var sizes: [Int] = []
    for path in paths {
      var status = stat()
      guard stat(path, &status) == 0 else { throw FileAccessError("stat", path, Errno(rawValue: errno)) }
      sizes.append(Int(status.st_size))
    }
    let starts = ModelFiles.starts(ofSizes: sizes.map { UInt64($0) }).map { Int($0) }
    let span = (starts.last! + sizes.last! + pageBytes - 1) / pageBytes * pageBytes
    for step in plan.steps {
      let index = max(0, (starts.lastIndex { $0 <= Int(step.fileOffset) } ?? 0))
      guard Int(step.fileOffset + step.byteSize) <= starts[index] + sizes[index] else {
        throw ReplayError(message: "\(paths[index]): tensor \(step.name) ends past the end of the file (\(sizes[index]) bytes). Truncated download?")
      }
    }

    let loadStart = MonotonicClock.nanoseconds()
    let reserved = mmap(nil, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    guard let reserved, reserved != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw ReplayError(message: "cannot reserve \(span) bytes of address space for the \(paths.count) files of the model.")
    }
    defer { munmap(reserved, span) }
    // Each file as llama_mmap maps it: fadvise, mmap (+ MAP_POPULATE), madvise WILLNEED.
    for (index, path) in paths.enumerated() where sizes[index] > 0 {
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else { throw FileAccessError("open", path, Errno(rawValue: errno)) }
      _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
      let flags = MAP_SHARED | MAP_FIXED | (options.populate ? Int32(MAP_POPULATE) : 0)
      let mapped = mmap(reserved + starts[index], sizes[index], PROT_READ, flags, fd, 0)
      let mapError = errno
      close(fd)
      guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else { throw FileAccessError("mmap", path, Errno(rawValue: mapError)) }
      if options.populate { _ = posix_madvise(mapped, sizes[index], Int32(POSIX_MADV_WILLNEED)) }
    }
    return try decode(base: UnsafeRawPointer(reserved), fileSize: sizes.reduce(0, +), loadStart: loadStart, plan: plan, options: options)
  }

  private static func runOne(path: String, plan: ModelReplayPlan, options: ModelReplayOptions) throws -> ModelReplayResult {
    guard options.threads >= 1, options.tokens >= 0, options.promptTokens >= 0 else {
      throw ReplayError(message: "threads must be at least 1 and token counts not negative.")
    }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileAccessError("open", path, Errno(rawValue: errno)) }
    var status = stat()
    guard fstat(fd, &status) == 0 else {
      close(fd)
      throw FileAccessError("fstat", path, Errno(rawValue: errno))
    }
    let size = Int(status.st_size)
    guard size > 0 else {
      close(fd)
      throw ReplayError(message: "\(path) is empty.")
    }
    for step in plan.steps where step.fileOffset + step.byteSize > UInt64(size) {
      close(fd)
      throw ReplayError(message: "\(path): tensor \(step.name) ends past the end of the file (\(size) bytes). Truncated download?")
    }

    // Load, as llama_mmap does: fadvise, mmap (+ MAP_POPULATE), madvise WILLNEED.
    let loadStart = MonotonicClock.nanoseconds()
    _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
    let flags = MAP_SHARED | (options.populate ? Int32(MAP_POPULATE) : 0)
    let mapped = mmap(nil, size, PROT_READ, flags, fd, 0)
    let mapError = errno
    close(fd)
    guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw FileAccessError("mmap", path, Errno(rawValue: mapError))
    }
    defer { munmap(mapped, size) }
    if options.populate { _ = posix_madvise(mapped, size, Int32(POSIX_MADV_WILLNEED)) }
    return try decode(base: UnsafeRawPointer(mapped), fileSize: size, loadStart: loadStart, plan: plan, options: options)
  }

  /// The KV cache and the decode, on the mapped model.
  private static func decode(
    base: UnsafeRawPointer, fileSize size: Int, loadStart: UInt64, plan: ModelReplayPlan, options: ModelReplayOptions
  ) throws -> ModelReplayResult {
    // The KV cache: llama.cpp clears its buffer at creation, so every page of it is resident.
    let kvBytes = Int(plan.kvCacheBytesPerToken) * options.contextTokens
    var kvCache: UnsafeMutableRawPointer?
    if kvBytes > 0 {
      let anonymous = mmap(nil, kvBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
      guard let anonymous, anonymous != UnsafeMutableRawPointer(bitPattern: -1) else {
        throw ReplayError(message: "cannot allocate the \(kvBytes)-byte KV cache for --context \(options.contextTokens).")
      }
      memset(anonymous, 0, kvBytes)
      kvCache = anonymous
    }
    defer { if let kvCache { munmap(kvCache, kvBytes) } }
    let loadEnd = MonotonicClock.nanoseconds()

    let run = ReplayRun(base: base, plan: plan, options: options)
    run.start()
    let timings = ModelReplayTimings(
      loadMilliseconds: Double(loadEnd - loadStart) / 1e6,
      promptMilliseconds: Double(run.promptEnd &- run.promptStart) / 1e6, promptTokens: options.promptTokens,
      evalMilliseconds: Double(run.evalEnd &- run.promptEnd) / 1e6, evalTokens: options.tokens)
    return ModelReplayResult(
      timings: timings, checksum: run.checksum, bytesPerToken: plan.bytesPerToken, fileSize: UInt64(size), kvCacheBytes: UInt64(kvBytes),
      routing: run.routing)
  }
}

/// A replay that cannot run.
public struct ReplayError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public var description: String { message }
}

/// One replay: the shared state of its threads. Each thread writes only its own checksum slot;
/// thread 0 writes the timestamps, read after every thread has been joined.
final class ReplayRun: @unchecked Sendable {
  /// A plan step with the numbers the threads need, precomputed.
  struct Step {
    var offset: Int
    var bytes: Int
    var rowBytes: Int
    var rows: Int
    var touch: ModelReplayPlan.Touch
    var layer: Int
  }

  let base: UnsafeRawPointer
  let plan: ModelReplayPlan
  let options: ModelReplayOptions
  let steps: [Step]
  /// Every token's experts per MoE layer, computed before the threads start.
  let routing: ModelExpertRouting
  let barrier: ReplayBarrier
  /// ggml's `current_chunk` counters, one per expert (one for a plain matrix), in two sets used
  /// by alternate steps: thread 0 resets the next step's set while the others may still be
  /// in this step, and the barrier orders the reset before its use.
  let counters: [[ReplayCounter]]
  /// One checksum per thread, 64 bytes apart so the threads do not share a cache line.
  let sums: UnsafeMutablePointer<UInt64>
  var promptStart: UInt64 = 0
  var promptEnd: UInt64 = 0
  var evalEnd: UInt64 = 0

  init(base: UnsafeRawPointer, plan: ModelReplayPlan, options: ModelReplayOptions) {
    self.base = base
    self.plan = plan
    self.options = options
    steps = plan.steps.map {
      Step(
        offset: Int($0.fileOffset), bytes: Int($0.byteSize), rowBytes: Int($0.rowBytes), rows: Int($0.rows), touch: $0.touch,
        layer: $0.layer ?? -1)
    }
    routing = ModelExpertRouting(plan: plan, router: options.router, promptTokens: options.promptTokens, tokens: options.tokens)
    barrier = ReplayBarrier(count: options.threads)
    let slots = plan.steps.reduce(1) { most, step in
      if case .experts(let count, _) = step.touch { return max(most, count) }
      return most
    }
    counters = (0..<2).map { _ in (0..<slots).map { _ in ReplayCounter(options.threads) } }
    sums = UnsafeMutablePointer<UInt64>.allocate(capacity: options.threads * 8)
    sums.initialize(repeating: 0, count: options.threads * 8)
  }

  deinit { sums.deallocate() }

  /// The sum of every range's sum: the same whichever thread took which chunk.
  var checksum: UInt64 { (0..<options.threads).reduce(0) { $0 &+ sums[$1 * 8] } }

  /// Runs the replay on `options.threads` threads (the caller's is thread 0) and joins them.
  func start() {
    let result = runOnThreads(count: options.threads) { self.work(thread: $0) }
    precondition(result == 0, "pthread_create failed: \(result)")
  }

  /// What each thread does: the prompt pass, then every decode token, a barrier after each step.
  func work(thread: Int) {
    var sum: UInt64 = 0
    var stepNumber = 0
    barrier.wait()
    if thread == 0 { promptStart = MonotonicClock.nanoseconds() }
    let prompt = options.promptTokens
    if prompt > 0 {
      for (index, step) in steps.enumerated() {
        resetNextCounters(thread: thread, stepNumber: stepNumber)
        if index == 0 {
          if thread == 0 {
            for token in 0..<prompt { sum &+= touchRow(step, token: token) }
          }
        } else {
          sum &+= touch(step, thread: thread, tokens: 0..<prompt, counters: counters[stepNumber & 1])
        }
        stepNumber += 1
        barrier.wait()
      }
    }
    if thread == 0 { promptEnd = MonotonicClock.nanoseconds() }
    for decoded in 0..<options.tokens {
      let token = prompt + decoded
      for (index, step) in steps.enumerated() {
        resetNextCounters(thread: thread, stepNumber: stepNumber)
        if index == 0 {
          if thread == 0 { sum &+= touchRow(step, token: token) }
        } else {
          sum &+= touch(step, thread: thread, tokens: token..<(token + 1), counters: counters[stepNumber & 1])
        }
        stepNumber += 1
        barrier.wait()
      }
    }
    if thread == 0 { evalEnd = MonotonicClock.nanoseconds() }
    sums[thread * 8] = sum
  }

  /// Thread 0 re-arms the counters of the step after this one (their last use, two steps ago,
  /// ended at the previous barrier).
  func resetNextCounters(thread: Int, stepNumber: Int) {
    guard thread == 0 else { return }
    for counter in counters[(stepNumber + 1) & 1] { counter.value.store(options.threads, ordering: .relaxed) }
  }

  /// The embedding row of the `token`-th token.
  func touchRow(_ step: Step, token: Int) -> UInt64 {
    let id = Int(plan.tokenID(token, seed: options.seed))
    let start = step.offset + id * step.rowBytes
    return touchBytes(start, start + step.rowBytes)
  }

  /// This thread's share of a step for a batch of `tokens` (experts: each chosen by any of them,
  /// with the number of tokens that chose it as the batch).
  func touch(_ step: Step, thread: Int, tokens: Range<Int>, counters: [ReplayCounter]) -> UInt64 {
    switch step.touch {
    case .embeddingRow:
      return 0
    case .whole:
      return thread == 0 ? touchBytes(step.offset, step.offset + step.bytes) : 0
    case .rows:
      return touchRows(step.offset, rows: step.rows, rowBytes: step.rowBytes, columns: tokens.count, thread: thread, counter: counters[0])
    case .experts(let experts, _):
      var routed: [Int: Int] = [:]
      for token in tokens {
        for expert in routing.experts(token: token, layer: step.layer) { routed[expert, default: 0] += 1 }
      }
      let slice = step.bytes / max(experts, 1)
      var sum: UInt64 = 0
      for (expert, columns) in routed.sorted(by: { $0.key < $1.key }) {
        sum &+= touchRows(
          step.offset + expert * slice, rows: step.rows, rowBytes: step.rowBytes, columns: columns, thread: thread,
          counter: counters[expert])
      }
      return sum
    }
  }

  /// This thread's rows of a matrix of `rows` rows at `offset`, multiplied by a batch of
  /// `columns` tokens, shared out as `options.rowSplit` says.
  func touchRows(_ offset: Int, rows: Int, rowBytes: Int, columns: Int, thread: Int, counter: ReplayCounter) -> UInt64 {
    let threads = options.threads
    guard options.rowSplit == .chunks else {
      let first = rows * thread / threads
      let last = rows * (thread + 1) / threads
      return touchBytes(offset + first * rowBytes, offset + last * rowBytes)
    }
    // ggml_compute_forward_mul_mat: chunk sizes, the fallback to one chunk per thread, and the
    // work-stealing loop over a shared counter that starts at nth.
    let chunkSize = rows == 1 || columns == 1 ? 64 : 16
    var rowChunks = (rows + chunkSize - 1) / chunkSize
    var columnChunks = (columns + chunkSize - 1) / chunkSize
    if rowChunks * columnChunks < threads * 4 {
      rowChunks = rows > columns ? threads : 1
      columnChunks = rows > columns ? 1 : threads
    }
    let rowsPerChunk = (rows + rowChunks - 1) / rowChunks
    let chunks = rowChunks * columnChunks
    var sum: UInt64 = 0
    var chunk = thread
    while chunk < chunks {
      let first = rowsPerChunk * (chunk % rowChunks)
      let last = min(first + rowsPerChunk, rows)
      if first < last { sum &+= touchBytes(offset + first * rowBytes, offset + last * rowBytes) }
      if threads >= chunks { break }
      chunk = counter.value.wrappingAdd(1, ordering: .relaxed).oldValue
    }
    return sum
  }

  /// Reads [start, end): one 8-byte word in every 4 KiB page it covers, or every word.
  @inline(__always)
  func touchBytes(_ start: Int, _ end: Int) -> UInt64 {
    guard start < end else { return 0 }
    var sum: UInt64 = 0
    if options.readAll {
      let first = start & ~7
      let words = UnsafeBufferPointer(
        start: (base + first).assumingMemoryBound(to: UInt64.self), count: (end - first + 7) / 8)
      // Four independent sums so the loop vectorizes.
      var (a, b, c, d): (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
      var index = 0
      while index + 4 <= words.count {
        a &+= words[index]
        b &+= words[index + 1]
        c &+= words[index + 2]
        d &+= words[index + 3]
        index += 4
      }
      while index < words.count {
        a &+= words[index]
        index += 1
      }
      return a &+ b &+ c &+ d
    }
    sum &+= base.load(fromByteOffset: start & ~7, as: UInt64.self)
    var page = (start | (ModelReplay.pageBytes - 1)) + 1
    while page < end {
      sum = (sum &+ base.load(fromByteOffset: page, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
      page += ModelReplay.pageBytes
    }
    return sum
  }
}

/// A shared chunk counter (ggml's `current_chunk`).
final class ReplayCounter: Sendable {
  let value: Atomic<Int>
  init(_ start: Int) { value = Atomic(start) }
}



/// A reusable barrier for the replay threads, as ggml's: threads spin on an atomic generation
/// counter (a barrier after every tensor is too frequent for a futex round trip), yielding the
/// CPU after a while so that more threads than cores still make progress. No-op for one thread.
final class ReplayBarrier: Sendable {
  private let count: Int
  private let arrived = Atomic<Int>(0)
  private let generation = Atomic<Int>(0)

  init(count: Int) { self.count = count }

  /// Returns once all `count` threads have called it.
  func wait() {
    guard count > 1 else { return }
    let current = generation.load(ordering: .acquiring)
    if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == count {
      arrived.store(0, ordering: .relaxed)
      generation.wrappingAdd(1, ordering: .releasing)
      return
    }
    var spins = 0
    while generation.load(ordering: .acquiring) == current {
      spins += 1
      if spins > 2_000 { sched_yield() }
    }
  }
}
