/// What `paramtrace extents` shows: the sector map, where it came from, and how fragmented
/// the file is.
public struct ExtentsReport: Sendable, Hashable {
  /// The extents as whole-disk sectors.
  public var map: FileExtentMap
  /// Where they came from: filesystem, device, partition start, queue settings.
  public var details: FileExtentDetails
  /// How the extents lie on the disk in file order.
  public var fragmentation: FragmentationSummary

  public init(map: FileExtentMap, details: FileExtentDetails) {
    self.map = map
    self.details = details
    self.fragmentation = FragmentationSummary(map)
  }

  /// The extents file that `analyze --extents` reads.
  public var document: ExtentsDocument { ExtentsDocument(map, partitionStartSector: details.partitionStartSector) }

  /// Builds the report of `filefrag -v` text: parse, refuse what cannot be mapped, convert.
  public static func fromFilefrag(
    _ bytes: [UInt8], partitionStartSector: UInt64, disk: DeviceNumber?
  ) throws -> ExtentsReport {
    let listing = try FilefragParser.parse(bytes)
    let map = try listing.extentMap(partitionStartSector: partitionStartSector, device: disk)
    var details = FileExtentDetails(listing, partitionStartSector: partitionStartSector, disk: disk)
    details.notes = ExtentsReport.notes(for: listing.extents)
    return ExtentsReport(map: map, details: details)
  }

  /// Remarks about extents that are mapped but special.
  public static func notes(for extents: [DeviceExtent]) -> [String] {
    var notes: [String] = []
    let unwritten = extents.filter { ExtentMappability.verdict(for: $0) == .noIOExpected }
    if !unwritten.isEmpty {
      let bytes = unwritten.reduce(UInt64(0)) { $0 + $1.length }
      notes.append(
        "\(unwritten.count) unwritten extent(s) (\(HumanUnits.bytes(bytes))): preallocated, never written; reads of them return zeros without disk I/O."
      )
    }
    let holes = extents.filter { ExtentMappability.verdict(for: $0) == .notOnDisk }.count
    if holes > 0 { notes.append("\(holes) hole(s) left out: no data on the disk.") }
    if extents.contains(where: { $0.flags.contains(.shared) }) {
      notes.append("shared extents (reflink or snapshot): other files' reads of the same blocks show up at the same sectors.")
    }
    return notes
  }
}
