import Testing

@testable import ParamTraceCore

@Suite struct FioIologWriterTests {
  static let disk = DeviceNumber(major: 254, minor: 0)

  /// A read of `sectors` at `sector`, issued at `issue` ns.
  static func read(_ sector: UInt64, _ sectors: UInt32, at issue: UInt64, device: DeviceNumber = disk) -> AccessAnalyzer.Accepted {
    let operation = BlockOperation(
      device: device, sector: sector, sectors: sectors, flags: .read, ownerPid: 7, ownerComm: CommName("llama"),
      firstIssueTime: issue, lastIssueTime: issue, completeTime: issue + 50_000, dispatches: 1)
    return AccessAnalyzer.Accepted(operation: operation, countedBytes: operation.bytes, mapping: nil)
  }

  static func log(_ writer: FioIologWriter) -> String { String(decoding: writer.out.bytes, as: UTF8.self) }

  /// A 24 KiB file in three 8 KiB extents: file [0, 8K) at sector 1000, [8K, 16K) at sector
  /// 500, [16K, 24K) at sector 1016 (right after the first one on the disk).
  static func fragmentedFile() throws -> FileExtentMap {
    try FileExtentMap(
      extents: [
        FileExtent(logicalOffset: 0, sector: 1000, length: 8192), FileExtent(logicalOffset: 8192, sector: 500, length: 8192),
        FileExtent(logicalOffset: 16384, sector: 1016, length: 8192),
      ], fileSize: 24576, path: "model.gguf", device: disk)
  }

  @Test func readsAreFileOffsetsWithMicrosecondsFromTheFirstIssue() throws {
    let extents = try Self.fragmentedFile()
    var writer = FioIologWriter(.files([.init(path: "/copy/model.gguf", start: 0, size: 24576)], extents))
    writer.begin()
    writer.add(Self.read(500, 16, at: 5_000_000_000))  // file [8K, 16K)
    // Disk-contiguous over two extents that are not contiguous in the file: two reads.
    writer.add(Self.read(1000, 32, at: 5_000_250_999))
    // Issued "earlier" than the one before (out of order): the delay never goes negative.
    writer.add(Self.read(1000, 8, at: 5_000_100_000))
    writer.finish()
    #expect(
      Self.log(writer) == """
        fio version 3 iolog
        0 /copy/model.gguf add
        0 /copy/model.gguf open
        0 /copy/model.gguf read 8192 8192
        250 /copy/model.gguf read 0 8192
        250 /copy/model.gguf read 16384 8192
        250 /copy/model.gguf read 0 4096
        250 /copy/model.gguf close

        """)
    #expect(writer.reads == 4)
    #expect(writer.bytes == 8192 * 3 + 4096)
  }

  /// Two files laid end to end (the second from the next page): each read names its file and
  /// an offset inside it, cut at the file's end.
  @Test func modelInSeveralFilesReadsEachFile() throws {
    let first = try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 100, length: 8192)], fileSize: 6000, path: "m-00001-of-00002.gguf")
    let second = try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 200, length: 8192)], fileSize: 5000, path: "m-00002-of-00002.gguf")
    let extents = try FileExtentMap(concatenating: [first, second])
    let starts = ModelFiles.starts(ofSizes: [6000, 5000])
    var writer = FioIologWriter(
      .files([.init(path: "a.gguf", start: starts[0], size: 6000), .init(path: "b.gguf", start: starts[1], size: 5000)], extents))
    writer.begin()
    writer.add(Self.read(100, 16, at: 1_000))
    writer.add(Self.read(202, 8, at: 3_001_000))
    writer.finish()
    #expect(
      Self.log(writer) == """
        fio version 3 iolog
        0 a.gguf add
        0 a.gguf open
        0 b.gguf add
        0 b.gguf open
        0 a.gguf read 0 6000
        3000 b.gguf read 1024 3976
        3000 a.gguf close
        3000 b.gguf close

        """)
  }

  @Test func physicalReadsAreWholeRequestsAtDiskOffsets() {
    var writer = FioIologWriter(.devices { $0 == Self.disk ? "/dev/vda" : "/dev/other" })
    writer.begin()
    writer.add(Self.read(2048, 8, at: 10_000))
    writer.add(Self.read(4096, 256, at: 1_010_000, device: DeviceNumber(major: 259, minor: 0)))
    writer.finish()
    #expect(
      Self.log(writer) == """
        fio version 3 iolog
        0 /dev/vda add
        0 /dev/vda open
        0 /dev/vda read 1048576 4096
        1000 /dev/other add
        1000 /dev/other open
        1000 /dev/other read 2097152 131072
        1000 /dev/vda close
        1000 /dev/other close

        """)
  }

  @Test func namesFioCannotReadAreRefused() {
    #expect(FioIologWriter.problem(withPath: "/models/llama 2.gguf")?.contains("white space") == true)
    #expect(FioIologWriter.problem(withPath: String(repeating: "a", count: 256))?.contains("255 bytes") == true)
    #expect(FioIologWriter.problem(withPath: "/models/llama-2.gguf") == nil)
  }
}
