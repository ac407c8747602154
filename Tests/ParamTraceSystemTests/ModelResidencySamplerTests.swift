import Foundation
import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

/// Residency samples of a real file (no root needed): evicted, then half read, each layer's
/// resident bytes follow, with cachestat and with the mincore fallback.
@Suite(.serialized) struct ModelResidencySamplerTests {
  @Test(arguments: [ResidencyTimeline.Method.cachestat, .mincore])
  func samplesFollowWhatIsReadLayerByLayer(method: ResidencyTimeline.Method) throws {
    let path = "/var/tmp/paramtrace-residency-test-\(getpid())-\(method.rawValue).bin"
    let half = 4 << 20
    #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 2 * half)))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let layout = ModelLayout(
      fileSize: UInt64(2 * half), dataStart: 0,
      tensors: [.init(name: "blk.0.w", start: 0, end: UInt64(half), layer: 0), .init(name: "blk.1.w", start: UInt64(half), end: UInt64(2 * half), layer: 1)])
    let sampler = try ModelResidencySampler(paths: [path], layout: layout, intervalSeconds: 0.5, method: method)
    #expect(sampler.timeline.method == method)
    _ = try PageCache.evict(path: path)
    sampler.sample()
    // Read the first layer's bytes only.
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    _ = try handle.read(upToCount: half)
    try handle.close()
    sampler.sample()
    let timeline = sampler.timeline
    #expect(timeline.count == 2)
    #expect(timeline.resident(sample: 0, group: 0) == 0 && timeline.resident(sample: 0, group: 1) == 0)
    #expect(timeline.resident(sample: 1, group: 0) == UInt64(half), "\(timeline.resident(sample: 1, group: 0))")
    #expect(timeline.samplingNanoseconds > 0)
    // Too soon for another sample.
    sampler.sampleIfDue()
    sampler.sampleIfDue()
    #expect(sampler.timeline.count == 3)
  }
}
