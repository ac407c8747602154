/// Where the memory cgroup controller lives on this machine.
///
/// - `v2(root:)`: a cgroup2 hierarchy whose `cgroup.controllers` lists `memory`; limits are
///   `memory.max`, statistics `memory.stat`, `memory.events`, `memory.peak` (Linux 5.19+).
/// - `v1(root:)`: the legacy memory hierarchy; limits are `memory.limit_in_bytes`,
///   statistics `memory.stat`, `memory.failcnt`, `memory.max_usage_in_bytes`.
///
/// A hybrid machine (systemd's default before v2 everywhere) mounts cgroup2 at
/// `/sys/fs/cgroup/unified` without controllers and v1 memory at `/sys/fs/cgroup/memory`:
/// that is `v1`.
public enum CgroupMemoryLayout: Sendable, Equatable {
  case v1(root: String)
  case v2(root: String)

  /// The hierarchy's root directory, where paramtrace creates its cgroups.
  public var root: String {
    switch self {
    case .v1(let root), .v2(let root): root
    }
  }

  /// The cgroup2 mount points checked, in order: pure v2, then hybrid.
  public static let defaultV2Candidates = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
  /// The cgroup v1 memory hierarchy checked when no cgroup2 mount has the memory controller.
  public static let defaultV1Candidate = "/sys/fs/cgroup/memory"

  /// The first of `v2Candidates` whose `cgroup.controllers` lists `memory`; else
  /// `v1Candidate` when it holds `memory.limit_in_bytes`. Tests pass fake roots.
  ///
  /// - Throws: `MemoryBudgetError.Reason.noMemoryController`, saying what was checked and how
  ///   to mount a controller.
  public static func detect(
    v2Candidates: [String] = defaultV2Candidates, v1Candidate: String = defaultV1Candidate
  ) throws -> CgroupMemoryLayout {
    var checked: [String] = []
    for root in v2Candidates {
      let file = "\(root)/cgroup.controllers"
      guard let text = KernelFile.readIfPresent(file) else {
        checked.append("\(file) (absent)")
        continue
      }
      if listsMemory(controllers: text) { return .v2(root: root) }
      let listed = KernelFile.trim(text)
      checked.append("\(file) (\(listed.isEmpty ? "no controllers" : "lists \(listed)"))")
    }
    if KernelFile.exists("\(v1Candidate)/memory.limit_in_bytes") { return .v1(root: v1Candidate) }
    checked.append("\(v1Candidate)/memory.limit_in_bytes (absent)")
    throw MemoryBudgetError(.noMemoryController(checked: checked))
  }

  /// Whether a `cgroup.controllers` or `cgroup.subtree_control` text names `memory`.
  static func listsMemory(controllers text: String) -> Bool {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains("memory")
  }
}
