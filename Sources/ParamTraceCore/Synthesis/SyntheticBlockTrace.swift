/// A deterministic, realistic blktrace event stream for benchmarks and tests, generated as it
/// is read (memory stays small for any event count).
///
/// It models what the fixtures show (see Tests/Fixtures/README.md), at a larger scale: several
/// reader threads of one process thrash over a multi-GiB file whose extents lie on disk out of
/// file order; readahead windows become bios that merge (Q+M) or are split (X) into requests
/// (G, I, D) under a plug (P, U, sometimes UT); kworkers issue some requests; virtio-style
/// requeues (R) are followed by a re-issue (D); completions (C) come in interrupt context
/// (pid 0 or an unrelated task, on any CPU) in no particular order, rarely in two steps or with
/// -EIO. Other processes add writeback writes, journal writes with preflush (FWS, FN) and FUA,
/// discards, and small reads. With a partition, every file bio has an A remap first.
///
/// Times are strictly increasing, so merging per-CPU streams by time gives back this order.
/// Flags are in the form the decoders produce (`BlkIOTraceReader.flags`): 'N' events carry
/// `.otherOperation`, and only I, D, C, R carry `.requestLevel`. Zero-size Q/G/I/D events have
/// sector 0, since blkparse does not print their sector. Each pid always has the same comm.
public struct SyntheticBlockTrace: Sequence, IteratorProtocol {
  /// What to generate.
  public struct Configuration: Sendable, Hashable {
    /// Seed of the random choices; the same configuration gives the same events.
    public var seed: UInt64
    /// Number of events to produce.
    public var eventCount: Int
    /// CPUs (one blktrace file each).
    public var cpuCount = 4
    /// Reader threads of the traced process.
    public var readerThreads = 6
    /// The traced whole disk.
    public var device = DeviceNumber(major: 259, minor: 0)
    /// The partition holding the file system (A remaps), or nil when it is on the whole disk.
    public var partition: Partition? = Partition(device: DeviceNumber(major: 259, minor: 2), startSector: 1_050_624)
    /// Size of the thrashed file.
    public var fileBytes: UInt64 = 6 << 30
    /// Size of each of its extents.
    public var extentBytes: UInt64 = 96 << 20
    /// Time of the first event (ns, CLOCK_MONOTONIC).
    public var startTime: UInt64 = 1_000_000_000_000
    /// Largest request; bigger bios are split (X).
    public var maxRequestSectors: UInt32 = 2048
    /// Requests go through an I/O scheduler (I events), as with mq-deadline.
    public var usesScheduler = true
    /// Fraction of bursts from other processes.
    public var noiseFraction = 0.08
    /// Probability that an issued request is requeued once.
    public var requeueProbability = 0.04
    /// Probability that a completion reports -EIO.
    public var errorProbability = 0.0002

    public init(eventCount: Int = 1_000_000, seed: UInt64 = 0x5EED) {
      self.eventCount = eventCount
      self.seed = seed
    }
  }

  /// A partition: its device number and first sector on the whole disk.
  public struct Partition: Sendable, Hashable {
    public var device: DeviceNumber
    public var startSector: UInt64
    public init(device: DeviceNumber, startSector: UInt64) {
      self.device = device
      self.startSector = startSector
    }
  }

  /// Where a piece of the file lies on the whole disk.
  public struct Extent: Sendable, Hashable {
    /// Byte offset in the file.
    public var fileOffset: UInt64
    /// First whole-disk sector.
    public var sector: UInt64
    /// Length in sectors.
    public var sectors: UInt64
  }

  /// A task that appears in the trace.
  struct Task {
    var pid: Int32
    var comm: CommName
    var cpu: UInt16
  }

  struct Scheduled {
    var time: UInt64
    var order: UInt64
    var event: BlockEvent
    @inline(__always) static func < (a: Self, b: Self) -> Bool { (a.time, a.order) < (b.time, b.order) }
  }

  /// A request being built: its sectors and flags.
  struct Request {
    var sector: UInt64
    var sectors: UInt32
    var flags: BlockFlags
  }

  public let configuration: Configuration
  /// The file's extents in file order (their disk order is shuffled).
  public let extents: [Extent]
  /// Events produced so far.
  public private(set) var produced = 0

  private var random: SplitMix64
  private var heap: [Scheduled] = []
  private var order: UInt64 = 0
  private var lastTime: UInt64
  private var nextBurst: UInt64
  private var readers: [Task]
  private var cursors: [UInt64]
  private let kworkers: [Task]
  private let idle: Task
  private let compilers: [Task]
  private let writeback: Task
  private let journal: Task
  private let trimmer: Task
  private let directReader: Task
  private var writeCursor: UInt64
  private var requests: [Request] = []

  /// Bursts in flight are capped so memory stays small.
  private static let maximumScheduled = 4096

  public init(_ configuration: Configuration) {
    self.configuration = configuration
    var random = SplitMix64(seed: configuration.seed)
    let cpus = Swift.max(1, configuration.cpuCount)
    // Extents in file order, placed on disk in a shuffled order with small gaps.
    let extentSectors = Swift.max(8, configuration.extentBytes / 512)
    let count = Int(Swift.max(1, (configuration.fileBytes / 512 + extentSectors - 1) / extentSectors))
    var slots = Array(0..<count)
    for i in stride(from: count - 1, to: 0, by: -1) { slots.swapAt(i, Int(random.below(UInt64(i + 1)))) }
    let base = (configuration.partition?.startSector ?? 0) + 8 << 20  // 4 GiB into the file system
    var extents: [Extent] = []
    for index in 0..<count {
      let length = Swift.min(extentSectors, configuration.fileBytes / 512 - UInt64(index) * extentSectors)
      extents.append(
        Extent(
          fileOffset: UInt64(index) * extentSectors * 512,
          sector: base + UInt64(slots[index]) * (extentSectors + 2048), sectors: length))
    }
    self.extents = extents
    writeCursor = base + UInt64(count) * (extentSectors + 2048) + (1 << 20)

    func task(_ pid: Int32, _ name: String, _ cpu: Int) -> Task {
      Task(pid: pid, comm: CommName(name), cpu: UInt16(cpu % cpus))
    }
    readers = (0..<Swift.max(1, configuration.readerThreads)).map { task(41_000 + Int32($0) * 3, "llama-cli", $0) }
    cursors = readers.map { _ in random.below(configuration.fileBytes / 4096) * 4096 }
    kworkers = (0..<cpus).map { task(60 + Int32($0) * 7, "kworker/\($0):1H", $0) }
    idle = task(0, "swapper", 0)
    compilers = (0..<4).map { task(52_000 + Int32($0) * 11, "cc1plus", $0) }
    writeback = task(131, "kworker/u16:3", 1)
    journal = task(412, "jbd2/nvme0n1p2-", 0)
    trimmer = task(53_100, "fstrim", 2)
    directReader = task(51_200, "python3", 3)
    self.random = random
    lastTime = configuration.startTime &- 1
    nextBurst = configuration.startTime
    heap.reserveCapacity(Self.maximumScheduled * 2)
  }

  public mutating func next() -> BlockEvent? {
    guard produced < configuration.eventCount else { return nil }
    while heap.isEmpty || (heap.count < Self.maximumScheduled && nextBurst <= heap[0].time) {
      let start = Swift.max(nextBurst, lastTime &+ 1)
      let sectors = burst(at: start)
      // Pace the bursts like a disk of about 3 GB/s: 170 ns per sector, plus think time.
      nextBurst = start &+ random.between(2_000...60_000) &+ sectors &* 170
    }
    var event = pop().event
    event.time = Swift.max(event.time, lastTime &+ 1)
    lastTime = event.time
    produced += 1
    return event
  }

  // MARK: Heap

  private mutating func schedule(
    _ time: UInt64, _ action: BlockAction, _ sector: UInt64, _ sectors: UInt32, _ flags: BlockFlags,
    _ task: Task, cpu: UInt16? = nil, error: Int16 = 0, detail: UInt64 = 0
  ) {
    let event = BlockEvent(
      time: time, sector: sector, sectors: sectors, device: configuration.device, pid: task.pid,
      cpu: cpu ?? task.cpu, action: action, flags: flags, error: error, comm: task.comm, detail: detail)
    order &+= 1
    heap.append(Scheduled(time: time, order: order, event: event))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child] < heap[parent] else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  private mutating func pop() -> Scheduled {
    let top = heap[0]
    let last = heap.removeLast()
    if !heap.isEmpty {
      heap[0] = last
      var parent = 0
      let count = heap.count
      while true {
        let left = 2 * parent + 1
        if left >= count { break }
        var child = left
        if left + 1 < count, heap[left + 1] < heap[left] { child = left + 1 }
        guard heap[child] < heap[parent] else { break }
        heap.swapAt(child, parent)
        parent = child
      }
    }
    return top
  }

  // MARK: Bursts

  /// One burst of I/O; returns the sectors it moves (discards count as nothing).
  private mutating func burst(at time: UInt64) -> UInt64 {
    requests.removeAll(keepingCapacity: true)
    if random.chance(configuration.noiseFraction) {
      noiseBurst(at: time)
    } else {
      readerBurst(at: time)
    }
    var sectors: UInt64 = 0
    for request in requests where !request.flags.contains(.discard) { sectors += UInt64(request.sectors) }
    return sectors
  }

  /// A small step along the submission path.
  private mutating func step(_ time: inout UInt64) {
    time &+= random.between(150...2_500)
  }

  /// One page fault or readahead window of one reader thread.
  private mutating func readerBurst(at start: UInt64) {
    let index = Int(random.below(UInt64(readers.count)))
    if random.chance(0.02) { readers[index].cpu = UInt16(random.below(UInt64(kworkers.count))) }
    let reader = readers[index]
    var sectors: UInt64
    var flags: BlockFlags
    let kind = random.below(100)
    if kind < 68 {
      let sizes: [UInt64] = [64, 128, 256, 256, 512, 1024, 2048, 4096, 8192]
      sectors = sizes[Int(random.below(UInt64(sizes.count)))]
      flags = [.read, .readahead]
    } else if kind < 84 {
      sectors = 8
      flags = .read
    } else if kind < 90 {
      sectors = 8
      flags = [.read, .meta]
    } else {
      sectors = 16_384  // 8 MiB readahead
      flags = [.read, .readahead]
    }
    // Thrash: keep reading on, or jump elsewhere in the file.
    let fileSectors = configuration.fileBytes / 512
    var offset = cursors[index] / 512
    if random.chance(0.22) || offset + 8 > fileSectors { offset = random.below(fileSectors / 8) * 8 }
    sectors = Swift.min(sectors, fileSectors - offset)
    cursors[index] = (offset + sectors) * 512

    var time = start
    var plugged = false
    requests.removeAll(keepingCapacity: true)
    // Cut the window at extent boundaries: each piece lies elsewhere on disk.
    var remaining = sectors
    var fileSector = offset
    while remaining > 0 {
      let extentIndex = Int(fileSector * 512 / Swift.max(1, configuration.extentBytes))
      let extent = extents[Swift.min(extentIndex, extents.count - 1)]
      let within = fileSector - extent.fileOffset / 512
      let length = Swift.min(remaining, extent.sectors - within)
      let disk = extent.sector + within
      if length <= 512, flags.contains(.readahead), random.chance(0.6) {
        pageBios(disk: disk, sectors: length, flags: flags, reader, &time, &plugged)
      } else {
        largeBios(disk: disk, sectors: length, flags: flags, reader, &time, &plugged)
      }
      remaining -= length
      fileSector += length
    }
    unplugAndIssue(reader, &time, plugged: plugged)
  }

  /// Bio-level events of one file bio: A (with a partition), then Q.
  private mutating func queue(_ sector: UInt64, _ sectors: UInt32, _ flags: BlockFlags, _ task: Task, _ time: inout UInt64) {
    if let partition = configuration.partition {
      schedule(time, .remap, sector, sectors, flags, task, detail: sector - partition.startSector)
      step(&time)
    }
    schedule(time, .queue, sector, sectors, flags, task)
    step(&time)
  }

  /// mmap readahead of small folios: page-sized bios that merge into one request (Q G P, Q M ...).
  private mutating func pageBios(
    disk: UInt64, sectors: UInt64, flags: BlockFlags, _ task: Task, _ time: inout UInt64, _ plugged: inout Bool
  ) {
    let pages = Swift.max(1, sectors / 8)
    queue(disk, 8, flags, task, &time)
    schedule(time, .getRequest, disk, 8, flags, task)
    step(&time)
    plug(task, &time, &plugged)
    for page in 1..<pages {
      let sector = disk + page * 8
      queue(sector, 8, flags, task, &time)
      schedule(time, .backmerge, sector, 8, flags, task)
      step(&time)
    }
    requests.append(Request(sector: disk, sectors: UInt32(pages * 8), flags: flags))
  }

  /// Large bios (up to 8 MiB), split (X) into requests of at most `maxRequestSectors`.
  private mutating func largeBios(
    disk: UInt64, sectors: UInt64, flags: BlockFlags, _ task: Task, _ time: inout UInt64, _ plugged: inout Bool
  ) {
    let limit = UInt64(Swift.max(8, configuration.maxRequestSectors))
    let bioLimit: UInt64 = random.chance(0.3) ? 16_384 : 2048
    var bio = disk
    let end = disk + sectors
    while bio < end {
      let bioSectors = Swift.min(bioLimit, end - bio)
      queue(bio, UInt32(bioSectors), flags, task, &time)
      var piece = bio
      let bioEnd = bio + bioSectors
      while bioEnd - piece > limit {
        schedule(time, .split, piece, UInt32(bioEnd - piece), flags, task, detail: piece + limit)
        step(&time)
        piece += limit
      }
      piece = bio
      while piece < bioEnd {
        let length = Swift.min(limit, bioEnd - piece)
        schedule(time, .getRequest, piece, UInt32(length), flags, task)
        step(&time)
        plug(task, &time, &plugged)
        requests.append(Request(sector: piece, sectors: UInt32(length), flags: flags))
        piece += length
      }
      bio = bioEnd
    }
  }

  private mutating func plug(_ task: Task, _ time: inout UInt64, _ plugged: inout Bool) {
    guard !plugged else { return }
    plugged = true
    schedule(time, .plug, 0, 0, .otherOperation, task)
    step(&time)
  }

  /// U (or UT), then I and D for every request built since the plug, then their completions.
  private mutating func unplugAndIssue(_ task: Task, _ time: inout UInt64, plugged: Bool) {
    if plugged {
      let timer = random.chance(0.02)
      schedule(
        time, timer ? .unplugTimer : .unplugIO, 0, 0, .otherOperation, task, detail: UInt64(requests.count))
      step(&time)
    }
    for index in requests.indices {
      issue(requests[index], task, &time)
    }
  }

  /// I (with a scheduler) and D, maybe R and a re-issue, then C (in interrupt context).
  private mutating func issue(_ request: Request, _ task: Task, _ time: inout UInt64) {
    var flags = request.flags
    flags.insert(.requestLevel)
    let sector = request.sectors == 0 ? 0 : request.sector
    let kworker = kworkers[Int(task.cpu) % kworkers.count]
    var issuer = task
    if configuration.usesScheduler {
      schedule(time, .insert, sector, request.sectors, flags, task)
      step(&time)
      if random.chance(0.45) {
        issuer = kworker
        time &+= random.between(1_000...40_000)
      }
    }
    schedule(time, .issue, sector, request.sectors, flags, issuer)
    var issued = time
    step(&time)
    if random.chance(configuration.requeueProbability) {
      let requeueTime = issued &+ random.between(2_000...20_000)
      schedule(requeueTime, .requeue, sector, request.sectors, flags, kworker)
      var again = requeueTime &+ random.between(20_000...400_000)
      if random.chance(0.5) {
        schedule(again, .insert, sector, request.sectors, flags, kworker)
        again &+= random.between(500...5_000)
      }
      schedule(again, .issue, sector, request.sectors, flags, kworker)
      issued = again
    }
    complete(sector, request.sectors, flags, after: issued)
  }

  /// C after a latency that grows with the size; on a random CPU, in a random context.
  private mutating func complete(_ sector: UInt64, _ sectors: UInt32, _ flags: BlockFlags, after issued: UInt64) {
    var latency = 12_000 &+ UInt64(sectors) &* 160 &+ random.below(150_000)
    if random.chance(0.01) { latency &+= random.below(6_000_000) }
    let cpu = UInt16(random.below(UInt64(kworkers.count)))
    let roll = random.below(100)
    let context =
      roll < 55 ? idle
      : roll < 80 ? compilers[Int(random.below(UInt64(compilers.count)))]
      : roll < 95 ? readers[Int(random.below(UInt64(readers.count)))] : kworkers[Int(cpu)]
    let error: Int16 = random.chance(configuration.errorProbability) ? -5 : 0
    let time = issued &+ latency
    if sectors >= 16, random.chance(0.003) {
      let first = sectors / 2
      schedule(time, .complete, sector, first, flags, context, cpu: cpu)
      schedule(
        time &+ random.between(1_000...8_000), .complete, sector + UInt64(first), sectors - first, flags, context,
        cpu: cpu, error: error)
    } else {
      schedule(time, .complete, sector, sectors, flags, context, cpu: cpu, error: error)
    }
  }

  /// Requests of other processes: writeback, journal with preflush and FUA, discards, reads.
  private mutating func noiseBurst(at start: UInt64) {
    var time = start
    var plugged = false
    requests.removeAll(keepingCapacity: true)
    let kind = random.below(100)
    let task: Task
    if kind < 35 {
      task = writeback
      let sectors = UInt32(random.between(1...128) * 8)
      nextWrite(sectors, [.write], task, &time, &plugged)
      if random.chance(0.5) { nextWrite(UInt32(random.between(1...64) * 8), [.write], task, &time, &plugged) }
    } else if kind < 55 {
      task = journal
      nextWrite(UInt32(random.between(1...16) * 8), [.write, .sync], task, &time, &plugged)
      unplugAndIssue(task, &time, plugged: plugged)
      // Commit block: a preflush (an empty FWS bio becomes a flush request, FN), then FUA.
      schedule(time, .queue, 0, 0, [.flush, .write, .sync], task)
      step(&time)
      let kworker = kworkers[Int(task.cpu) % kworkers.count]
      time &+= random.between(2_000...30_000)
      let flush: BlockFlags = [.flush, .otherOperation, .requestLevel]
      schedule(time, .issue, 0, 0, flush, kworker)
      complete(0, 0, flush, after: time)
      time &+= random.between(20_000...200_000)
      plugged = false
      requests.removeAll(keepingCapacity: true)
      nextWrite(8, [.write, .fua, .sync], task, &time, &plugged)
    } else if kind < 62 {
      task = trimmer
      let sectors = UInt32(random.between(256...8191) * 8)
      schedule(time, .queue, writeCursor, sectors, [.discard, .sync], task)
      step(&time)
      schedule(time, .getRequest, writeCursor, sectors, [.discard, .sync], task)
      step(&time)
      plug(task, &time, &plugged)
      requests.append(Request(sector: writeCursor, sectors: sectors, flags: [.discard, .sync]))
      writeCursor += UInt64(sectors)
    } else if kind < 85 {
      task = compilers[Int(random.below(UInt64(compilers.count)))]
      let flags: BlockFlags = random.chance(0.3) ? [.read, .meta] : .read
      let sectors = UInt32(random.between(1...32) * 8)
      let sector = 2048 + random.below(1 << 24) * 8
      queueAndGet(sector, sectors, flags, task, &time, &plugged)
    } else {
      task = directReader
      let sector = 4096 + random.below(1 << 26) * 8
      queueAndGet(sector, 128, [.read, .sync], task, &time, &plugged)
    }
    unplugAndIssue(task, &time, plugged: plugged)
  }

  private mutating func queueAndGet(
    _ sector: UInt64, _ sectors: UInt32, _ flags: BlockFlags, _ task: Task, _ time: inout UInt64, _ plugged: inout Bool
  ) {
    schedule(time, .queue, sector, sectors, flags, task)
    step(&time)
    schedule(time, .getRequest, sector, sectors, flags, task)
    step(&time)
    plug(task, &time, &plugged)
    requests.append(Request(sector: sector, sectors: sectors, flags: flags))
  }

  private mutating func nextWrite(
    _ sectors: UInt32, _ flags: BlockFlags, _ task: Task, _ time: inout UInt64, _ plugged: inout Bool
  ) {
    queueAndGet(writeCursor, sectors, flags, task, &time, &plugged)
    writeCursor += UInt64(sectors)
    if writeCursor > (1 << 40) { writeCursor = 1 << 30 }
  }
}
