import Foundation
import Testing

@testable import ParamTraceSystem

/// DAMON's evicting schemes, read from a copy of the sysfs layout (kernel 6.18's names), and
/// from this machine's own /sys.
struct ProactiveReclaimTests {
  /// Writes `files` (path relative to the root → contents) under a fresh directory.
  static func sysTree(_ files: [String: String]) throws -> String {
    let root = NSTemporaryDirectory() + "paramtrace-sys-\(getpid())-\(UUID().uuidString.prefix(8))"
    for (path, text) in files {
      let full = root + "/" + path
      try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try (text + "\n").write(toFile: full, atomically: true, encoding: .utf8)
    }
    return root
  }

  /// A kdamond like this project's VM runs: paddr, pageout after 12 aggregations of 5 s, 128 MiB
  /// per second, anon pages rejected.
  static func kdamond(state: String, action: String = "pageout") -> [String: String] {
    let context = "kernel/mm/damon/admin/kdamonds/0/contexts/0"
    let scheme = context + "/schemes/0"
    return [
      "kernel/mm/damon/admin/kdamonds/nr_kdamonds": "1", "kernel/mm/damon/admin/kdamonds/0/state": state,
      context + "/operations": "paddr", context + "/monitoring_attrs/intervals/aggr_us": "5000000",
      scheme + "/action": action, scheme + "/access_pattern/age/min": "12",
      scheme + "/quotas/bytes": "134217728", scheme + "/quotas/reset_interval_ms": "1000",
      scheme + "/ops_filters/nr_filters": "2",
      scheme + "/ops_filters/0/type": "anon", scheme + "/ops_filters/0/matching": "Y", scheme + "/ops_filters/0/allow": "N",
      scheme + "/ops_filters/1/type": "unmapped", scheme + "/ops_filters/1/matching": "Y", scheme + "/ops_filters/1/allow": "Y",
      scheme + "/filters/nr_filters": "0",
    ]
  }

  @Test func aRunningPageoutSchemeIsFoundWithItsAgeQuotaAndFilters() throws {
    let root = try Self.sysTree(Self.kdamond(state: "on"))
    defer { try? FileManager.default.removeItem(atPath: root) }
    let found = ProactiveReclaim.detect(sysRoot: root)
    #expect(found.isActive)
    #expect(
      found.schemes == [
        .init(
          source: "kdamond 0, context 0, scheme 0", operations: "paddr", minimumAgeSeconds: 60, quotaBytesPerSecond: 128 << 20,
          filters: ["anon: reject", "unmapped: allow"], stopPath: root + "/kernel/mm/damon/admin/kdamonds/0/state", stopValue: "off")
      ])
    let warning = try #require(found.warning(refaultedPages: 6, modelReReadBytes: 24576))
    #expect(warning.contains("unaccessed for 60 s or more, up to 128.0 MiB/s"), "\(warning)")
    #expect(warning.contains("read 6 evicted pages again") && warning.contains("re-reads were 24.00 KiB"), "\(warning)")
    #expect(found.warning(refaultedPages: 6, modelEvictedBytes: 3 << 20)?.contains("with no budget, cachestat saw up to 3.00 MiB of the model evicted at once") == true)
    #expect(found.warning(refaultedPages: 6)?.contains("cachestat saw") == false)
    #expect(warning.contains("--pause-proactive-reclaim (it writes off to \(root)/kernel/mm/damon/admin/kdamonds/0/state"), "\(warning)")
    #expect(found.json.rendered(indent: 0).contains("\"minimum_age_seconds\": 60"))
  }

  @Test func aStoppedKdamondOrOneThatDoesNotEvictIsNotProactiveReclaim() throws {
    for files in [Self.kdamond(state: "off"), Self.kdamond(state: "on", action: "stat"), Self.kdamond(state: "on", action: "lru_prio")] {
      let root = try Self.sysTree(files)
      defer { try? FileManager.default.removeItem(atPath: root) }
      let found = ProactiveReclaim.detect(sysRoot: root)
      #expect(!found.isActive && found.warning() == nil && found.notice == nil, "\(files)")
      #expect(found.json.rendered(indent: 0) == "[]")
    }
  }

  @Test func theDamonReclaimModuleCountsWhenEnabled() throws {
    let parameters = "module/damon_reclaim/parameters"
    let root = try Self.sysTree([
      parameters + "/enabled": "Y", parameters + "/min_age": "120000000", parameters + "/quota_sz": "1073741824",
      parameters + "/quota_reset_interval_ms": "1000",
    ])
    defer { try? FileManager.default.removeItem(atPath: root) }
    let found = ProactiveReclaim.detect(sysRoot: root)
    #expect(found.schemes.map(\.source) == ["damon_reclaim module"])
    #expect(found.schemes.first?.minimumAgeSeconds == 120 && found.schemes.first?.quotaBytesPerSecond == 1 << 30)
    #expect(found.warning()?.contains("writes N to \(root)/module/damon_reclaim/parameters/enabled") == true)
    try "N\n".write(toFile: root + "/" + parameters + "/enabled", atomically: true, encoding: .utf8)
    #expect(!ProactiveReclaim.detect(sysRoot: root).isActive)
  }

  /// The pause writes what it will change to its state file first, stops the scheme, and
  /// puts the old value back on restore (once); with the scheme already off it changes nothing.
  @Test func aPauseStopsTheSchemeAndRestoreStartsItAgain() throws {
    let root = try Self.sysTree(Self.kdamond(state: "on"))
    defer { try? FileManager.default.removeItem(atPath: root) }
    let state = root + "/kernel/mm/damon/admin/kdamonds/0/state"
    let pause = try ProactiveReclaimPause(pausing: ProactiveReclaim.detect(sysRoot: root), stateDirectory: root + "/run")
    #expect(try String(contentsOfFile: state, encoding: .utf8) == "off")
    #expect(pause.changed.map(\.path) == [state] && pause.changed.map(\.previous) == ["on"])
    #expect(try String(contentsOfFile: pause.stateFile, encoding: .utf8) == "\(state)\ton\n")
    #expect(!ProactiveReclaim.detect(sysRoot: root).isActive)
    #expect(pause.restore() && pause.restore())
    #expect(try String(contentsOfFile: state, encoding: .utf8) == "on")
    #expect(!FileManager.default.fileExists(atPath: pause.stateFile))
    #expect(pause.json(restored: true).rendered(indent: 0).contains("\"previous\": \"on\""))
  }

  /// A recorder killed while it had paused reclaim leaves its state file: the next one puts
  /// the old value back (only for a pid that no longer runs) and removes the file.
  @Test func aPauseLeftByAKilledRecorderIsUndoneByTheNext() throws {
    let root = try Self.sysTree(Self.kdamond(state: "off"))
    defer { try? FileManager.default.removeItem(atPath: root) }
    let state = root + "/kernel/mm/damon/admin/kdamonds/0/state"
    try FileManager.default.createDirectory(atPath: root + "/run", withIntermediateDirectories: true)
    // A pid that ran and ended, and this process (alive: its file is left alone).
    let ended = Process()
    ended.executableURL = URL(fileURLWithPath: "/bin/true")
    try ended.run()
    ended.waitUntilExit()
    try "\(state)\ton\n".write(toFile: root + "/run/proactive-reclaim-\(ended.processIdentifier)", atomically: true, encoding: .utf8)
    try "\(state)\tstill-mine\n".write(toFile: root + "/run/proactive-reclaim-\(getpid())", atomically: true, encoding: .utf8)
    let lines = ProactiveReclaimPause.restoreStale(stateDirectory: root + "/run")
    #expect(lines == ["\(state) → on, as before paramtrace pid \(ended.processIdentifier) paused it"], "\(lines)")
    #expect(try String(contentsOfFile: state, encoding: .utf8) == "on")
    #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/run") == ["proactive-reclaim-\(getpid())"])
  }

  @Test func nothingToPauseChangesNothing() throws {
    let root = try Self.sysTree(Self.kdamond(state: "on", action: "stat"))
    defer { try? FileManager.default.removeItem(atPath: root) }
    let pause = try ProactiveReclaimPause(pausing: ProactiveReclaim.detect(sysRoot: root), stateDirectory: root + "/run")
    #expect(pause.changed.isEmpty && !FileManager.default.fileExists(atPath: root + "/run"))
    #expect(try String(contentsOfFile: root + "/kernel/mm/damon/admin/kdamonds/0/state", encoding: .utf8) == "on\n")
  }

  @Test func noDamonAtAllIsNothing() {
    #expect(ProactiveReclaim.detect(sysRoot: "/nonexistent-sys").schemes.isEmpty)
  }

  /// This machine's /sys, read as it is (nothing written): what it finds must match what the
  /// kdamonds' own files say.
  @Test func thisMachinesKdamondsAreReadAsTheySay() throws {
    let admin = "/sys/kernel/mm/damon/admin/kdamonds"
    guard FileManager.default.fileExists(atPath: admin) else {
      print("proactive reclaim: this kernel has no DAMON sysfs interface (\(admin)); nothing to compare")
      return
    }
    let found = ProactiveReclaim.detect()
    var evicting = 0
    for kdamond in (try? FileManager.default.contentsOfDirectory(atPath: admin))?.compactMap({ Int($0) }) ?? [] {
      let state = try? String(contentsOfFile: "\(admin)/\(kdamond)/state", encoding: .utf8)
      guard state?.hasPrefix("on") == true else { continue }
      let contexts = "\(admin)/\(kdamond)/contexts"
      for context in (try? FileManager.default.contentsOfDirectory(atPath: contexts))?.compactMap({ Int($0) }) ?? [] {
        let schemes = "\(contexts)/\(context)/schemes"
        for scheme in (try? FileManager.default.contentsOfDirectory(atPath: schemes))?.compactMap({ Int($0) }) ?? [] {
          let action = try? String(contentsOfFile: "\(schemes)/\(scheme)/action", encoding: .utf8)
          if action?.hasPrefix("pageout") == true { evicting += 1 }
        }
      }
    }
    #expect(found.schemes.filter { $0.source.hasPrefix("kdamond") }.count == evicting)
    print("proactive reclaim here: \(found.schemes.map { "\($0.source): \($0.operations ?? "?"), age ≥ \($0.minimumAgeSeconds.map { "\($0) s" } ?? "?"), quota \($0.quotaBytesPerSecond.map(String.init) ?? "none") B/s, filters \($0.filters)" })")
  }
}
