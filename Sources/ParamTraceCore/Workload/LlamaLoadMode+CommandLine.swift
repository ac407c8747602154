extension LlamaLoadMode {
  /// Options of llama.cpp's that choose the load mode and take a value (`-lm dio`, `--load-mode=dio`).
  static let optionsWithValue: Set<String> = ["-lm", "--load-mode"]
  /// Options of llama.cpp's that choose the load mode on their own (the spellings before `--load-mode`).
  static let switches: Set<String> = ["--no-mmap", "--mmap", "--mlock", "-dio", "--direct-io", "-ndio", "--no-direct-io"]

  /// The words that ask llama.cpp for `mode`. `modern`: `--load-mode MODE` (builds since PR
  /// 20834). Otherwise the older switches, which every build since 2023 knows: `auto` and
  /// `mmap` are no switch (those builds' default is mmap), `none` is `--no-mmap`, `mlock` is
  /// `--no-mmap --mlock`, `mmap+mlock` is `--mlock`, `dio` is `-dio`.
  public static func arguments(for mode: String, modern: Bool) -> [String] {
    if modern { return ["--load-mode", mode] }
    switch mode {
    case "none": return ["--no-mmap"]
    case "mlock": return ["--no-mmap", "--mlock"]
    case "mmap+mlock": return ["--mlock"]
    case "dio": return ["-dio"]
    default: return []
    }
  }

  /// `command` asking for `mode` instead of whatever it asked: every load-mode option is
  /// taken out and `mode`'s spelling appended. The spelling is `--load-mode` when the command
  /// already used it (so the build knows it), else the older switches.
  public static func rewrite(_ command: [String], mode: String) -> [String] {
    guard let program = command.first else { return command }
    var kept = [program]
    var modern = false
    var index = 1
    while index < command.count {
      let argument = command[index]
      index += 1
      if optionsWithValue.contains(argument) {
        modern = true
        index += 1  // its value
      } else if argument.hasPrefix("--load-mode=") {
        modern = true
      } else if !switches.contains(argument) {
        kept.append(argument)
      }
    }
    return kept + arguments(for: mode, modern: modern)
  }
}
