import Foundation
import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

/// A gpt-oss twin on disk (0.01 scale: 24 layers, 32 experts, 121 MiB): the official reader
/// reads it as paramtrace does, and replay routes as its Core routing says.
@Suite(.serialized) struct MoEReplayTests {
  static let spec: GGUFFileSpec = {
    try! ModelScaling.scaled(ModelCatalog.entry(named: "gpt-oss-20b.MXFP4")!.fileSpec, by: 0.01).0
  }()

  static func writeTwin(_ name: String) throws -> String {
    let path = ReplayTests.temporaryPath("moe-\(name)")
    unlink(path)
    _ = try GGUFTwinWriter.write(spec: spec, layout: try GGUFWriter.layout(spec), to: path, seed: 1, overwrite: false)
    return path
  }

  @Test(.enabled(if: GGUFPython.command != nil || PrivilegedTestGate.required, GGUFPython.skipReason))
  func theOfficialGGUFReaderReadsTheMoETwin() throws {
    _ = try #require(GGUFPython.command, "the gguf Python package is missing: pip install gguf")
    let path = try Self.writeTwin("gguf-py")
    defer { unlink(path) }
    let document = try GGUFPython.tensorTable(path)
    let map = try ReplayTests.readModel(path)
    try GGUFPython.expectSameTensorTable(map, document)
    let tensors = try #require(document["tensors"] as? [[String: Any]])
    #expect(tensors.count == 459)
    #expect(tensors.filter { $0["type"] as? String == "MXFP4" }.count == 72)
  }

  /// The routing replay returns is the one Core computes for the same seed and skew, and the
  /// same run repeats its checksum.
  @Test func replayRoutesAsTheCoreRoutingSays() throws {
    let path = try Self.writeTwin("routing")
    defer { unlink(path) }
    let plan = try ModelReplayPlan(map: try ReplayTests.readModel(path))
    let router = ModelExpertRouter(skew: .zipf(1.2), seed: 9)
    let options = ModelReplayOptions(tokens: 3, promptTokens: 2, threads: 2, seed: 9, readAll: false, router: router)
    let first = try ModelReplay.run(path: path, plan: plan, options: options)
    let second = try ModelReplay.run(path: path, plan: plan, options: options)
    #expect(first.routing == ModelExpertRouting(plan: plan, router: router, promptTokens: 2, tokens: 3))
    #expect(first.routing.choices.count == 5 * 24)
    #expect(first.checksum == second.checksum)
    var uniform = options
    uniform.router = ModelExpertRouter(skew: .uniform, seed: 9)
    #expect(try ModelReplay.run(path: path, plan: plan, options: uniform).routing != first.routing)
  }
}
