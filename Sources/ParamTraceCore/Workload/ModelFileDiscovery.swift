/// Finds the model file for `record` and `sweep` without `--model`: on the workload's command
/// line before it runs, else among its mappings (`/proc/PID/maps`) after.
public enum ModelFileDiscovery {
  /// The model the workload's command names, when it names one that `isFile` accepts (a
  /// regular file, relative paths from the working directory): the value of llama.cpp's
  /// `-m`/`--model` (`-m PATH`, `--model PATH`, `--model=PATH`), else the first argument that
  /// ends in `.gguf` or `.safetensors` (`paramtrace replay twin.gguf`). A split GGUF names its
  /// first part: only that file is the model then.
  public static func modelPath(inCommand command: [String], isFile: (String) -> Bool) -> String? {
    if let named = modelFlagValues(inCommand: command).first(where: isFile) { return named }
    return command.dropFirst().first { argument in
      let lower = argument.lowercased()
      return (lower.hasSuffix(".gguf") || lower.hasSuffix(".safetensors")) && isFile(argument)
    }
  }

  /// The values of `-m`/`--model` in the command, in order, whether or not they exist (for an
  /// error that names the path the workload was given).
  public static func modelFlagValues(inCommand command: [String]) -> [String] {
    var values: [String] = []
    let arguments = command.dropFirst()
    for (index, argument) in zip(arguments.indices, arguments) {
      if argument == "-m" || argument == "--model", index + 1 < command.endIndex {
        values.append(command[index + 1])
      } else if argument.hasPrefix("--model=") {
        values.append(String(argument.dropFirst("--model=".count)))
      }
    }
    return values.filter { !$0.isEmpty }
  }

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
