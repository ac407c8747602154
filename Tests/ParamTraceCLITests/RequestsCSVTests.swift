import Foundation
import Testing

@Suite struct RequestsCSVTests {
  /// One row per counted operation, same count as the JSON, integer cells DuckDB can type.
  @Test func oneRowPerOperation() throws {
    let csv = FileManager.default.temporaryDirectory.appendingPathComponent("paramtrace-ops-\(UUID().uuidString).csv")
    defer { try? FileManager.default.removeItem(at: csv) }
    let result = try runParamtrace([
      "analyze", "Tests/Fixtures/thrash-memcg48m/thrash-memcg48m.tp.txt", "--extents",
      "Tests/Fixtures/thrash-memcg48m/thrash-memcg48m.extents.json", "--json", "--requests-csv", csv.path,
    ])
    #expect(result.status == 0)
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    #expect(rows.first == "issue_ns,complete_ns,device,sector,sectors,bytes,file_bytes,file_offset,rwbs,owner_pid,owner_comm,latency_ns,queue_to_complete_ns,dispatches,error")
    #expect(rows.last == "")
    let body = rows.dropFirst().dropLast()
    #expect(body.count == json["operations"] as? Int)
    var fileBytes = 0
    for row in body {
      let cells = row.split(separator: ",", omittingEmptySubsequences: false)
      #expect(cells.count == 15)
      #expect(UInt64(cells[0]) != nil && UInt64(cells[1]) != nil && UInt64(cells[11]) != nil)
      #expect(cells[2] == "254:0")
      fileBytes += Int(cells[6])!
    }
    #expect(fileBytes == json["bytes"] as? Int)
  }
}
