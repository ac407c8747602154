/// The device bandwidth an I/O-bound ceiling divides by, and where it comes from.
public struct DeviceBandwidth: Sendable, Hashable {
  /// Where the figure was measured.
  public enum Source: String, Sendable, Hashable, CaseIterable {
    /// `paramtrace probe` (kept in the experiment's manifest by `record --probe`): the best
    /// O_DIRECT read rate it measured on the model's file.
    case probe
    /// Given by the user (`analyze --bandwidth`).
    case user
    /// The run's own peak completion bandwidth: what the device delivered at least, a lower
    /// bound of what it can, so the ceiling computed from it is a lower bound too.
    case tracePeak = "trace_peak"
  }

  /// Bytes per second.
  public var bytesPerSecond: Double
  public var source: Source
  /// What the figure is, in words (`probe: sequential 1 MiB reads, queue depth 32`).
  public var detail: String

  public init(bytesPerSecond: Double, source: Source, detail: String) {
    self.bytesPerSecond = bytesPerSecond
    self.source = source
    self.detail = detail
  }

  /// True when the device can deliver more than this (the ceiling is then a lower bound).
  public var isLowerBound: Bool { source == .tracePeak }
}

extension DeviceBandwidth {
  /// Bytes per second from a rate as users write it: `1.5GiB/s`, `800MB/s`, `800MiB` (the
  /// `/s` may be left out), `2000000000`; nil when `text` is not one.
  public static func parseRate(_ text: String) -> Double? {
    var size = Substring(text)
    if size.lowercased().hasSuffix("/s") { size = size.dropLast(2) }
    guard let bytes = ByteSize.parse(String(size)), bytes > 0 else { return nil }
    return Double(bytes)
  }
}
