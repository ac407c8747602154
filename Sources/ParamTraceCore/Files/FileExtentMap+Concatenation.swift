extension FileExtentMap {
  /// The extents of a model's files laid end to end, as `ModelLayout` lays them (at
  /// `ModelFiles.starts(ofSizes:)`): each file's extents shifted by its start,
  /// so that a sector maps to an offset in the model's address space and everything built on
  /// file offsets works unchanged. Each extent is cut at its file's end, so that the tail of a
  /// file's last block is never taken for the next file's first bytes.
  ///
  /// All files must lie on one disk: sector numbers of different disks name different bytes.
  public init(concatenating files: [FileExtentMap]) throws(ExtentMapError) {
    guard let first = files.first else { throw ExtentMapError("a model needs at least one file.") }
    if files.count == 1 {
      self = first
      return
    }
    let device = first.device
    var extents: [FileExtent] = []
    let starts = ModelFiles.starts(ofSizes: files.map(\.fileSize))
    for (file, start) in zip(files, starts) {
      if let other = file.device, let device, other != device {
        throw ExtentMapError(
          "\(file.path ?? "a file of the model") is on disk \(other) but \(first.path ?? "the first file") on \(device): a trace's sectors name bytes of one disk, so the files of a model must be on one disk to be told apart. Move them onto one disk.")
      }
      for extent in file.extents where extent.logicalOffset < file.fileSize {
        var shifted = extent
        shifted.logicalOffset += start
        shifted.length = min(extent.length, file.fileSize - extent.logicalOffset)
        extents.append(shifted)
      }
    }
    try self.init(
      extents: extents, fileSize: starts.last! + files.last!.fileSize, path: files.compactMap(\.path).joined(separator: " + "),
      device: device)
    contentSize = files.reduce(0) { $0 + $1.fileSize }
  }
}
