import Testing

@testable import ParamTraceCore

/// The scheduler's task events in tracefs text (spec §12), as this machine prints them.
@Suite struct TaskEventTextTests {
  func decode(_ text: String) throws -> (events: [BlockEvent], diagnostics: TraceDiagnostics) {
    var decoder = TracepointTextDecoder(options: DecoderOptions(sourceName: "test"))
    var events = ContiguousArray<BlockEvent>()
    var bytes = Array(text.utf8)
    _ = try bytes.withUnsafeMutableBytes { try decoder.decode(UnsafeRawBufferPointer($0), atEnd: true, into: &events) }
    bytes.removeAll()
    return (Array(events), decoder.diagnostics)
  }

  @Test func everyTaskEventBecomesATaskAction() throws {
    let (events, diagnostics) = try decode(
      """
                  bash-3667    [000] .....   178.993833: task_newtask: pid=3670 comm=bash clone_flags=1200000 oom_score_adj=0
                  bash-3667    [000] .....   178.993853: sched_process_fork: comm=bash pid=3667 child_comm=bash child_pid=3670
                    sh-3670    [000] .....   178.994227: task_rename: pid=3670 oldcomm=bash newcomm=sh oom_score_adj=0
                    sh-3670    [000] .....   178.994344: sched_process_exec: filename=/usr/bin/sh pid=3670 old_pid=3670
                    sh-3670    [001] .....   179.000372: task_newtask: pid=3672 comm=sh clone_flags=3d0f00 oom_score_adj=0
                  head-3671    [000] .....   179.000993: sched_process_exit: comm=head pid=3671 prio=120 group_dead=true

      """)
    #expect(diagnostics.malformed == 0)
    #expect(events.map(\.action) == [.taskNew, .taskFork, .taskRename, .taskExec, .taskNew, .taskExit])
    // newtask: the prefix's task is the parent; the new pid in detail, clone flags in sector.
    #expect(events[0].pid == 3667 && events[0].detail == 3670 && events[0].sector == 0x1200000 && events[0].comm == CommName("bash"))
    #expect(events[4].sector & 0x10000 != 0, "CLONE_THREAD in 3d0f00")
    #expect(events[1].pid == 3667 && events[1].detail == 3670)
    #expect(events[2].pid == 3670 && events[2].comm == CommName("sh"))
    #expect(events[3].pid == 3670 && events[3].detail == 3670 && events[3].comm == CommName("sh"))
    #expect(events[5].pid == 3671 && events[5].comm == CommName("head") && events[5].detail == 1)
    #expect(events[0].time == 178_993_833_000 && events[5].cpu == 0 && events[4].cpu == 1)
    #expect(events.allSatisfy { $0.sectors == 0 && $0.action.isTaskEvent })
  }

  @Test func namesWithBlanksAndEqualSignsAreKept() throws {
    let (events, diagnostics) = try decode(
      """
        python3-9000 [001] ..... 5.000001: sched_process_fork: comm=Thread-1 (w=2) pid=9000 child_comm=Thread-1 (w=2) child_pid=9001
        python3-9000 [001] ..... 5.000002: task_rename: pid=9001 oldcomm=python3 newcomm=my pid=worker oom_score_adj=0
        python3-9000 [001] ..... 5.000003: sched_process_exit: comm=a b pid=9001 prio=120
        python3-9000 [001] ..... 5.000004: sched_process_exec: filename=/opt/very long/llama-completion-binary pid=9002 old_pid=9003

      """)
    #expect(diagnostics.malformed == 0)
    #expect(events[0].pid == 9000 && events[0].detail == 9001 && events[0].comm == CommName("Thread-1 (w=2)"))
    #expect(events[1].pid == 9001 && events[1].comm == CommName("my pid=worker"))
    // Older kernels print no group_dead.
    #expect(events[2].pid == 9001 && events[2].comm == CommName("a b") && events[2].detail == 0)
    // After exec the name is the file's base name, cut to 15 bytes as the kernel does.
    #expect(events[3].pid == 9002 && events[3].detail == 9003 && events[3].comm == CommName("llama-completio"))
  }

  @Test func brokenTaskLinesAreCountedAsMalformed() throws {
    let (events, diagnostics) = try decode(
      """
        sh-1 [000] ..... 1.000000: sched_process_fork: comm=sh pid=x child_comm=sh child_pid=2
        sh-1 [000] ..... 1.000000: task_newtask: pid=2 comm=sh clone_flags=zz oom_score_adj=0
        sh-1 [000] ..... 1.000000: sched_process_exit: pid=2

      """)
    #expect(events.isEmpty)
    #expect(diagnostics.malformed == 3)
  }

  @Test func taskEventsAreNotRequestsOrSizedLines() throws {
    let (events, _) = try decode(
      """
        sh-1 [000] ..... 1.000000: sched_process_fork: comm=sh pid=1 child_comm=sh child_pid=2
                dd-2   [000] .....     1.000100: block_rq_issue: 254,0 RS 4096 () 100 + 8 be,0,4 [dd]
            <idle>-0   [000] ..s..     1.000200: block_rq_complete: 254,0 RS () 100 + 8 be,0,4 [0]

      """)
    var assembler = RequestAssembler()
    var operations = ContiguousArray<BlockOperation>()
    assembler.consume(ContiguousArray(events), into: &operations)
    assembler.finish(into: &operations)
    #expect(operations.count == 1)
    #expect(assembler.counters.sizedLines == 2)
    #expect(assembler.counters.actionCounts[.taskFork] == 1)
    #expect(assembler.takeTaskEvents().map(\.action) == [.taskFork])
    #expect(assembler.taskEvents.isEmpty)
  }
}
