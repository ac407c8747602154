/// Sizes as users write them on the command line: `4096`, `512KiB`, `3GiB`, `1.5G`, `2GB`.
///
/// K/M/G/T and KiB/MiB/GiB/TiB are binary (as cgroups and `free` count); KB/MB/GB/TB are
/// decimal. Case does not matter.
public enum ByteSize {
  /// The number of bytes, or nil when `text` is not a size.
  public static func parse(_ text: String) -> UInt64? {
    let trimmed = text.trimmingCharacters(in: " ")
    guard let split = trimmed.firstIndex(where: { !($0.isNumber || $0 == ".") }) ?? Optional(trimmed.endIndex) else { return nil }
    let number = trimmed[..<split]
    let unit = trimmed[split...].lowercased().trimmingCharacters(in: " ")
    guard !number.isEmpty, let value = Double(number), value >= 0, value.isFinite else { return nil }
    let multiplier: Double
    switch unit {
    case "", "b": multiplier = 1
    case "k", "kib": multiplier = 1024
    case "m", "mib": multiplier = 1_048_576
    case "g", "gib": multiplier = 1_073_741_824
    case "t", "tib": multiplier = 1_099_511_627_776
    case "kb": multiplier = 1e3
    case "mb": multiplier = 1e6
    case "gb": multiplier = 1e9
    case "tb": multiplier = 1e12
    default: return nil
    }
    let bytes = (value * multiplier).rounded()
    guard bytes < 1.8e19 else { return nil }
    return UInt64(bytes)
  }
}

extension String {
  fileprivate func trimmingCharacters(in set: Character) -> String {
    var start = startIndex
    var end = endIndex
    while start < end, self[start] == set { start = index(after: start) }
    while end > start, self[index(before: end)] == set { end = index(before: end) }
    return String(self[start..<end])
  }
}
