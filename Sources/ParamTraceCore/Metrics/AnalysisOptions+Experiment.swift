extension AnalysisOptions {
  /// The options an experiment's analysis was made with, as far as its documents tell, so that
  /// reading its trace again (the report's plots, `export`) keeps the same requests: counting
  /// and order from analysis.json; the owner filter from analysis.json (the workload's task
  /// tree, or its pids), else the tasks manifest.json saw; the model file's extents from
  /// manifest.json; the load/decode boundary the analysis used.
  public init(experimentManifest manifest: ParsedJSON, analysis: ParsedJSON?) {
    self.init()
    if let counting = analysis?["counting"]?.string.flatMap(CountingMode.init(rawValue:)) { self.counting = counting }
    if let order = analysis?["order"]?.string.flatMap(OperationOrder.init(rawValue:)) { self.order = order }
    let roots = (analysis?[path: "filter", "task_tree_roots"]?.array ?? []).compactMap(\.int64)
    filter.taskTreeRoots = roots.map { Int32(truncatingIfNeeded: $0) }
    if roots.isEmpty {
      let pids = (analysis?[path: "filter", "pids"]?.array ?? manifest[path: "workload", "tasks"]?.array ?? []).compactMap(\.int64)
      filter.pids = pids.map { Int32(truncatingIfNeeded: $0) }
    }
    filter.extents = TracePlotData.extentMap(manifest)
    if let boundary = analysis?[path: "phases", "boundary_ns"]?.uint64 {
      decodeFromNanoseconds = boundary
      decodeFromSource = analysis?[path: "phases", "source"]?.string
    }
  }
}
