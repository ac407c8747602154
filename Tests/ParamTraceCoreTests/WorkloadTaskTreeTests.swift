import Foundation
import Testing

@testable import ParamTraceCore

/// The workload's task tree from task events: threads, children, grandchildren, pid reuse,
/// and the owner filter it gives an analysis (docs/metrics.md lesson 9).
@Suite struct WorkloadTaskTreeTests {
  func task(_ action: BlockAction, _ time: UInt64, pid: Int32, other: Int32 = 0, flags: UInt64 = 0, comm: String = "") -> BlockEvent {
    BlockEvent(
      time: time, sector: flags, sectors: 0, device: DeviceNumber(raw: 0), pid: pid, action: action, flags: [],
      comm: CommName(comm), detail: UInt64(other))
  }

  @Test func threadsChildrenAndGrandchildrenJoinFromTheirCreation() {
    var tree = WorkloadTaskTree(roots: [100])
    #expect(tree.member(100, at: 5) == 0, "a root is taken to exist from the start")
    // The root's own creation by the recorder (outside the tree).
    tree.apply(task(.taskNew, 10, pid: 50, other: 100, flags: 0x1200000, comm: "paramtrace"))
    tree.apply(task(.taskFork, 11, pid: 50, other: 100, comm: "paramtrace"))
    #expect(tree.member(100, at: 5) == nil, "before its creation pid 100 was another task")
    tree.apply(task(.taskRename, 12, pid: 100, comm: "llama-cli"))
    tree.apply(task(.taskNew, 20, pid: 100, other: 101, flags: 0x3d0f00, comm: "llama-cli"))  // a thread
    tree.apply(task(.taskFork, 20, pid: 100, other: 101, comm: "llama-cli"))
    tree.apply(task(.taskNew, 30, pid: 101, other: 102, flags: 0x1200000, comm: "llama-cli"))  // its child process
    tree.apply(task(.taskFork, 30, pid: 101, other: 102, comm: "llama-cli"))
    tree.apply(task(.taskExec, 31, pid: 102, other: 102, comm: "sh"))
    tree.apply(task(.taskFork, 40, pid: 102, other: 103, comm: "sh"))  // no newtask: kind unknown
    tree.apply(task(.taskExit, 41, pid: 103, comm: "sh"))
    tree.apply(task(.taskFork, 42, pid: 999, other: 104, comm: "cron"))  // not ours
    #expect(tree.tasks.count == 4)
    let byPid = Dictionary(uniqueKeysWithValues: tree.tasks.map { ($0.pid, $0) })
    #expect(byPid[100]!.names == [CommName("paramtrace"), CommName("llama-cli")])
    #expect(byPid[101]!.kind == .thread && byPid[101]!.process == 100 && byPid[101]!.parent == 100)
    #expect(byPid[102]!.kind == .process && byPid[102]!.process == 102 && byPid[102]!.names.last == CommName("sh"))
    #expect(byPid[103]!.kind == .unknown && byPid[103]!.exitNanoseconds == 41)
    #expect(tree.member(101, at: 19) == nil && tree.member(101, at: 20) != nil)
    #expect(tree.member(103, at: 1_000) != nil, "an exit does not end membership: its requests may be in flight")
    #expect(tree.member(104, at: 50) == nil)
  }

  @Test func aReusedPidStopsBelongingAndMayBelongAgain() {
    var tree = WorkloadTaskTree(roots: [1])
    tree.apply(task(.taskFork, 10, pid: 1, other: 7))
    tree.apply(task(.taskExit, 20, pid: 7))
    tree.apply(task(.taskFork, 30, pid: 555, other: 7))  // pid 7 reused outside the workload
    #expect(tree.member(7, at: 25) != nil)
    #expect(tree.member(7, at: 35) == nil)
    tree.apply(task(.taskFork, 40, pid: 1, other: 7))  // and again by the workload
    let second = tree.member(7, at: 45)
    #expect(second != nil && second != tree.member(7, at: 25), "two incarnations, told apart by time")
    #expect(tree.member(7, at: 35) == nil)
    tree.credit(second!, bytes: 4096)
    #expect(tree.tasks[second!].bytes == 4096 && tree.tasks[second!].operations == 1)
  }

  @Test func aThreadThatExecsTakesOverTheLeadersPid() {
    var tree = WorkloadTaskTree(roots: [10])
    tree.apply(task(.taskNew, 1, pid: 10, other: 11, flags: 0x10000))
    tree.apply(task(.taskExec, 5, pid: 10, other: 11, comm: "next"))
    let thread = tree.tasks.first { $0.pid == 11 }!
    #expect(thread.exitNanoseconds == 5)
    #expect(tree.tasks.first { $0.pid == 10 }!.names == [CommName("next")])
  }

  /// Real recordings (Tests/Fixtures/tasks/README.md): polling /proc saw only the root of the
  /// two-thread reader and only one of the two children of the shell; the tree sees all.
  @Test(arguments: [("two-threads", Int32(7715), [Int32(7717), 7718]), ("fork-head-tail", Int32(7798), [Int32(7800), 7801])])
  func realRecordingsAttributeEveryByteToTheWorkload(name: String, root: Int32, readers: [Int32]) throws {
    let directory = FixturePaths.root.appendingPathComponent("tasks")
    let trace = Array(try Data(contentsOf: directory.appendingPathComponent("\(name).tp.txt")))
    let extents = try ExtentsDocument.decode(
      Array(try Data(contentsOf: directory.appendingPathComponent("model.extents.json"))), source: "model.extents.json")
    var options = AnalysisOptions()
    options.filter.extents = extents
    options.filter.taskTreeRoots = [root]
    for chunk in [1 << 10, 1 << 16] {
      var source = memoryStream(format: .tracepoint, bytes: trace, chunkSize: chunk)
      var run = TraceAnalysisRun(options: options)
      var batch = ContiguousArray<BlockEvent>()
      while try source.nextBatch(into: &batch) { run.consume(batch) }
      let analysis = run.finish(diagnostics: source.diagnostics)
      #expect(analysis.diagnostics.malformed == 0)
      #expect(analysis.figures.bytes == 100_663_296, "every byte of the file, read once")
      #expect(analysis.figures.uniqueBytes == 100_663_296)
      #expect(analysis.figures.rejected[.owner] == nil || analysis.figures.rejected[.owner] == 0)
      let tasks = try #require(analysis.tasks)
      #expect(tasks.taskEvents > 0)
      #expect(Set(tasks.tasks.map(\.pid)) == Set([root] + readers))
      #expect(tasks.tasks.filter { readers.contains($0.pid) }.allSatisfy { $0.bytes > 0 })
      #expect(tasks.tasks.reduce(0) { $0 + $1.bytes } == 100_663_296)
      #expect(tasks.otherOwners.isEmpty)
    }
    // The polling way, with only the pids /proc saw, misses bytes.
    options.filter.taskTreeRoots = []
    options.filter.pids = name == "two-threads" ? [root] : [root, readers[0]]
    var source = memoryStream(format: .tracepoint, bytes: trace, chunkSize: 1 << 16)
    var run = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { run.consume(batch) }
    #expect(run.finish(diagnostics: source.diagnostics).figures.bytes < 100_663_296 * 6 / 10)
  }

  @Test func aTraceWithoutTaskEventsSaysOnlyTheRootsCount() throws {
    var options = AnalysisOptions()
    options.filter.taskTreeRoots = [15922]
    let form = FixtureFiguresTests.Form(fixture: "tiny-direct", files: ["tp.txt"], format: .tracepoint, metrics: "tp")
    let analysis = try analyze(form, options: options)
    #expect(analysis.tasks?.taskEvents == 0)
    #expect(analysis.warnings.contains { $0.contains("no task events") })
    // The root's own operations still count, as with --pid.
    var byPid = AnalysisOptions()
    byPid.filter.pids = [15922]
    let expected = try analyze(form, options: byPid).figures.operations
    #expect(expected > 0 && analysis.figures.operations == expected)
  }
}
