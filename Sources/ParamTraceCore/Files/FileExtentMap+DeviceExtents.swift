extension FileExtentMap {
  /// The sector map of a file from its FIEMAP (or `filefrag -v`) extents.
  ///
  /// Every extent goes through `ExtentMappability`: unwritten extents are kept with their
  /// `unwritten` flag, holes are left out, and any extent whose location cannot be trusted
  /// makes the whole map fail with the list of such extents. Sectors are whole-disk sectors:
  /// `partitionStartSector` (512-byte units, from sysfs `start`) is added here, through
  /// `DeviceExtent.wholeDiskSector`. Flags are kept by filefrag name, except `last`.
  public init(
    deviceExtents: [DeviceExtent], fileSize: UInt64, partitionStartSector: UInt64, path: String? = nil,
    device: DeviceNumber? = nil
  ) throws(ExtentMappingError) {
    var mapped: [FileExtent] = []
    var refused: [ExtentMappingError.RefusedExtent] = []
    mapped.reserveCapacity(deviceExtents.count)
    for (index, extent) in deviceExtents.enumerated() {
      switch ExtentMappability.verdict(for: extent) {
      case .notOnDisk:
        continue
      case .unmappable(let problem):
        refused.append(.init(index: index, extent: extent, problem: problem))
      case .exact, .noIOExpected:
        guard extent.physicalOffset / 512 <= UInt64.max - partitionStartSector else {
          throw ExtentMappingError(
            .invalid(ExtentMapError("extent \(index) lies past the largest possible sector; the extents are damaged.")), path: path)
        }
        var flags = extent.flags
        flags.remove(.last)
        mapped.append(
          FileExtent(
            logicalOffset: extent.logicalOffset, sector: extent.wholeDiskSector(partitionStartSector: partitionStartSector),
            length: extent.length, flags: flags.names))
      }
    }
    if !refused.isEmpty { throw ExtentMappingError(.unmappableExtents(refused, of: deviceExtents.count), path: path) }
    do {
      try self.init(extents: mapped, fileSize: fileSize, path: path, device: device)
    } catch {
      throw ExtentMappingError(.invalid(error), path: path)
    }
  }
}
