/// Where a model's experts are (spec §11): the blocks with stacked-expert tensors
/// (`ffn_{gate,up,down}_exps`, expert `e` the contiguous slice `[e·size/n, (e+1)·size/n)`)
/// and their routers (`ffn_gate_inp`), as arrays indexed by the layout's tensor index so the
/// attribution's hot loop looks nothing up by name or in a dictionary.
public struct ExpertLayout: Sendable, Hashable {
  /// Experts per block (the largest stack in the model; every MoE block has the same).
  public let expertsPerLayer: Int
  /// The blocks with stacked experts, ascending; a block's position here is its slot.
  public let layers: [Int]
  /// Per tensor index: the slot of its block in `layers` when it stacks experts, else -1.
  let expertSlot: [Int32]
  /// Per tensor index: the slot of its block when it is a router (`ffn_gate_inp`), else -1.
  let routerSlot: [Int32]
  /// Per tensor index: bytes of one expert's slice (0 for other tensors).
  let sliceBytes: [UInt64]
  /// Per tensor index: experts it stacks (0 for other tensors).
  let tensorExperts: [Int32]
  /// Per block slot: the slot of each block index, for the timeline's runs (-1: no experts).
  let slotOfLayer: [Int32]

  /// The expert layout of `layout`, nil when no tensor stacks experts.
  public init?(_ layout: ModelLayout) {
    let stacked = layout.tensors.filter { ($0.expertCount ?? 0) > 1 && $0.layer != nil }
    guard !stacked.isEmpty else { return nil }
    let layers = Array(Set(stacked.compactMap(\.layer))).sorted()
    self.layers = layers
    expertsPerLayer = stacked.map { $0.expertCount! }.max()!
    var slotOfLayer = Array(repeating: Int32(-1), count: (layers.last ?? 0) + 1)
    for (slot, layer) in layers.enumerated() { slotOfLayer[layer] = Int32(slot) }
    self.slotOfLayer = slotOfLayer
    var expertSlot = Array(repeating: Int32(-1), count: layout.tensors.count)
    var routerSlot = expertSlot
    var sliceBytes = Array(repeating: UInt64(0), count: layout.tensors.count)
    var tensorExperts = Array(repeating: Int32(0), count: layout.tensors.count)
    for (index, tensor) in layout.tensors.enumerated() {
      guard let layer = tensor.layer, layer < slotOfLayer.count, slotOfLayer[layer] >= 0 else { continue }
      if let experts = tensor.expertCount, experts > 1 {
        expertSlot[index] = slotOfLayer[layer]
        tensorExperts[index] = Int32(experts)
        sliceBytes[index] = max(1, tensor.size / UInt64(experts))
      } else if tensor.name.contains("ffn_gate_inp") {
        routerSlot[index] = slotOfLayer[layer]
      }
    }
    self.expertSlot = expertSlot
    self.routerSlot = routerSlot
    self.sliceBytes = sliceBytes
    self.tensorExperts = tensorExperts
  }

  /// The slot of block `layer` in `layers`, nil when it has no experts.
  @inline(__always)
  func slot(ofLayer layer: Int?) -> Int? {
    guard let layer, layer >= 0, layer < slotOfLayer.count, slotOfLayer[layer] >= 0 else { return nil }
    return Int(slotOfLayer[layer])
  }
}
