import Foundation
import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

/// A twin split as gguf-split --split-max-size splits it: found again from any split, and
/// replayed through one mapping per file with the same plan as the single-file twin.
@Suite(.serialized) struct SplitReplayTests {
  @Test func aSplitTwinIsOneModelAndReplaysLikeTheWholeFile() throws {
    let spec = ReplayTests.smallSpec
    let parts = spec.splits(maxTensorBytes: 5 << 20)
    #expect(parts.count >= 2)
    let prefix = "/var/tmp/paramtrace-split-replay-\(getpid())"
    let paths = parts.indices.map { GGUFSplitName(prefix: prefix, number: $0 + 1, count: parts.count).path }
    defer { for path in paths { unlink(path) } }
    for (part, path) in zip(parts, paths) {
      unlink(path)
      _ = try GGUFTwinWriter.write(spec: part, layout: try GGUFWriter.layout(part), to: path, seed: 7, overwrite: false)
    }
    let files = try ModelFileSet.open(paths[1])
    #expect(files.paths == paths)
    #expect(files.tensorCount == spec.tensors.count)
    #expect(files.parts.flatMap { $0.map.tensors.map(\.name) } == spec.tensors.map(\.name))

    let layout = try GGUFWriter.layout(spec)
    let map = try ModelFileReader.read(fileSize: layout.fileSize) { count in Array(layout.header.prefix(Int(count))) }
    let whole = try ModelReplayPlan(map: map)
    let split = try ModelReplayPlan(files: files)
    #expect(split.steps.map(\.name) == whole.steps.map(\.name))
    #expect(split.bytesPerToken == whole.bytesPerToken)
    let starts = ModelFiles.starts(ofSizes: files.parts.map(\.map.fileSize))
    for step in split.steps {
      let index = starts.lastIndex { $0 <= step.fileOffset }!
      #expect(step.fileOffset + step.byteSize <= starts[index] + files.parts[index].map.fileSize, "\(step.name)")
    }
    let result = try ModelReplay.run(files: paths, plan: split, options: ModelReplayOptions(tokens: 1, threads: 1))
    #expect(result.bytesPerToken == whole.bytesPerToken)
    #expect(result.fileSize == files.totalSize)
  }
}
