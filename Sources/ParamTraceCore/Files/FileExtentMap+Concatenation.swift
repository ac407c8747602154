extension FileExtentMap {
  /// The extents of a model's files laid end to end, as `ModelLayout` lays them (at
  /// `ModelFiles.starts(ofSizes:)`): each file's extents shifted by its start,
  /// so that a sector maps to an offset in the model's address space and everything built on
  /// file offsets works unchanged. Each extent is cut at its file's end, so that the tail of a
  /// file's last block is never taken for the next file's first bytes.
  ///
  /// Files on different disks keep their sectors apart: each extent carries its disk's slot
  /// (`FileExtent.disk`; the first file's disk is slot 0, `otherDevices` the rest in order of
  /// appearance), since the same sector number names different bytes on two disks.
  public init(concatenating files: [FileExtentMap]) throws(ExtentMapError) {
    guard let first = files.first else { throw ExtentMapError("a model needs at least one file.") }
    if files.count == 1 {
      self = first
      return
    }
    let device = first.device
    var others: [DeviceNumber] = []
    var extents: [FileExtent] = []
    let starts = ModelFiles.starts(ofSizes: files.map(\.fileSize))
    for (file, start) in zip(files, starts) {
      var slot: UInt8 = 0
      if let other = file.device, let device, other != device {
        if let known = others.firstIndex(of: other) {
          slot = UInt8(known + 1)
        } else {
          guard others.count < 255 else { throw ExtentMapError("a model's files lie on more than 256 disks; paramtrace maps at most 256.") }
          others.append(other)
          slot = UInt8(others.count)
        }
      } else if file.device == nil, device != nil || !others.isEmpty {
        throw ExtentMapError(
          "\(file.path ?? "a file of the model") has no disk in its extents while \(first.path ?? "the first file") is on \(device.map { "\($0)" } ?? "a known disk"): sectors cannot be told apart. Regenerate the extents with `paramtrace extents`.")
      }
      for extent in file.extents where extent.logicalOffset < file.fileSize {
        var shifted = extent
        shifted.logicalOffset += start
        shifted.length = min(extent.length, file.fileSize - extent.logicalOffset)
        shifted.disk = slot
        extents.append(shifted)
      }
    }
    try self.init(
      extents: extents, fileSize: starts.last! + files.last!.fileSize, path: files.compactMap(\.path).joined(separator: " + "),
      device: device)
    contentSize = files.reduce(0) { $0 + $1.fileSize }
    otherDevices = others
  }
}
