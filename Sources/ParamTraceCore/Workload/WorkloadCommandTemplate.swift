/// The workload command of one run of a sweep: the user's command with each axis's value put
/// in. A `{NAME}` placeholder anywhere in an argument (`-t{threads}`, `--load-mode={load_mode}`)
/// is replaced by the value; without one, the load mode is rewritten in llama.cpp's spelling
/// and the threads replace the value of llama.cpp's `-t`/`--threads`. An axis that could not
/// reach the command is refused before the sweep starts (`problem`).
public enum WorkloadCommandTemplate {
  /// `command` for the run with `values` (one per axis of `axes`).
  public static func command(_ command: [String], axes: [SweepAxis], values: [SweepAxisValue]) -> [String] {
    var result = command
    for axis in axes {
      guard let value = values.first(where: { $0.name == axis.name })?.value else { continue }
      if containsPlaceholder(result, axis) {
        result = result.map { $0.replacing(axis.placeholder, with: value) }
        continue
      }
      switch axis.role {
      case .loadMode: result = LlamaLoadMode.rewrite(result, mode: value)
      case .threads: result = replacingThreads(result, with: value)
      case .readAheadKilobytes, .custom: break
      }
    }
    return result
  }

  /// Why `axes` cannot be applied to `command`, with what to do; nil when they can.
  public static func problem(_ command: [String], axes: [SweepAxis]) -> String? {
    for axis in axes where !containsPlaceholder(command, axis) {
      switch axis.role {
      case .custom:
        return "--axis \(axis.name): the workload's command has no \(axis.placeholder), so every value would run the same command. Put \(axis.placeholder) where the value goes."
      case .threads where threadsValueIndex(command) == nil:
        return "--threads: the workload's command has neither {threads} nor llama.cpp's -t/--threads N. Put {threads} where the thread count goes (e.g. -t {threads})."
      case .loadMode, .readAheadKilobytes, .threads: continue
      }
    }
    return nil
  }

  static func containsPlaceholder(_ command: [String], _ axis: SweepAxis) -> Bool {
    command.contains { $0.contains(axis.placeholder) }
  }

  /// The index of the value of the last `-t N` or `--threads N` (`--threads=N`: the argument itself).
  static func threadsValueIndex(_ command: [String]) -> Int? {
    var found: Int?
    for index in command.indices.dropFirst() {
      if command[index] == "-t" || command[index] == "--threads", index + 1 < command.count { found = index + 1 }
      if command[index].hasPrefix("--threads=") { found = index }
    }
    return found
  }

  static func replacingThreads(_ command: [String], with value: String) -> [String] {
    guard let index = threadsValueIndex(command) else { return command }
    var result = command
    result[index] = command[index].hasPrefix("--threads=") ? "--threads=" + value : value
    return result
  }
}
