/// How the window behind "peak bandwidth" is chosen (docs/metrics.md "Bandwidth").
///
/// A fixed 1 s window turned short runs into nonsense: a run of 0.62 s has a single window, so
/// its "peak" was its bytes over a whole second, below its own average (the demo printed
/// 1.61 GiB/s average and 0.96 GiB/s peak). Unless the user names a window, it is chosen from
/// the run's length once the run is over.
public enum PeakWindow: Sendable, Hashable {
  /// The user's window (`--window SECONDS`).
  case given(nanoseconds: UInt64)
  /// A tenth of the run (first issue to last completion), at least `shortest` and at most
  /// `longest`, in whole multiples of `shortest`.
  case fromRunLength

  /// The finest window a run-length choice can give: 10 ms.
  public static let shortest: UInt64 = 10_000_000
  /// The widest: 1 s, the window of the notebook's plots.
  public static let longest: UInt64 = 1_000_000_000
  /// The share of the run a chosen window covers.
  public static let runShareDivisor: UInt64 = 10

  /// Why the window is what it is.
  public enum Reason: String, Sendable, Hashable {
    /// `--window`.
    case given
    /// A tenth of the run.
    case tenthOfRun = "tenth_of_run"
    /// The run is shorter than ten of the shortest windows: the shortest.
    case shortest
    /// The run is longer than ten of the widest windows: the widest.
    case longest
  }

  /// The window for a run of `runNanoseconds`, and why.
  public func window(forRun runNanoseconds: UInt64) -> (nanoseconds: UInt64, reason: Reason) {
    switch self {
    case .given(let nanoseconds):
      return (nanoseconds, .given)
    case .fromRunLength:
      let tenth = runNanoseconds / Self.runShareDivisor
      if tenth < Self.shortest { return (Self.shortest, .shortest) }
      if tenth >= Self.longest { return (Self.longest, .longest) }
      // Rounded to the nearest whole 10 ms, so the window is one the bins can make exactly.
      let steps = (tenth + Self.shortest / 2) / Self.shortest
      return (steps * Self.shortest, .tenthOfRun)
    }
  }

  /// The width of the bins `WindowedBytes` starts with: the window itself when given, else the
  /// finest window the choice can give.
  public var initialBinNanoseconds: UInt64 {
    switch self {
    case .given(let nanoseconds): nanoseconds
    case .fromRunLength: Self.shortest
    }
  }
}
