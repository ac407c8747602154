import ArgumentParser
import ParamTraceCore

/// `--window SECONDS` of analyze and record: the peak-bandwidth window, or none to let the
/// analysis choose it from the run's length.
enum PeakWindowArgument {
  /// Refuses windows that are not a positive number of seconds, or shorter than a microsecond
  /// (a window of nanoseconds bins each request apart and says nothing about bandwidth).
  static func validate(_ seconds: Double) throws {
    guard seconds.isFinite, seconds >= 1e-6 else {
      throw ValidationError("--window \(seconds): give the peak-bandwidth window in seconds, at least 0.000001 (or leave it out: a tenth of the run is used).")
    }
  }

  /// The rule the analysis takes.
  static func rule(_ seconds: Double?) -> PeakWindow {
    guard let seconds else { return .fromRunLength }
    return .given(nanoseconds: UInt64(seconds * 1e9))
  }
}
