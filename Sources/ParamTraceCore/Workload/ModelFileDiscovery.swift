/// Finds model files among a process's mappings (`/proc/PID/maps`), for `record` without
/// `--model`.
public enum ModelFileDiscovery {
  /// Paths of mapped files that are model weights: `.gguf`, `.safetensors`, `.bin`/`.pt`
  /// weights, in first-mapped order, without duplicates.
  public static func modelPaths(inMaps maps: String) -> [String] {
    var seen = Set<String>()
    var paths: [String] = []
    for line in maps.split(separator: "\n") {
      // address perms offset dev inode pathname; the path may contain spaces.
      let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
      guard fields.count == 6 else { continue }
      let path = String(fields[5].drop { $0 == " " })
      guard path.hasPrefix("/"), !path.hasSuffix(" (deleted)") else { continue }
      let lower = path.lowercased()
      guard lower.hasSuffix(".gguf") || lower.hasSuffix(".safetensors") || lower.hasSuffix(".ggml") else { continue }
      if seen.insert(path).inserted { paths.append(path) }
    }
    return paths
  }
}
