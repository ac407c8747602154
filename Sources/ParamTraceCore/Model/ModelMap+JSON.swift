extension ModelMap {
  /// The map as a deterministic JSON document (`paramtrace model --json`):
  ///
  /// ```json
  /// { "format": "gguf", "version": 2, "byte_order": "little", "file_size": 4081004224,
  ///   "data_start": 741056, "alignment": 32, "shape_order": "ne",
  ///   "metadata": { "llama.block_count": { "type": "UINT32", "value": 32 },
  ///                 "tokenizer.ggml.tokens": { "type": "ARRAY", "element_type": "STRING",
  ///                                            "count": 32000, "first": ["<unk>", …] } },
  ///   "architecture": { "name": "llama", "block_count": 32, … },
  ///   "layer_order_differs_from_file_order": true, "layers_in_file_order": [0, 1, 10, …],
  ///   "tensor_bytes": 4080263168,
  ///   "tensors": [ { "name": "token_embd.weight", "type": "Q4_K", "shape": [4096, 32000],
  ///                  "offset": 741056, "size": 73728000, "layer": null, "experts": null } ] }
  /// ```
  /// Offsets and sizes are bytes. `shape_order` is `ne` (GGUF, innermost first) or `pytorch`
  /// (safetensors, outermost first). Arrays in metadata keep their first
  /// `ModelMetadataArray.keptLimit` elements; floats have six decimals at most.
  public var json: JSONValue {
    var architectureMembers: [(String, JSONValue)] = [("name", architecture.name.map { .string($0) } ?? .null)]
    for field in architecture.fields { architectureMembers.append((field.key, .optional(field.value))) }
    return .object([
      ("format", .string(format.rawValue)),
      ("version", .optional(version)),
      ("byte_order", .string(byteOrder.rawValue)),
      ("file_size", .number(fileSize)),
      ("data_start", .number(dataStart)),
      ("alignment", .optional(alignment)),
      ("shape_order", .string(format == .gguf ? "ne" : "pytorch")),
      ("metadata", .object(metadata.map { ($0.key, Self.json(entry: $0.value)) })),
      ("architecture", .object(architectureMembers)),
      ("layer_order_differs_from_file_order", .bool(layerOrderDiffersFromFileOrder)),
      ("layers_in_file_order", .array(layersInFileOrder.map { .number($0) })),
      ("tensor_bytes", .number(tensorBytes)),
      (
        "tensors",
        .array(
          tensors.map { tensor in
            .object([
              ("name", .string(tensor.name)),
              ("type", .string(tensor.typeName)),
              ("shape", .array(tensor.shape.map { .number($0) })),
              ("offset", .number(tensor.fileOffset)),
              ("size", .number(tensor.byteSize)),
              ("layer", .optional(tensor.layer)),
              ("experts", .optional(tensor.expertCount)),
            ])
          })
      ),
    ])
  }

  /// A metadata entry: `{"type": …, "value": …}`, or for arrays
  /// `{"type": "ARRAY", "element_type": …, "count": …, "first": […]}`.
  static func json(entry value: ModelMetadataValue) -> JSONValue {
    if case .array(let array) = value {
      return .object([
        ("type", .string("ARRAY")), ("element_type", .string(array.elementType.name)), ("count", .number(array.count)),
        ("first", .array(array.first.map(json(element:)))),
      ])
    }
    return .object([("type", .string(value.type.name)), ("value", json(element: value))])
  }

  /// A bare value; nested arrays as `{"element_type", "count", "first"}`.
  static func json(element value: ModelMetadataValue) -> JSONValue {
    switch value {
    case .uint8(let v): .uint(UInt64(v))
    case .int8(let v): .int(Int64(v))
    case .uint16(let v): .uint(UInt64(v))
    case .int16(let v): .int(Int64(v))
    case .uint32(let v): .uint(UInt64(v))
    case .int32(let v): .int(Int64(v))
    case .uint64(let v): .uint(v)
    case .int64(let v): .int(v)
    case .float32(let v): .double(Double(v))
    case .float64(let v): .double(v)
    case .bool(let v): .bool(v)
    case .string(let v): .string(v)
    case .array(let array):
      .object([
        ("element_type", .string(array.elementType.name)), ("count", .number(array.count)),
        ("first", .array(array.first.map(json(element:)))),
      ])
    }
  }
}
