import Foundation
import Testing

@testable import ParamTraceCore

@Suite struct FileExtentMapTests {
  /// Three 8-sector extents: file [0, 4096) at sector 1000, [4096, 8192) at sector 1008 (right
  /// after the first on disk), [8192, 12288) at sector 500 (before them).
  static func map(fileSize: UInt64 = 12_288) throws -> FileExtentMap {
    try FileExtentMap(
      extents: [
        FileExtent(logicalOffset: 8192, sector: 500, length: 4096),
        FileExtent(logicalOffset: 0, sector: 1000, length: 4096),
        FileExtent(logicalOffset: 4096, sector: 1008, length: 4096),
      ], fileSize: fileSize)
  }

  @Test func mapsSectorsToFileOffsets() throws {
    let map = try Self.map()
    #expect(map.map(sector: 1002, endSector: 1004) == .init(fileBytes: 1024, logicalStart: 1024, logicalEnd: 2048, extentsTouched: 1))
    #expect(map.map(sector: 500, endSector: 508)?.logicalStart == 8192)
    #expect(map.map(sector: 0, endSector: 500) == nil)
    #expect(map.map(sector: 508, endSector: 1000) == nil)
  }

  @Test func operationAcrossAnExtentBoundaryIsOneLogicalRange() throws {
    let map = try Self.map()
    let mapped = try #require(map.map(sector: 1004, endSector: 1012))
    #expect(mapped.extentsTouched == 2)
    #expect(mapped.fileBytes == 4096)
    #expect(mapped.logicalStart == 2048)
    #expect(mapped.logicalEnd == 6144)
  }

  @Test func partlyOutsideCountsOnlyFileBytes() throws {
    let map = try Self.map()
    #expect(map.map(sector: 996, endSector: 1004)?.fileBytes == 2048)
  }

  @Test func paddingAfterTheEndOfTheFileIsNotFileData() throws {
    let map = try Self.map(fileSize: 10_000)
    #expect(map.map(sector: 500, endSector: 508)?.fileBytes == 10_000 - 8192)
  }

  @Test func overlappingExtentsAreRefused() {
    #expect(throws: ExtentMapError.self) {
      try FileExtentMap(
        extents: [FileExtent(logicalOffset: 0, sector: 0, length: 8192), FileExtent(logicalOffset: 4096, sector: 100, length: 4096)],
        fileSize: 8192)
    }
    #expect(throws: ExtentMapError.self) {
      try FileExtentMap(
        extents: [FileExtent(logicalOffset: 0, sector: 0, length: 8192), FileExtent(logicalOffset: 8192, sector: 8, length: 4096)],
        fileSize: 12_288)
    }
    #expect(throws: ExtentMapError.self) {
      try FileExtentMap(extents: [FileExtent(logicalOffset: 0, sector: 0, length: 0)], fileSize: 0)
    }
  }

  @Test func extentsDocumentRoundTrips() throws {
    var map = try Self.map()
    map.path = "/models/x.gguf"
    map.device = DeviceNumber(major: 259, minor: 1)
    let bytes = ExtentsDocument(map, partitionStartSector: 2048).encoded()
    let back = try ExtentsDocument.decode(bytes, source: "x.json")
    #expect(back == map)
  }

  @Test func fixtureExtentsFilesLoad() throws {
    for name in FixturePaths.all {
      let map = try ExtentsDocument.decode(try FixturePaths.bytes(name, "extents.json"), source: name)
      #expect(map.extents.count == 16)
      #expect(map.fileSize == 134_217_728)
    }
  }

  @Test func damagedExtentsFilesSayWhatIsWrong() {
    for text in ["", "{}", "[1,2]", #"{"format":"x","version":1,"file_size":1,"extents":[]}"#,
                 #"{"format":"paramtrace-extents","version":9,"file_size":1,"extents":[]}"#] {
      #expect(throws: ExtentMapError.self) { try ExtentsDocument.decode(Array(text.utf8), source: "bad.json") }
    }
  }
}
