/// What was read of a mixture-of-experts model's experts: bytes per layer and expert, and which
/// experts each forward pass read (the passes of the read-order analysis, found robustly under
/// read-around). An expert counts as read in a pass when any byte of its slice in any of the
/// block's expert tensors was read in that pass, also when readahead crossed into it: its bytes
/// stay counted where they are.
public struct ExpertFigures: Sendable, Hashable {
  /// One forward pass, with its expert bytes beside all its bytes.
  public struct Pass: Sendable, Hashable {
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64
    /// Everything the pass read (its timeline runs), experts included.
    public var bytes: UInt64
    /// Bytes of the pass in stacked-expert tensors.
    public var expertBytes: UInt64 = 0
    /// Bytes of the pass outside the expert tensors (attention, norms, routers, embeddings, output).
    public var denseBytes: UInt64 { bytes &- expertBytes }
  }

  /// Experts per block (`count` in the JSON).
  public var expertsPerLayer: Int
  /// `ARCH.expert_used_count`: experts the model routes each token to, when the header says.
  public var expertsUsedPerToken: Int?
  /// The blocks with stacked experts, ascending.
  public var layers: [Int]
  /// Per block (as `layers`), per expert: bytes read from all of the block's expert tensors.
  public var bytes: [[UInt64]]
  /// The same, counting each byte once.
  public var uniqueBytes: [[UInt64]]
  /// Per block: bytes read of its router (`ffn_gate_inp`).
  public var routerBytes: [UInt64]
  /// All bytes read of expert tensors.
  public var totalBytes: UInt64
  /// Of those, bytes of requests flagged readahead (`RA` in RWBS).
  public var readaheadBytes: UInt64
  /// The forward passes, in order.
  public var passes: [Pass]
  /// Row `pass × layers.count + slot`: the experts read in that pass in block `layers[slot]`.
  public var passSets: ExpertSetTable
  /// True when the layer timeline was full before the trace ended: later passes are missing.
  public var passesIncomplete: Bool
  /// Where decode starts (passes from then on are tokens), when the phases are known.
  public var decodeFromNanoseconds: UInt64?

  /// The experts read in `pass` in block `layers[slot]`, ascending.
  public func experts(pass: Int, slot: Int) -> [Int] { passSets.experts(row: pass * layers.count + slot) }

  /// How many experts `pass` read in block `layers[slot]`.
  public func expertCount(pass: Int, slot: Int) -> Int { passSets.count(row: pass * layers.count + slot) }

  /// Bytes of expert tensors read by requests without the readahead flag.
  public var nonReadaheadBytes: UInt64 { totalBytes &- readaheadBytes }

  /// The passes that generated tokens: those from the decode boundary on, or all of them when
  /// the boundary is unknown.
  public var tokenPasses: Range<Int> {
    guard let decodeFromNanoseconds else { return passes.indices }
    let first = passes.firstIndex { $0.startNanoseconds >= decodeFromNanoseconds } ?? passes.count
    return first..<passes.count
  }

  /// The `count` (block, expert) pairs with the most bytes read, most first (ties: lower
  /// block, then lower expert), without those that read nothing.
  public func hottest(_ count: Int) -> [(layer: Int, expert: Int, bytes: UInt64)] {
    var all: [(layer: Int, expert: Int, bytes: UInt64)] = []
    for (slot, row) in bytes.enumerated() {
      for (expert, read) in row.enumerated() where read > 0 { all.append((layers[slot], expert, read)) }
    }
    all.sort { ($0.bytes, -$0.layer, -$0.expert) > ($1.bytes, -$1.layer, -$1.expert) }
    return Array(all.prefix(count))
  }
}
