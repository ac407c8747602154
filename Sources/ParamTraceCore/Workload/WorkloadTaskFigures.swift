/// Who read what, by the workload's task tree (`OperationFilter.taskTreeRoots`): every task of
/// the workload with the operations and bytes it owned, and the owners outside it whose
/// operations passed every other rule (they read the same file, but are not the workload).
public struct WorkloadTaskFigures: Sendable {
  public struct OwnerBytes: Sendable, Hashable {
    public var pid: Int32
    public var comm: CommName
    public var operations = 0
    public var bytes: UInt64 = 0
  }

  public var roots: [Int32]
  /// The workload's tasks in order of creation (roots first).
  public var tasks: [WorkloadTaskTree.Task]
  /// Task events the tree was built from; 0 means the trace had none (not recorded, or a
  /// kernel without them) and only the roots could be recognized.
  public var taskEvents: Int
  /// Owners outside the tree, most bytes first.
  public var otherOwners: [OwnerBytes]

  /// Threads and processes the workload created (the roots not counted).
  public var createdTasks: Int { tasks.filter { $0.parent != nil }.count }
  public var processes: Int { tasks.filter { $0.kind == .process }.count }
  public var threads: Int { tasks.filter { $0.kind == .thread }.count }
}

/// Tallies the operations of owners outside the workload, per pid (rare: a dictionary is fine).
struct OtherOwnerTally {
  private var byPid: [Int32: WorkloadTaskFigures.OwnerBytes] = [:]

  mutating func add(pid: Int32, comm: CommName, bytes: UInt64) {
    var entry = byPid[pid] ?? WorkloadTaskFigures.OwnerBytes(pid: pid, comm: comm)
    entry.operations += 1
    entry.bytes &+= bytes
    if entry.comm.isEmpty { entry.comm = comm }
    byPid[pid] = entry
  }

  var sorted: [WorkloadTaskFigures.OwnerBytes] {
    byPid.values.sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.pid < $1.pid }
  }
}
