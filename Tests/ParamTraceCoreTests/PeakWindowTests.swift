import Testing

@testable import ParamTraceCore

/// The peak-bandwidth window chosen from the run's length, and the rule that a peak is never
/// below the average (docs/metrics.md "Bandwidth").
@Suite struct PeakWindowTests {
  static let millisecond: UInt64 = 1_000_000

  @Test func windowIsATenthOfTheRunBetween10MillisecondsAnd1Second() {
    let rule = PeakWindow.fromRunLength
    #expect(rule.window(forRun: 50 * Self.millisecond) == (10 * Self.millisecond, .shortest))
    #expect(rule.window(forRun: 733 * Self.millisecond) == (70 * Self.millisecond, .tenthOfRun))
    #expect(rule.window(forRun: 736 * Self.millisecond) == (70 * Self.millisecond, .tenthOfRun))  // 73.6 ms → 70
    #expect(rule.window(forRun: 5_000 * Self.millisecond) == (500 * Self.millisecond, .tenthOfRun))
    #expect(rule.window(forRun: 10_000 * Self.millisecond) == (PeakWindow.longest, .longest))
    #expect(rule.window(forRun: 3_600_000 * Self.millisecond) == (PeakWindow.longest, .longest))
    #expect(PeakWindow.given(nanoseconds: 7).window(forRun: 0) == (7, .given))
  }

  @Test func chosenWindowGroupsFineBins() {
    var windows = WindowedBytes(.fromRunLength)
    // 10 ms bins: 100 B in the first, 300 B in each of bins 5 and 6.
    windows.add(bytes: 100, at: 1_000)
    windows.add(bytes: 300, at: 1_000 + 55 * Self.millisecond)
    windows.add(bytes: 300, at: 1_000 + 65 * Self.millisecond)
    #expect(windows.binNanoseconds == 10 * Self.millisecond)
    #expect(windows.peakBytes(windowNanoseconds: 10 * Self.millisecond) == 300)
    #expect(windows.peakBytes(windowNanoseconds: 20 * Self.millisecond) == 300)  // bins 4+5, 6+7
    #expect(windows.peakBytes(windowNanoseconds: 70 * Self.millisecond) == 700)
    #expect(windows.series(windowNanoseconds: 30 * Self.millisecond).bytes == [100, 300, 300])
  }

  @Test func binsMergeIntoOneSecondOnceTheRunPassesTenSeconds() {
    var windows = WindowedBytes(.fromRunLength)
    var total: UInt64 = 0
    for k in 0..<3_000 {  // 30 s, one event every 10 ms
      let bytes = UInt64(k % 7 + 1)
      windows.add(bytes: bytes, at: UInt64(k) * 10 * Self.millisecond)
      total += bytes
    }
    #expect(windows.binNanoseconds == PeakWindow.longest)
    #expect(windows.series.bytes.count == 30)
    #expect(windows.series.bytes.reduce(0, +) == total)
    // Each second holds 100 events; their sizes cycle through 1…7.
    #expect(windows.peakBytes(windowNanoseconds: PeakWindow.longest) == windows.series.bytes.max())
    // A window finer than the bins is the bin.
    #expect(windows.effectiveWindow(70 * Self.millisecond) == PeakWindow.longest)
  }

  @Test func givenWindowsKeepTheirWidth() {
    var windows = WindowedBytes(.given(nanoseconds: 5 * Self.millisecond))
    for k in 0..<10_000 { windows.add(bytes: 1, at: UInt64(k) * Self.millisecond) }
    #expect(windows.binNanoseconds == 5 * Self.millisecond)
    #expect(windows.peakBytes == 5)
  }

  /// One read operation of `bytes`, issued at `issue` and completed at `complete` (ms).
  static func operation(_ sector: UInt64, issue: UInt64, complete: UInt64, sectors: UInt32 = 2048) -> BlockOperation {
    BlockOperation(
      device: DeviceNumber(major: 254, minor: 0), sector: sector, sectors: sectors, flags: [.read], ownerPid: 1,
      ownerComm: CommName("reader"), firstIssueTime: issue * millisecond, lastIssueTime: issue * millisecond,
      completeTime: complete * millisecond)
  }

  static func figures(_ operations: [BlockOperation], _ rule: PeakWindow) -> AccessFigures {
    var analyzer = AccessAnalyzer(filter: OperationFilter(), peakWindow: rule)
    for operation in operations { analyzer.add(operation) }
    return analyzer.result()
  }

  /// A 0.62 s run like the demo's unconstrained one: a request every 10 ms, 512 KiB each,
  /// 1 MiB each in its busy middle (requests 20–39).
  static func shortRun() -> [BlockOperation] {
    (0..<62).map { k in
      Self.operation(UInt64(k) * 2048, issue: UInt64(k) * 10, complete: UInt64(k) * 10 + 9, sectors: (20..<40).contains(k) ? 2048 : 1024)
    }
  }

  /// The demo's unconstrained run printed a peak (1 s window) below its average. A window chosen
  /// from the run's length gives a real peak, above the average.
  @Test func shortRunGetsAWindowFromItsLengthAndAPeakAboveTheAverage() throws {
    let operations = Self.shortRun()
    let fixed = Self.figures(operations, .given(nanoseconds: PeakWindow.longest))
    let average = try #require(fixed.averageBytesPerSecond)
    #expect(fixed.peakIsAverage)
    #expect(fixed.peakBytesPerSecond == average)

    let chosen = Self.figures(operations, .fromRunLength)
    #expect(chosen.windowReason == .tenthOfRun)
    #expect(chosen.windowNanoseconds == 60 * Self.millisecond)  // a tenth of 619 ms
    #expect(!chosen.peakIsAverage)
    // Six 1 MiB requests in one 60 ms window; 41 MiB in 0.619 s on average.
    #expect(chosen.peakBytesPerSecond == 104_857_600)
    #expect(try #require(chosen.peakBytesPerSecond) > average)
  }

  @Test func completionsBunchedAtBothEndsNeverGiveAPeakBelowTheAverage() throws {
    // Half the bytes at 0 ms, half at 1,500 ms, windows of 1 s: each window holds half the
    // bytes over 1 s, less than all of them over 1.5 s.
    let operations = [
      Self.operation(0, issue: 0, complete: 1), Self.operation(4096, issue: 1_499, complete: 1_500),
    ]
    let f = Self.figures(operations, .given(nanoseconds: PeakWindow.longest))
    #expect(f.peakIsAverage)
    #expect(f.peakBytesPerSecond == f.averageBytesPerSecond)
    #expect(f.peakByIssueIsAverage)
  }

  @Test func jsonSaysWhichWindow() {
    let f = Self.figures(Self.shortRun(), .fromRunLength)
    guard let bandwidth = f.jsonMembers.first(where: { $0.0 == "bandwidth" })?.1,
      case .object(let fields) = bandwidth
    else {
      Issue.record("no bandwidth object in the JSON")
      return
    }
    #expect(fields.first { $0.0 == "window_rule" }?.1 == .string("tenth_of_run"))
    #expect(fields.first { $0.0 == "peak_is_average" }?.1 == .bool(false))
  }
}
