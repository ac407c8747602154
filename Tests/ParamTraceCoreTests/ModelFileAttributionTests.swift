import Testing

@testable import ParamTraceCore

/// Two files laid end to end: extents concatenated, requests split at the file boundary,
/// figures per file.
@Suite struct ModelFileAttributionTests {
  static let parts = [
    ModelLayout.Part(path: "a.gguf", start: 0, size: 10_000, dataStart: 1_000),
    ModelLayout.Part(path: "b.gguf", start: 12_288, size: 5_000, dataStart: 500),
  ]

  @Test func extentsAreShiftedToPageAlignedStartsAndCutAtEachFilesEnd() throws {
    #expect(ModelFiles.starts(ofSizes: [10_000, 5_000, 1]) == [0, 12_288, 20_480])
    let a = try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 1_000, length: 12_288)], fileSize: 10_000, path: "a")
    let b = try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 5_000, length: 8_192)], fileSize: 5_000, path: "b")
    let both = try FileExtentMap(concatenating: [a, b])
    #expect(both.contentSize == 15_000)
    #expect(both.fileSize == 12_288 + 5_000)
    // The tail of a's last block (bytes 10,000–12,287 on disk) belongs to no file.
    #expect(both.map(sector: 1_000, endSector: 1_024)?.fileBytes == 10_000)
    #expect(both.map(sector: 5_000, endSector: 5_008)?.logicalStart == 12_288)
  }

  /// Files on two disks at the same sector numbers: each request maps by its disk, so the
  /// same sector reads a's bytes on one disk and b's on the other, and a third disk reads neither.
  @Test func filesOnTwoDisksKeepTheirSectorsApart() throws {
    let sda = DeviceNumber(major: 8, minor: 0)
    let nvme = DeviceNumber(major: 259, minor: 0)
    let a = try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 100, length: 8192)], fileSize: 8192, path: "a", device: sda)
    let b = try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 100, length: 4096)], fileSize: 4096, path: "b", device: nvme)
    let c = try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 900, length: 4096)], fileSize: 4096, path: "c", device: sda)
    let model = try FileExtentMap(concatenating: [a, b, c])
    #expect(model.devices == [sda, nvme])
    #expect(model.slot(of: sda) == 0 && model.slot(of: nvme) == 1 && model.slot(of: DeviceNumber(major: 8, minor: 16)) == nil)
    #expect(model.map(sector: 100, endSector: 116, slot: 0)?.logicalStart == 0)
    #expect(model.map(sector: 100, endSector: 116, slot: 0)?.fileBytes == 8192)
    #expect(model.map(sector: 100, endSector: 116, slot: 1)?.logicalStart == 8192)
    #expect(model.map(sector: 100, endSector: 116, slot: 1)?.fileBytes == 4096)
    #expect(model.map(sector: 900, endSector: 908, slot: 0)?.logicalStart == 12_288)
    #expect(model.map(sector: 900, endSector: 908, slot: 1) == nil)
    #expect(model.map(sector: 100, endSector: 108, slot: 2) == nil)

    // Through the whole analysis: one read of each file, and one on a disk the model is not on.
    var options = AnalysisOptions()
    options.filter.extents = model
    var run = TraceAnalysisRun(options: options)
    var events = ContiguousArray<BlockEvent>()
    for (index, (device, sector, sectors)) in [(sda, UInt64(100), UInt32(16)), (nvme, 100, 8), (sda, 900, 8), (DeviceNumber(major: 8, minor: 16), 100, 8)].enumerated() {
      let time = UInt64(index) * 1_000_000
      for (action, at) in [(BlockAction.queue, time), (.issue, time + 10), (.complete, time + 100)] {
        events.append(BlockEvent(time: at, sector: sector, sectors: sectors, device: device, pid: 7, action: action, flags: [.read]))
      }
    }
    run.consume(events)
    let analysis = run.finish(diagnostics: TraceDiagnostics())
    #expect(analysis.figures.operations == 3)
    #expect(analysis.figures.bytes == 8192 + 4096 + 4096)
    #expect(analysis.figures.uniqueBytes == 16_384)
  }

  @Test func eachFileCountsItsOwnBytesAndOperationsOnce() {
    let layout = ModelLayout(
      parts: Self.parts,
      tensors: [
        .init(name: "a.0", start: 1_000, end: 10_000, part: 0), .init(name: "b.0", start: 12_788, end: 17_288, part: 1),
      ])
    var files = ModelFileAttribution(layout: layout)
    files.add(pieceStart: 0, pieceEnd: 10_000)
    files.endOperation()
    files.add(pieceStart: 12_288, pieceEnd: 14_000)
    files.add(pieceStart: 14_000, pieceEnd: 17_288)
    files.endOperation()
    files.add(pieceStart: 12_288, pieceEnd: 13_000)
    files.endOperation()
    let rows = files.result()
    #expect(rows.map(\.bytes) == [10_000, 5_000 + 712])
    #expect(rows.map(\.uniqueBytes) == [10_000, 5_000])
    #expect(rows.map(\.operations) == [1, 2])
    #expect(rows.map(\.tensors) == [1, 1])
    #expect(layout.headerBytes(0, 17_288) == 1_000 + 500)
  }

  @Test func everyTensorsBytesLandInItsFileOnce() {
    var attribution = TensorAttribution(
      layout: ModelLayout(
        parts: Self.parts,
        tensors: [.init(name: "a.0", start: 1_000, end: 10_000, part: 0), .init(name: "b.0", start: 12_788, end: 17_288, part: 1)]))
    attribution.add(pieceStart: 0, pieceEnd: 10_000, time: 1)
    attribution.add(pieceStart: 12_288, pieceEnd: 17_288, time: 2)
    attribution.endOperation()
    let figures = attribution.result()
    #expect(figures.tensors.map(\.bytes) == [9_000, 4_500])
    #expect(figures.headerBytes == 1_500)
    #expect(figures.paddingBytes == 0)
  }

  @Test func splitsFollowGGUFSplitsSizeRule() {
    let tensors = (0..<5).map { GGUFTensorSpec(name: "t\($0)", ne: [256, 4], type: GGMLType(id: 0)!) }  // F32, 4 KiB each
    let spec = GGUFFileSpec(metadata: [GGUFMetadataPair("general.architecture", .string("llama"))], tensors: tensors)
    let parts = spec.splits(maxTensorBytes: 8_192)
    #expect(parts.map(\.tensors.count) == [2, 2, 1])
    #expect(parts[0].value("general.architecture") != nil && parts[1].value("general.architecture") == nil)
    #expect(parts[2].value(ModelFiles.SplitKey.number) == .uint16(2))
    #expect(parts.allSatisfy { $0.value(ModelFiles.SplitKey.count) == .uint16(3) && $0.value(ModelFiles.SplitKey.tensorCount) == .int32(5) })
    #expect(spec.splits(maxTensorBytes: 1 << 20) == [spec])
  }
}
