/// The `--requests-csv` rows: one per operation, integer nanoseconds and bytes, snake_case
/// headers with units, empty cells for unknown values, so DuckDB's read_csv loads it as is.
public enum OperationCSV {
  public static let header =
    "issue_ns,complete_ns,device,sector,sectors,bytes,file_bytes,file_offset,rwbs,owner_pid,owner_comm,latency_ns,queue_to_complete_ns,dispatches,error\n"

  /// Appends one row for `item` to `out`.
  public static func appendRow(_ item: AccessAnalyzer.Accepted, to out: inout String) {
    let op = item.operation
    out += cell(op.issueOrderTime == BlockOperation.noTime ? nil : op.issueOrderTime)
    out += ","
    out += cell(op.completeTime == BlockOperation.noTime ? nil : op.completeTime)
    out += ",\(op.device.major):\(op.device.minor),\(op.sector),\(op.sectors),\(op.bytes),\(item.countedBytes),"
    out += cell(item.mapping?.logicalStart)
    out += ",\(RWBS.format(op.flags)),"
    out += op.ownerPid >= 0 ? String(op.ownerPid) : ""
    out += ","
    out += quoted(op.ownerComm.description)
    out += ","
    out += cell(op.issueToCompleteNanoseconds)
    out += ","
    out += cell(op.queueToCompleteNanoseconds)
    out += ",\(op.dispatches),\(op.error)\n"
  }

  private static func cell(_ value: UInt64?) -> String { value.map { String($0) } ?? "" }

  /// Task names can hold commas and quotes; quote them as RFC 4180 says.
  private static func quoted(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
