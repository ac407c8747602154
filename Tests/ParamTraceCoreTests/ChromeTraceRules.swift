import Foundation

@testable import ParamTraceCore

/// Checks a Chrome JSON trace-event file against the format's rules (spec §13) as viewers rely
/// on them, and returns every breach in words (empty: the file follows them):
/// - standard JSON (Foundation's parser), an object with a `traceEvents` array;
/// - every event has `name`, `cat`, `ph` (one of b, e, X, C, i, M), numeric `ts` ≥ 0, `pid`,
///   `tid` and an `args` object;
/// - every async begin `b` has exactly one end `e` with its `cat`, `id` and name, not
///   earlier; ids are unique per category; no `e` without its `b`;
/// - `X` has a numeric `dur` ≥ 0; counters `C` carry at least one series, every value a number;
/// - times never go back on a track: per (pid, tid) for `X`, per (pid, counter name) for `C`,
///   on the global track for instants.
struct ChromeTraceRules {
  /// What the file held, for tests to check beyond the rules.
  struct Census {
    var begins = 0
    var ends = 0
    var slices = 0
    var counters: [String: Int] = [:]
    var instants: [String] = []
    var processNames: [Int: String] = [:]
    var names: [String: Int] = [:]
  }

  private(set) var problems: [String] = []
  private(set) var census = Census()
  private(set) var events: [JSONValue] = []

  init(_ bytes: [UInt8]) {
    do { _ = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
      problems.append("not standard JSON: \(error)")
      return
    }
    guard let document = try? JSONReader.parse(bytes), let list = document["traceEvents"]?.array else {
      problems.append("no traceEvents array")
      return
    }
    events = list
    check()
  }

  private static func number(_ value: JSONValue?) -> Double? {
    switch value {
    case .int(let v): Double(v)
    case .uint(let v): Double(v)
    case .double(let v): v
    default: nil
    }
  }

  private mutating func check() {
    var open: [String: (name: String, ts: Double)] = [:]
    var used = Set<String>()
    var lastTime: [String: Double] = [:]
    func advance(_ track: String, _ ts: Double, _ index: Int) {
      if let last = lastTime[track], ts < last { problems.append("event \(index): time \(ts) before \(last) on track \(track)") }
      lastTime[track] = ts
    }
    for (index, event) in events.enumerated() {
      guard let name = event["name"]?.string, let category = event["cat"]?.string, let phase = event["ph"]?.string,
        let ts = Self.number(event["ts"]), let pid = Self.number(event["pid"]), let tid = Self.number(event["tid"]),
        let args = event["args"]?.members
      else {
        problems.append("event \(index): lacks name, cat, ph, numeric ts/pid/tid or an args object: \(event.rendered(indent: 0))")
        continue
      }
      if ts < 0 { problems.append("event \(index): negative ts \(ts)") }
      census.names[name, default: 0] += 1
      switch phase {
      case "b", "e":
        guard let id = Self.number(event["id"]) else {
          problems.append("event \(index): async event without a numeric id")
          continue
        }
        let key = "\(category)#\(Int(id))"
        if phase == "b" {
          census.begins += 1
          if used.contains(key) { problems.append("event \(index): id \(Int(id)) used twice in category \(category)") }
          used.insert(key)
          open[key] = (name, ts)
        } else {
          census.ends += 1
          guard let begin = open.removeValue(forKey: key) else {
            problems.append("event \(index): end of \(key) without an open begin")
            continue
          }
          if begin.name != name { problems.append("event \(index): end of \(key) named \(name), begin \(begin.name)") }
          if ts < begin.ts { problems.append("event \(index): \(key) ends at \(ts) before it begins at \(begin.ts)") }
        }
      case "X":
        census.slices += 1
        guard let duration = Self.number(event["dur"]), duration >= 0 else {
          problems.append("event \(index): X without a non-negative dur")
          continue
        }
        advance("thread \(Int(pid)):\(Int(tid))", ts, index)
      case "C":
        census.counters[name, default: 0] += 1
        if args.isEmpty { problems.append("event \(index): counter \(name) without a series") }
        for (series, value) in args where Self.number(value) == nil {
          problems.append("event \(index): counter \(name) series \(series) is not a number: \(value.rendered(indent: 0))")
        }
        advance("counter \(Int(pid)):\(name)", ts, index)
      case "i":
        census.instants.append(name)
        advance("instants \(event["s"]?.string ?? "t") \(Int(pid)):\(Int(tid))", ts, index)
      case "M":
        if name == "process_name", let label = event[path: "args", "name"]?.string { census.processNames[Int(pid)] = label }
      default:
        problems.append("event \(index): unexpected phase \(phase)")
      }
    }
    for (key, begin) in open { problems.append("\(key) (\(begin.name)) begins and never ends") }
  }
}
