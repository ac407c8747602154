import Foundation
import Testing

@testable import ParamTraceSystem

@Suite struct FileIOTests {
  @Test func readWholeFileSaysWhichPathIsMissing() {
    #expect {
      try readWholeFile("/nonexistent/paramtrace-test")
    } throws: { error in
      "\(error)".contains("/nonexistent/paramtrace-test") && "\(error)".contains("Check the path")
    }
  }

  @Test func writerAndReaderRoundTrip() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-fileio-\(getpid()).txt").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var writer = try TextFileWriter(path: path)
    try writer.write("héllo\n")
    try writer.close()
    #expect(try readWholeFile(path) == Array("héllo\n".utf8))
  }
}
