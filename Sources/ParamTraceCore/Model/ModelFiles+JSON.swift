extension ModelFiles {
  /// The model as `paramtrace model --json` prints it: the first file's header fields as
  /// `ModelMap.json` gives them (the first split carries the model's metadata), `files` with
  /// one entry per file (path, size, where its data starts, its tensors), and every tensor of
  /// every file with its `file`; a tensor's `offset` is in its own file. `total_size`,
  /// `tensor_bytes` and the layer order are the whole model's.
  public var json: JSONValue {
    guard case .object(let members) = first.map.json else { return first.map.json }
    let layout = ModelLayout(self)
    let wholeModel: [String: JSONValue] = [
      "tensor_bytes": .number(parts.reduce(0) { $0 + $1.map.tensorBytes }),
      "layers_in_file_order": .array(layout.layersInFileOrder.map { .number($0) }),
      "layer_order_differs_from_file_order": .bool(layout.fileOrderDiffersFromLayerOrder),
    ]
    var result: [(String, JSONValue)] = []
    for (key, value) in members {
      switch key {
      case "tensors":
        result.append(("tensors", .array(parts.flatMap(Self.tensorsJSON))))
      case "file_size":
        result.append((key, value))
        result.append(("total_size", .number(totalSize)))
        result.append(("files", .array(parts.map(Self.fileJSON))))
      default:
        result.append((key, wholeModel[key] ?? value))
      }
    }
    return .object(result)
  }

  static func fileJSON(_ part: Part) -> JSONValue {
    .object([
      ("path", .string(part.path)), ("file_size", .number(part.map.fileSize)), ("data_start", .number(part.map.dataStart)),
      ("tensor_count", .number(part.map.tensors.count)), ("tensor_bytes", .number(part.map.tensorBytes)),
    ])
  }

  /// The file's tensors as `ModelMap.json` lists them, each with its `file`.
  static func tensorsJSON(_ part: Part) -> [JSONValue] {
    guard case .object(let members) = part.map.json, case .array(let tensors)? = members.first(where: { $0.0 == "tensors" })?.1 else {
      return []
    }
    return tensors.map { tensor in
      guard case .object(var fields) = tensor else { return tensor }
      fields.insert(("file", .string(part.path)), at: 1)
      return .object(fields)
    }
  }
}
