import ParamTraceCore
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A one-line progress bar on standard error, drawn only when standard error is a terminal
/// (isatty(2)) and at most every 100 ms.
public struct TerminalProgress {
  public let enabled: Bool
  private var lastDrawn: UInt64 = 0
  private let started: UInt64

  public init() {
    enabled = isatty(2) == 1
    started = MonotonicClock.nanoseconds()
  }

  /// Draws `done` of `total` bytes, with the rate so far.
  public mutating func update(_ done: UInt64, of total: UInt64) {
    guard enabled else { return }
    let now = MonotonicClock.nanoseconds()
    guard now - lastDrawn >= 100_000_000 || done == total else { return }
    lastDrawn = now
    let fraction = total == 0 ? 1 : Double(done) / Double(total)
    let width = 30
    let filled = min(width, Int(fraction * Double(width)))
    let seconds = Double(now - started) / 1e9
    let rate = seconds > 0 ? HumanUnits.rate(Double(done) / seconds) : ""
    let line = "\r  [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
      + "\(Int(fraction * 100))%  \(HumanUnits.bytes(done)) of \(HumanUnits.bytes(total))  \(rate)   "
    write(line)
  }

  /// Ends the line.
  public func finish() {
    guard enabled else { return }
    write("\n")
  }

  private func write(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = try? FileDescriptor.standardError.writeAll(bytes) }
  }
}

extension ModelReplay {
  /// Online processors (sysconf), the default thread count, as llama.cpp uses the cores.
  public static var onlineProcessors: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
