import ParamTraceCore

extension SweepRun {
  /// What `sweep` prints at the end: one line per run, then the cliff, with every budget in
  /// `unit` (the one the user wrote `--budgets` in) so that a budget the sweep added reads as
  /// exactly as the user's own; sweep.json keeps the exact bytes.
  public static func summary(_ runs: [SweepRun], thrashShare: Double, unit: ByteSize.Unit, findCliff: Bool) -> String {
    let written = { (bytes: UInt64) in ByteSize.format(bytes, in: unit) }
    let verdicts = SweepRunner.verdicts(runs, thrashShare: thrashShare)
    let width = max(28, (runs.map(\.directory.count).max() ?? 0) + 2)
    var lines = [HumanUnits.padRight("run", width) + "memory        status     tokens/s   re-read   decode/pass   verdict"]
    for run in runs {
      lines.append(
        HumanUnits.padRight(run.directory, width) + HumanUnits.padRight(run.point.bytes.map(written) ?? "none", 14)
          + HumanUnits.padRight(run.status.rawValue, 11)
          + HumanUnits.pad(run.tokensPerSecond.map { formatFixed($0, 2) } ?? "absent", 8)
          + HumanUnits.pad(run.rereadFactor.map { formatFixed($0, 2) } ?? "n/a", 10)
          + HumanUnits.pad(run.decodeSharePerPass.map { formatFixed($0 * 100, 1) + "%" } ?? "n/a", 14) + "   "
          + (run.point.kind == .none ? "" : (verdicts[run.label] ?? .unknown).words))
    }
    lines.append("decode/pass: bytes the decode phase read / model size / decode passes (prompt pass + eval runs).")
    // One cliff per combination of the other axes, each judged on its own runs.
    for (axes, cliff) in SweepRunner.cliffs(runs, thrashShare: thrashShare) {
      let which = axes.isEmpty ? "Cliff" : "Cliff (\(SweepAxisValue.describe(axes)))"
      if let cliff {
        lines.append(
          "\(which): thrashes at \(ThrashingCliff.describe(cliff.thrashing, bytes: written)); calm at \(ThrashingCliff.describe(cliff.calm, bytes: written)).")
        lines.append("  (\(cliff.ruleDescription).)")
      } else if findCliff {
        lines.append(
          "\(which): not bracketed: no budget thrashes below a larger one that is calm. Add a smaller or a larger budget to --budgets and run the sweep again (finished runs are kept).")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
