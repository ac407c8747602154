/// Counts the bytes read of every expert slice and remembers, per layer-timeline run, which
/// experts were read in it (one bit each), so that once the forward passes are known the
/// experts of each pass are unions over its runs. Memory: one bit set and one counter per run
/// (the timeline keeps at most `LayerTimeline.maximumRuns`), never per event.
struct ExpertTally {
  let experts: ExpertLayout
  /// Bytes per expert slice, flat: tensor `i`'s experts start at `tensorBase[i]`.
  private(set) var sliceBytesRead: [UInt64]
  private let tensorBase: [Int]
  /// Row `r`: the experts read in timeline run `r`.
  private(set) var runSets: ExpertSetTable
  /// Expert bytes read in each timeline run.
  private(set) var runExpertBytes: [UInt64] = []
  /// Router (`ffn_gate_inp`) bytes per expert-layer slot.
  private(set) var routerBytes: [UInt64]
  /// Expert bytes of requests flagged readahead (`RA`), and of all requests.
  private(set) var readaheadBytes: UInt64 = 0
  private(set) var totalBytes: UInt64 = 0

  init(_ experts: ExpertLayout) {
    self.experts = experts
    var base: [Int] = []
    var next = 0
    for count in experts.tensorExperts {
      base.append(next)
      next += Int(count)
    }
    tensorBase = base
    sliceBytesRead = Array(repeating: 0, count: next)
    runSets = ExpertSetTable(experts: experts.expertsPerLayer)
    routerBytes = Array(repeating: 0, count: experts.layers.count)
  }

  /// Adds the bytes `[start, end)` of tensor `index` (which spans `[tensorStart, tensorEnd)`),
  /// read in timeline run `run` (nil once the timeline is full) by a request with or without
  /// the readahead flag.
  @inline(__always)
  mutating func add(tensor index: Int, tensorStart: UInt64, tensorEnd: UInt64, start: UInt64, end: UInt64, run: Int?, readahead: Bool) {
    if experts.routerSlot[index] >= 0 {
      routerBytes[Int(experts.routerSlot[index])] &+= end - start
      return
    }
    guard experts.expertSlot[index] >= 0 else { return }
    let base = tensorBase[index]
    var first = Int.max
    var last = 0
    Self.forEachSlice(
      start: start, end: end, tensorStart: tensorStart, tensorEnd: tensorEnd, slice: experts.sliceBytes[index],
      experts: Int(experts.tensorExperts[index])
    ) { expert, bytes in
      sliceBytesRead[base + expert] &+= bytes
      first = min(first, expert)
      last = expert
    }
    totalBytes &+= end - start
    if readahead { readaheadBytes &+= end - start }
    guard let run, first <= last else { return }
    runSets.ensureRow(run)
    runSets.insert(row: run, experts: first, through: last)
    if runExpertBytes.count <= run { runExpertBytes.append(contentsOf: repeatElement(0, count: run + 1 - runExpertBytes.count)) }
    runExpertBytes[run] &+= end - start
  }

  /// Calls `body(expert, bytes)` for each expert slice that `[start, end)` overlaps, in order;
  /// the last expert also takes the remainder when the size does not divide evenly.
  @inline(__always)
  static func forEachSlice(
    start: UInt64, end: UInt64, tensorStart: UInt64, tensorEnd: UInt64, slice: UInt64, experts: Int,
    _ body: (Int, UInt64) -> Void
  ) {
    var at = start
    while at < end {
      let expert = min(experts - 1, Int((at - tensorStart) / slice))
      let sliceEnd = expert == experts - 1 ? tensorEnd : tensorStart + UInt64(expert + 1) * slice
      let stop = min(end, sliceEnd)
      body(expert, stop - at)
      at = stop
    }
  }

  /// Bytes per expert slice of tensor `index` (empty for tensors without experts).
  func sliceBytes(ofTensor index: Int) -> [UInt64] {
    let count = Int(experts.tensorExperts[index])
    return Array(sliceBytesRead[tensorBase[index]..<tensorBase[index] + count])
  }

  /// The figures, given the timeline, its passes and the unique bytes per expert slice
  /// (flat like `sliceBytesRead`, from the union of everything read).
  func result(
    layout: ModelLayout, runs: [LayerRun], passes: [LayerOrderAnalysis.ForwardPass], uniqueSliceBytes: [UInt64],
    runsTruncated: Bool, expertsUsedPerToken: Int?
  ) -> ExpertFigures {
    let layerCount = experts.layers.count
    var bytes = Array(repeating: Array(repeating: UInt64(0), count: experts.expertsPerLayer), count: layerCount)
    var unique = bytes
    for index in layout.tensors.indices where experts.expertSlot[index] >= 0 {
      let slot = Int(experts.expertSlot[index])
      for expert in 0..<Int(experts.tensorExperts[index]) {
        bytes[slot][expert] &+= sliceBytesRead[tensorBase[index] + expert]
        unique[slot][expert] &+= uniqueSliceBytes[tensorBase[index] + expert]
      }
    }
    var passSets = ExpertSetTable(experts: experts.expertsPerLayer)
    passSets.ensureRow(passes.count * layerCount - 1)
    var passRows: [ExpertFigures.Pass] = []
    for (number, pass) in passes.enumerated() {
      var row = ExpertFigures.Pass(startNanoseconds: pass.startNanoseconds, endNanoseconds: pass.endNanoseconds, bytes: pass.bytes)
      for run in pass.runIndices where run < runs.count {
        guard let slot = experts.slot(ofLayer: runs[run].layer) else { continue }
        if run < runSets.rowCount { passSets.formUnion(row: number * layerCount + slot, with: runSets, row: run) }
        if run < runExpertBytes.count { row.expertBytes &+= runExpertBytes[run] }
      }
      passRows.append(row)
    }
    return ExpertFigures(
      expertsPerLayer: experts.expertsPerLayer, expertsUsedPerToken: expertsUsedPerToken, layers: experts.layers, bytes: bytes,
      uniqueBytes: unique, routerBytes: routerBytes, totalBytes: totalBytes, readaheadBytes: readaheadBytes, passes: passRows,
      passSets: passSets, passesIncomplete: runsTruncated)
  }

  /// Adds `[start, end)` of tensor `index` to `unique`, flat per expert slice like
  /// `sliceBytesRead` (for the unique bytes, from the union's pieces).
  func addUnique(tensor index: Int, tensorStart: UInt64, tensorEnd: UInt64, start: UInt64, end: UInt64, into unique: inout [UInt64]) {
    guard experts.expertSlot[index] >= 0 else { return }
    let base = tensorBase[index]
    Self.forEachSlice(
      start: start, end: end, tensorStart: tensorStart, tensorEnd: tensorEnd, slice: experts.sliceBytes[index],
      experts: Int(experts.tensorExperts[index])
    ) { expert, bytes in unique[base + expert] &+= bytes }
  }

  /// A zeroed array shaped like `sliceBytesRead`, for `addUnique`.
  var emptySliceBytes: [UInt64] { Array(repeating: 0, count: sliceBytesRead.count) }
}
