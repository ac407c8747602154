extension GGUFFileSpec {
  /// The model split into several GGUF files as gguf-split `--split-max-size` and gguf-py's
  /// `GGUFWriter(split_max_size:)` write it, so that llama.cpp loads all parts: tensors in
  /// order, a new file started when the next tensor would take the current one's tensor bytes
  /// past `maxTensorBytes` (a file holds at least one tensor); the first file keeps the
  /// metadata, every file gets `split.no` (u16, 0-based), `split.count` (u16) and
  /// `split.tensors.count` (i32). One part (no split keys) when everything fits.
  public func splits(maxTensorBytes: UInt64) -> [GGUFFileSpec] {
    var groups: [[GGUFTensorSpec]] = [[]]
    var groupBytes: UInt64 = 0
    for tensor in tensors {
      if !groups[groups.count - 1].isEmpty, groupBytes + tensor.byteCount > maxTensorBytes {
        groups.append([])
        groupBytes = 0
      }
      groups[groups.count - 1].append(tensor)
      groupBytes += tensor.byteCount
    }
    guard groups.count > 1 else { return [self] }
    return groups.enumerated().map { index, group in
      var part = GGUFFileSpec(version: version, metadata: index == 0 ? metadata : [], tensors: group)
      // Later files keep the alignment, which their tensor offsets depend on.
      if index > 0, let alignment = value("general.alignment") { part.set("general.alignment", alignment) }
      part.set(ModelFiles.SplitKey.number, .uint16(UInt16(index)))
      part.set(ModelFiles.SplitKey.count, .uint16(UInt16(groups.count)))
      part.set(ModelFiles.SplitKey.tensorCount, .int32(Int32(tensors.count)))
      return part
    }
  }
}
