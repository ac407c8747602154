import ArgumentParser

@main
struct ParamTrace: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "paramtrace",
    abstract: "Record and explain how LLM inference reads its weights from storage (block-layer traces).",
    discussion: """
      Each command's reference, with a real output and how to read it, is in docs/<command>.md of the repository; every figure is defined in docs/metrics.md.

      EXAMPLES:
        paramtrace analyze run.blktrace.0 run.blktrace.1 --extents model.extents.json
        paramtrace analyze trace.txt --pid 4242 --json
        blkparse -i run -o - | paramtrace analyze - --format blkparse
      """,
    version: ParamTraceVersion.current,
    subcommands: [AnalyzeCommand.self, ProbeCommand.self, ModelCommand.self, ExtentsCommand.self, RecordCommand.self, SweepCommand.self, DemoCommand.self, LockMemoryCommand.self, SynthCommand.self, ReplayCommand.self, ReportCommand.self, ExportCommand.self]
  )
}

/// The tool's version, written into every JSON output.
enum ParamTraceVersion {
  static let current = "0.1.0"
}
