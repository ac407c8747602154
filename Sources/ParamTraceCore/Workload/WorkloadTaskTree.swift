/// The workload's tasks, built from the trace's own task events (docs/metrics.md lesson 9): the root
/// tasks, and every thread and process they or their descendants created, however short-lived,
/// with the names they had.
///
/// Membership is bounded in time, because pids are reused (pid_max is 32,768 on many machines):
/// a task belongs to the workload from its creation (or from the start of the trace, for a
/// root that already ran) until its pid is created again by a task outside the workload. Its
/// exit does not end it: requests it queued may still be in flight. The tree sees the
/// creations of every task on the machine (the events are not filtered), so a reuse is noticed.
///
/// Feed events in time order (`apply`); `member(_:at:)` may be asked for a time earlier than
/// the last event applied (operations come out of request assembly later than their issue).
public struct WorkloadTaskTree: Sendable {
  public enum Kind: String, Sendable, Hashable {
    case process, thread
    /// Created by a fork event only (no `task_newtask` on this kernel), or a root.
    case unknown
  }

  public struct Task: Sendable, Hashable {
    public var pid: Int32
    /// The task that created it; nil for a root.
    public var parent: Int32?
    /// Its thread group (the process it is a thread of), as far as the events tell.
    public var process: Int32
    public var kind: Kind
    /// The names it had, in order (at creation, renames, exec), without repeats.
    public var names: [CommName]
    /// Creation time on the trace's clock; nil for a root that existed before the trace.
    public var createdNanoseconds: UInt64?
    public var exitNanoseconds: UInt64?
    /// When its pid was created again outside the workload: membership ends there.
    public var reusedNanoseconds: UInt64?
    /// Operations and bytes credited to it (`credit`).
    public var operations = 0
    public var bytes: UInt64 = 0
    /// The task id that appeared in the creation event as parent (may be outside the tree).
    var creator: Int32?
    /// Its pid's earlier incarnation in the tree, if any.
    var previous: Int?
  }

  public let roots: [Int32]
  public private(set) var tasks: [Task] = []
  /// Task events applied.
  public private(set) var eventsApplied = 0
  /// The newest incarnation in the tree of each pid.
  private var newest: [Int32: Int] = [:]
  /// Roots whose creation event was seen: a later creation of the same pid is a reuse.
  private var rootsCreated: Set<Int32> = []
  /// The last answer of `member`, since operations of one thread come in runs.
  private var cachedPid: Int32 = -1
  private var cachedIndex = -1
  private var cachedFrom: UInt64 = 0
  private var cachedTo: UInt64 = 0

  /// A tree of `roots` (normally the workload's first pid), each taken to exist from the start
  /// of the trace until its own creation event shows up.
  public init(roots: [Int32]) {
    self.roots = roots
    for root in roots where newest[root] == nil {
      newest[root] = tasks.count
      tasks.append(Task(pid: root, parent: nil, process: root, kind: .unknown, names: []))
    }
  }

  /// Applies one task event (others are ignored).
  public mutating func apply(_ event: BlockEvent) {
    eventsApplied += 1
    let time = event.time
    switch event.action {
    case .taskNew:
      let isThread = event.sector & 0x10000 != 0  // CLONE_THREAD
      created(Int32(truncatingIfNeeded: event.detail), by: event.pid, at: time, kind: isThread ? .thread : .process, name: event.comm)
    case .taskFork:
      created(Int32(truncatingIfNeeded: event.detail), by: event.pid, at: time, kind: .unknown, name: event.comm)
    case .taskExec:
      guard let index = alive(event.pid) else { return }
      addName(event.comm, to: index)
      // A thread that execs takes over its group leader's pid; its own tid ends.
      let oldPid = Int32(truncatingIfNeeded: event.detail)
      if oldPid != event.pid, let old = alive(oldPid), tasks[old].exitNanoseconds == nil { tasks[old].exitNanoseconds = time }
      tasks[index].process = event.pid
    case .taskExit:
      if let index = alive(event.pid), tasks[index].exitNanoseconds == nil { tasks[index].exitNanoseconds = time }
    case .taskRename:
      if let index = alive(event.pid) { addName(event.comm, to: index) }
    default:
      eventsApplied -= 1
    }
  }

  /// The index in `tasks` of the workload task `pid` was at `time`; nil when it was not one.
  @inline(__always)
  public mutating func member(_ pid: Int32, at time: UInt64) -> Int? {
    if pid == cachedPid, time >= cachedFrom, time < cachedTo { return cachedIndex }
    var candidate = newest[pid]
    while let index = candidate {
      let task = tasks[index]
      let from = task.createdNanoseconds ?? 0
      let to = task.reusedNanoseconds ?? UInt64.max
      if time >= from, time < to {
        cachedPid = pid
        cachedIndex = index
        cachedFrom = from
        cachedTo = to
        return index
      }
      if time >= to { return nil }
      candidate = task.previous
    }
    return nil
  }

  /// Counts one operation of `bytes` for the task at `index` (from `member`).
  @inline(__always)
  public mutating func credit(_ index: Int, bytes: UInt64) {
    tasks[index].operations += 1
    tasks[index].bytes &+= bytes
  }

  // MARK: - Events

  private mutating func created(_ child: Int32, by parent: Int32, at time: UInt64, kind: Kind, name: CommName) {
    // task_newtask and sched_process_fork both report one creation: the second only adds.
    if let index = alive(child), tasks[index].creator == parent, tasks[index].exitNanoseconds == nil,
      let created = tasks[index].createdNanoseconds, time >= created
    {
      if kind != .unknown { setKind(kind, of: index) }
      addName(name, to: index)
      return
    }
    if roots.contains(child), !rootsCreated.contains(child), let index = newest[child], tasks[index].parent == nil {
      // The root's own creation (by the recorder, outside the tree): earlier I/O of this pid
      // was another task's.
      rootsCreated.insert(child)
      tasks[index].createdNanoseconds = time
      tasks[index].creator = parent
      if kind != .unknown { tasks[index].kind = kind }
      addName(name, to: index)
      invalidateCache()
      return
    }
    let previous = newest[child]
    if let previous, tasks[previous].reusedNanoseconds == nil {
      tasks[previous].reusedNanoseconds = time  // the pid starts a new life
    }
    invalidateCache()
    guard let parentIndex = member(parent, at: time) else { return }  // created outside the workload
    let process = kind == .thread ? tasks[parentIndex].process : child
    var task = Task(
      pid: child, parent: parent, process: process, kind: kind, names: [], createdNanoseconds: time)
    task.creator = parent
    task.previous = previous
    newest[child] = tasks.count
    tasks.append(task)
    addName(name, to: tasks.count - 1)
    invalidateCache()
  }

  private mutating func setKind(_ kind: Kind, of index: Int) {
    tasks[index].kind = kind
    if kind == .thread, let parent = tasks[index].parent, let parentIndex = newest[parent] {
      tasks[index].process = tasks[parentIndex].process
    } else if kind == .process {
      tasks[index].process = tasks[index].pid
    }
  }

  /// The pid's incarnation in the tree that is still current (not reused).
  private func alive(_ pid: Int32) -> Int? {
    guard let index = newest[pid], tasks[index].reusedNanoseconds == nil else { return nil }
    return index
  }

  private mutating func addName(_ name: CommName, to index: Int) {
    guard !name.isEmpty, tasks[index].names.last != name, tasks[index].names.count < 16 else { return }
    tasks[index].names.append(name)
  }

  private mutating func invalidateCache() { cachedPid = -1 }
}
