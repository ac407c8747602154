/// A safetensors index (`model.safetensors.index.json`, as transformers' `save_pretrained`
/// writes it): `{"metadata": {"total_size": N}, "weight_map": {"TENSOR": "SHARD", …}}`.
public struct SafetensorsIndex: Sendable, Hashable {
  /// Shard file names (relative to the index's directory), sorted: the order of their bytes in
  /// the model, as `model-00001-of-00002.safetensors` sorts first.
  public var shards: [String]
  /// Tensor name to shard file name.
  public var weightMap: [String: String]
  /// `metadata.total_size` (bytes of all tensors), when given.
  public var totalSize: UInt64?

  /// Parses the index text; `source` names it in errors.
  public init(_ bytes: [UInt8], source: String) throws(ModelFilesError) {
    let parsed = bytes.withUnsafeBytes { buffer in Result { () throws(HeaderJSON.SyntaxError) in try HeaderJSON.parse(buffer) } }
    let json: HeaderJSON
    switch parsed {
    case .success(let value): json = value
    case .failure(let error):
      throw ModelFilesError("\(source): byte \(error.offset): \(error.message). A safetensors index is JSON with a \"weight_map\" object.")
    }
    guard case .object(let members) = json else {
      throw ModelFilesError("\(source): not a JSON object. A safetensors index is {\"metadata\": …, \"weight_map\": {…}}.")
    }
    guard case .object(let entries)? = members.first(where: { $0.key == "weight_map" })?.value else {
      throw ModelFilesError("\(source): no \"weight_map\" object, so it names no shards. Pass the model.safetensors.index.json that came with the shards.")
    }
    var map: [String: String] = [:]
    for entry in entries {
      guard case .string(let shard) = entry.value, !shard.isEmpty, !shard.contains("/") else {
        throw ModelFilesError("\(source): weight_map[\"\(entry.key)\"] is not a shard file name in the index's directory.")
      }
      map[entry.key] = shard
    }
    guard !map.isEmpty else { throw ModelFilesError("\(source): weight_map is empty, so it names no shards.") }
    weightMap = map
    shards = Set(map.values).sorted()
    if case .object(let metadata)? = members.first(where: { $0.key == "metadata" })?.value,
      case .unsignedInteger(let total)? = metadata.first(where: { $0.key == "total_size" })?.value
    {
      totalSize = total
    }
  }

  /// Checks the shards against the index: every tensor the index names is in the shard it names.
  public func checked(_ parts: [ModelFiles.Part], indexPath: String) throws(ModelFilesError) -> ModelFiles {
    for part in parts {
      let shard = part.path.split(separator: "/").last.map(String.init) ?? part.path
      let names = Set(part.map.tensors.map(\.name))
      for (tensor, file) in weightMap.sorted(by: { $0.key < $1.key }) where file == shard && !names.contains(tensor) {
        throw ModelFilesError(
          "\(indexPath): weight_map puts \(tensor) in \(shard), but \(part.path) does not hold it: the index is of another model or the shard was replaced.")
      }
    }
    return ModelFiles(kind: .safetensorsIndex(indexPath: indexPath), parts: parts)
  }
}
