/// pid → task name, as blktrace's PROCESS notes and named events teach it.
///
/// Looked up for nearly every event of a binary trace, where consecutive events often belong
/// to different tasks (several readers, kworkers, interrupts). A small direct-mapped cache in
/// front of the dictionary answers those lookups without hashing; the dictionary is the
/// truth and is touched only when a pid misses the cache or its name changes.
struct ProcessNameTable {
  /// Cache slots: a power of two, indexed by the pid's low bits.
  private static let slotCount = 1024

  private struct Slot {
    var pid: Int32
    var comm: CommName
  }

  private var names: [Int32: CommName] = [:]
  /// Every slot agrees with `names` (a pid not in `names` is cached with the empty name).
  private var slots: [Slot]

  init() {
    // Empty slots say "pid -1 has no name". Only pid -1 maps to the last slot, and it has
    // no name until learned: true. Other slots never see pid -1 looked up.
    slots = Array(repeating: Slot(pid: -1, comm: CommName()), count: Self.slotCount)
  }

  @inline(__always)
  private static func slotIndex(_ pid: Int32) -> Int {
    Int(UInt32(bitPattern: pid) & UInt32(slotCount - 1))
  }

  /// The name last learned for `pid`; empty when none was.
  @inline(__always)
  mutating func name(of pid: Int32) -> CommName {
    let index = Self.slotIndex(pid)
    let cached = slots.withUnsafeBufferPointer { $0[index] }
    if cached.pid == pid { return cached.comm }
    let comm = names[pid] ?? CommName()
    slots[index] = Slot(pid: pid, comm: comm)
    return comm
  }

  /// Records that `pid` is called `comm` from now on.
  @inline(__always)
  mutating func learn(pid: Int32, comm: CommName) {
    let index = Self.slotIndex(pid)
    let known = slots.withUnsafeBufferPointer { $0[index].pid == pid && $0[index].comm == comm }
    if known { return }
    slots[index] = Slot(pid: pid, comm: comm)
    names[pid] = comm
  }
}
