/// One axis of a sweep besides memory: a name and the values it takes. `sweep` runs the grid
/// of every axis (memory included) × repetitions; each run's workload command gets the axis's
/// value through a `{NAME}` placeholder, or, for the built-in axes, the way the axis knows
/// (`WorkloadCommandTemplate`).
public struct SweepAxis: Sendable, Hashable {
  /// What the axis changes, which decides how its value reaches the run.
  public enum Role: Sendable, Hashable {
    /// llama.cpp's load mode (`--load-modes`): `{load_mode}`, else the command is rewritten
    /// with llama.cpp's own spelling (`LlamaLoadMode.arguments(for:modern:)`).
    case loadMode
    /// The model disk's `queue/read_ahead_kb` for the run (`--read-ahead-kb`), set by record
    /// and restored after it; `{read_ahead_kb}` in the command gets the value too.
    case readAheadKilobytes
    /// Threads (`--threads`): `{threads}`, else llama.cpp's `-t`/`--threads` value is replaced.
    case threads
    /// Any other axis (`--axis NAME=V1,V2`): `{NAME}` in the command, nothing else.
    case custom
  }

  /// Names of the built-in axes, as placeholders and column headers.
  public static let loadModeName = "load_mode"
  public static let readAheadName = "read_ahead_kb"
  public static let threadsName = "threads"

  /// The axis's name: `load_mode`, `threads`, `read_ahead_kb`, or the user's.
  public var name: String
  public var role: Role
  /// Its values, in the order given (the order runs and report columns follow).
  public var values: [String]

  public init(name: String, role: Role, values: [String]) {
    self.name = name
    self.role = role
    self.values = values
  }

  /// `{NAME}`: the text replaced by the axis's value in the workload's command.
  public var placeholder: String { "{" + name + "}" }

  /// A name is letters, digits and `_`, starting with a letter: it goes into `{NAME}`, into
  /// directory names and into CSV column names.
  public static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, isLetter(first) else { return false }
    return name.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" }
  }

  static func isLetter(_ scalar: Unicode.Scalar) -> Bool { (65...90).contains(scalar.value) || (97...122).contains(scalar.value) }
  static func isDigit(_ scalar: Unicode.Scalar) -> Bool { (48...57).contains(scalar.value) }

  /// Parses `--axis NAME=V1,V2,…`; nil when the name or the values are missing.
  public static func parseCustom(_ text: String) -> SweepAxis? {
    guard let equals = text.firstIndex(of: "=") else { return nil }
    let name = String(text[..<equals])
    let values = parseValues(String(text[text.index(after: equals)...]))
    guard isValidName(name), let values else { return nil }
    return SweepAxis(name: name, role: .custom, values: values)
  }

  /// `a,b, c` → `["a", "b", "c"]`; nil when empty or when a value is empty or repeated.
  public static func parseValues(_ text: String) -> [String]? {
    let values = text.split(separator: ",", omittingEmptySubsequences: false).map { word in
      String(word.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
    guard !values.isEmpty, !values.contains(where: \.isEmpty), Set(values).count == values.count else { return nil }
    return values
  }

  /// Every combination of one value per axis, the first axis varying slowest; one empty
  /// combination when there are no axes (a sweep over memory alone).
  public static func combinations(_ axes: [SweepAxis]) -> [[SweepAxisValue]] {
    var combinations: [[SweepAxisValue]] = [[]]
    for axis in axes {
      combinations = combinations.flatMap { prefix in axis.values.map { prefix + [SweepAxisValue(name: axis.name, value: $0)] } }
    }
    return combinations
  }
}

/// One axis's value in one run: `load_mode` = `mmap`.
public struct SweepAxisValue: Sendable, Hashable {
  public var name: String
  public var value: String

  public init(name: String, value: String) {
    self.name = name
    self.value = value
  }

  /// The run's label suffix for `values`: `` (none), else `,load_mode=mmap,threads=4`, with
  /// every character a directory name should not hold replaced by `_` (the exact values are
  /// in sweep.json and the manifest).
  public static func labelSuffix(_ values: [SweepAxisValue]) -> String {
    values.map { "," + $0.name + "=" + safeForDirectoryName($0.value) }.joined()
  }

  /// `{"load_mode": "mmap", "threads": "4"}`: as sweep.json, the manifest and the report keep them.
  public static func json(_ values: [SweepAxisValue]) -> JSONValue { .object(values.map { ($0.name, .string($0.value)) }) }

  /// `values` in words: `load_mode=mmap, threads=4`; empty for none.
  public static func describe(_ values: [SweepAxisValue]) -> String {
    values.map { $0.name + "=" + $0.value }.joined(separator: ", ")
  }

  /// Letters, digits and `.+-_=` are kept; anything else (`/`, spaces, commas) becomes `_`.
  static func safeForDirectoryName(_ text: String) -> String {
    var kept = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      let safe = SweepAxis.isLetter(scalar) || SweepAxis.isDigit(scalar) || ".+-_=".unicodeScalars.contains(scalar)
      kept.append(safe ? scalar : "_")
    }
    return String(kept)
  }
}
