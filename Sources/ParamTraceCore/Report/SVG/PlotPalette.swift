/// The report's fixed colors (no random colors: the SVG is the same on every run).
public enum PlotPalette {
  /// Load phase (or all operations when phases are unknown).
  public static let load = "#4269d0"
  /// Decode phase.
  public static let decode = "#e8552f"
  /// Logical (file-offset) series next to a physical one.
  public static let logical = "#3ca951"
  /// Extent boundaries.
  public static let extent = "#8a8f98"
  /// Layer boundaries.
  public static let layer = "#a463f2"
  /// Marker lines: decode start, averages, the unconstrained run.
  public static let marker = "#222222"
  /// The thrashing cliff.
  public static let cliff = "#efb118"
  /// Failed runs.
  public static let failed = "#c0392b"
  /// Single runs behind a median line.
  public static let runs = "#9aa7c7"
}
