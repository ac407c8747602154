import ParamTraceCore

/// The per-CPU ring size `record` uses when `--buffer-kib` is not given, chosen from the traced
/// disk: how many requests it can hold in flight (`queue/nr_requests` × hardware queues in
/// `mq/`) bounds how many events can be pending at once, and each ring must hold many such
/// bursts while the drain sleeps or is starved.
///
/// Each request makes about 6 events (queue, insert, issue, complete, and merges or splits) of
/// about 72 bytes in a raw ring; a ring holds 64 full queues of them, kept between 16 MiB (the
/// virtio disk and the loop device here: 256 and 128 requests, one queue) and 256 MiB per CPU
/// (an NVMe drive with 1,023 requests on each of 8 queues gets 216 MiB), and under 1/16 of the
/// memory available, divided among the CPUs (it is kernel memory, taken from the page cache).
///
/// That is where a raw recording starts; the rate seen in its first seconds may hand it to
/// larger rings (`RingHandoff`), up to `handoffCapKiB`: 256 MiB per CPU and half the 1/16 of
/// MemAvailable (1/32 for all CPUs together), since the old and new rings coexist for the
/// handoff's few milliseconds.
public enum TraceBufferSizing {
  public struct Choice: Sendable, Hashable {
    public var kibPerCPU: Int
    /// Why, in words, for the manifest.
    public var reason: String
    /// The largest rings a handoff may move to.
    public var handoffCapKiB: Int
  }

  public static let minimumKiB = 16 << 10
  public static let maximumKiB = 256 << 10

  /// The choice for `diskName` on a machine of `cpus` CPUs with `memAvailableBytes`.
  public static func choose(diskName: String, cpus: Int, memAvailableBytes: UInt64?) -> Choice {
    let requests = (try? Tracefs.read("/sys/block/\(diskName)/queue/nr_requests")).flatMap { Int($0) } ?? 128
    let queues = max(1, Tracefs.list("/sys/block/\(diskName)/mq").count)
    let inFlight = requests * queues
    var kib = inFlight * 6 * 72 * 64 / 1024
    var limits = "between \(minimumKiB >> 10) and \(maximumKiB >> 10) MiB"
    kib = min(max(kib, minimumKiB), maximumKiB)
    var handoffCap = maximumKiB
    if let available = memAvailableBytes {
      let cap = Int(available / 16 / UInt64(max(1, cpus)) / 1024)
      if kib > cap {
        kib = max(4 << 10, cap)
        limits += ", capped at 1/16 of MemAvailable"
      }
      handoffCap = max(kib, min(handoffCap, cap / 2))
    }
    return Choice(
      kibPerCPU: kib,
      reason:
        "\(requests) requests × \(queues) hardware \(queues == 1 ? "queue" : "queues") in flight: 64 full queues of events per CPU, \(limits); larger rings (up to \(handoffCap >> 10) MiB) when the rate seen needs them",
      handoffCapKiB: handoffCap)
  }
}
