import Foundation
import Testing

@testable import ParamTraceCore

/// A trace without completions gives a range (docs/metrics.md "Traces without completions"):
/// every dispatch, and the estimate with close repeats merged. Checked on a real capture whose
/// truth is known: the thrash fixture's tracepoints with only their issue lines kept, against the
/// requests the full capture completed.
@Suite struct IssueOnlyTraceTests {
  static func analysis(_ lines: [Substring], window: UInt64 = 20_000_000) throws -> TraceAnalysis {
    var options = AnalysisOptions()
    options.filter.extents = try ExtentsDocument.decode(try FixturePaths.bytes("thrash-memcg48m", "extents.json"), source: "thrash")
    options.reissueWindowNanoseconds = window
    let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
    var source = memoryStream(format: .tracepoint, bytes: bytes, chunkSize: 1 << 16)
    var run = TraceAnalysisRun(options: options)
    var batch = ContiguousArray<BlockEvent>()
    while try source.nextBatch(into: &batch) { run.consume(batch) }
    return run.finish(diagnostics: source.diagnostics)
  }

  @Test func thrashCaptureWithoutCompletionsBracketsTheTruth() throws {
    let text = String(decoding: try FixturePaths.bytes("thrash-memcg48m", "tp.txt"), as: UTF8.self)
    let lines = text.split(separator: "\n")
    let truth = try Self.analysis(lines)
    let issueOnly = try Self.analysis(lines.filter { $0.contains("block_rq_issue:") })
    #expect(!truth.countedAtDispatch)
    #expect(issueOnly.countedAtDispatch)
    let everyDispatch = issueOnly.figures.operations
    let estimate = everyDispatch - issueOnly.figures.repeatedDispatches
    // The full capture completed 301 reads of the file; its 1,268 issue lines hold re-issues
    // after requeues (requeue lines were not recorded) and genuine re-reads alike.
    #expect(truth.figures.operations == 301)
    #expect(everyDispatch >= truth.figures.operations)
    #expect(estimate <= truth.figures.operations)
    #expect(issueOnly.figures.repeatedDispatches > 0)
    #expect(issueOnly.warnings.contains { $0.contains("the true count lies between") })
    let summary = issueOnly.summary(inputDescription: "issue-only")
    #expect(summary.contains("Operations (every dispatch):"))
    #expect(summary.contains("Estimate, repeats merged:"))
  }

  @Test func aWiderWindowMergesMoreAndNeverChangesTheEveryDispatchCount() throws {
    let text = String(decoding: try FixturePaths.bytes("thrash-memcg48m", "tp.txt"), as: UTF8.self)
    let issues = text.split(separator: "\n").filter { $0.contains("block_rq_issue:") }
    let narrow = try Self.analysis(issues, window: 1_000_000)
    let wide = try Self.analysis(issues, window: 100_000_000)
    #expect(narrow.figures.operations == wide.figures.operations)
    #expect(narrow.figures.repeatedDispatches <= wide.figures.repeatedDispatches)
  }
}
