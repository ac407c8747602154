import Testing

@testable import ParamTraceCore

@Suite struct MetricsTests {
  @Test func gapClassBoundaries() {
    var gaps = GapClasses()
    for (previousEnd, next) in [(100, 100), (100, 101), (100, 355), (100, 356), (100, 2147), (100, 2148), (100, 99), (100, 0)] {
      gaps.add(previousEnd: UInt64(previousEnd), nextStart: UInt64(next))
    }
    #expect(gaps.sequential == 1)
    #expect(gaps.small == 2)  // 1 and 255
    #expect(gaps.medium == 2)  // 256 and 2047
    #expect(gaps.large == 1)  // 2048
    #expect(gaps.backward == 2)
    #expect(gaps.total == 8)
  }

  @Test(arguments: [0, 1, 2, 17, 1000, 200_000])
  func intervalUnionMatchesABruteForceOracle(count: Int) {
    var rng = SplitMix(seed: UInt64(count) + 7)
    var union = IntervalUnion()
    var covered = Set<UInt64>()
    let space: UInt64 = count > 10_000 ? 4_000_000 : 5_000
    for _ in 0..<count {
      let start = rng.next() % space
      let length = rng.next() % 40
      union.insert(start, start + length)
      if count <= 10_000 { for x in start..<(start + length) { covered.insert(x) } }
    }
    if count <= 10_000 {
      #expect(union.coveredLength == UInt64(covered.count))
    } else {
      // Large case: compare with a sorted sweep.
      var rng2 = SplitMix(seed: UInt64(count) + 7)
      var intervals: [(UInt64, UInt64)] = []
      for _ in 0..<count {
        let start = rng2.next() % space
        intervals.append((start, start + rng2.next() % 40))
      }
      intervals.sort { $0.0 < $1.0 }
      var total: UInt64 = 0
      var currentEnd: UInt64 = 0
      for (start, end) in intervals where end > start {
        if start >= currentEnd {
          total += end - start
          currentEnd = end
        } else if end > currentEnd {
          total += end - currentEnd
          currentEnd = end
        }
      }
      #expect(union.coveredLength == total)
    }
  }

  @Test func latencyPercentilesAreNearestRank() {
    var latency = LatencyDistribution()
    for value in 1...100 { latency.add(UInt64(value)) }
    #expect(latency.percentile(0.5) == 50)
    #expect(latency.percentile(0.9) == 90)
    #expect(latency.percentile(0.99) == 99)
    #expect(latency.maximum == 100)
    #expect(!latency.isApproximate)
  }

  @Test func latencyHistogramStaysWithinItsStatedError() {
    var latency = LatencyDistribution()
    var rng = SplitMix(seed: 3)
    var values: [UInt64] = []
    for _ in 0..<(LatencyDistribution.exactLimit + 1000) {
      let value = 1_000 + rng.next() % 50_000_000
      values.append(value)
      latency.add(value)
    }
    #expect(latency.isApproximate)
    values.sort()
    for fraction in [0.5, 0.9, 0.99] {
      let exact = Double(values[Int((fraction * Double(values.count)).rounded(.up)) - 1])
      let approximate = Double(latency.percentile(fraction)!)
      #expect(abs(approximate - exact) / exact < 0.016)
    }
  }

  @Test func windowsAcceptEarlierTimes() {
    var windows = WindowedBytes(windowNanoseconds: 1_000)
    windows.add(bytes: 10, at: 5_000)
    windows.add(bytes: 20, at: 5_500)
    windows.add(bytes: 40, at: 2_100)
    windows.add(bytes: 5, at: 9_999)
    #expect(windows.peakBytes == 40)
    #expect(windows.series.bytes.reduce(0, +) == 75)
    #expect(windows.peakBytesPerSecond == 40e6)
  }

  @Test func sizeHistogramUsesPowersOfTwo() {
    var sizes = SizeHistogram()
    for bytes: UInt64 in [4096, 4096, 8191, 8192, 1 << 20] { sizes.add(bytes: bytes) }
    #expect(sizes.nonEmptyBuckets.map(\.lowerBound) == [4096, 8192, 1 << 20])
    #expect(sizes.nonEmptyBuckets.map(\.count) == [3, 1, 1])
  }

  @Test func requestSizePercentilesAreExactNotBuckets() {
    var sizes = SizeHistogram()
    // 516,096 B and 520,192 B share the 256 KiB bucket; the median must be one of them, exactly.
    for bytes: UInt64 in [4096, 516_096, 516_096, 520_192, 1 << 20] { sizes.add(bytes: bytes) }
    #expect(sizes.medianBytes == 516_096)
    #expect(sizes.p90Bytes == 1 << 20)
    #expect(sizes.percentile(0.2) == 4096)
    #expect(sizes.percentile(0.61) == 520_192)
    #expect(SizeHistogram().medianBytes == nil)
  }

  /// Against a sorted array (the naive oracle): sizes of 0, 1, 2 and many requests, whole sectors
  /// up to the exact limit, beyond it (8 MiB), and odd sizes that are not whole sectors.
  @Test(arguments: [0, 1, 2, 3, 1000, 50_000])
  func requestSizePercentilesMatchASortedList(count: Int) {
    var rng = SplitMix(seed: UInt64(count) &+ 11)
    var sizes = SizeHistogram()
    var values: [UInt64] = []
    for _ in 0..<count {
      let value: UInt64
      switch rng.next() % 10 {
      case 0: value = (UInt64(SizeHistogram.exactSectors) + 1 + rng.next() % 8192) * 512  // past 4 MiB
      case 1: value = 1 + rng.next() % 100_000  // not whole sectors
      default: value = (1 + rng.next() % 2048) * 512
      }
      values.append(value)
      sizes.add(bytes: value)
    }
    values.sort()
    for fraction in [0.01, 0.5, 0.9, 0.99, 1] {
      let expected = values.isEmpty ? nil : values[max(1, Int((fraction * Double(values.count)).rounded(.up))) - 1]
      #expect(sizes.percentile(fraction) == expected, "fraction \(fraction)")
    }
    #expect(sizes.total == count)
  }

  @Test func sectorRangesJoinAndMeasureOverlap() {
    let ranges = SectorRanges([(100, 200), (150, 300), (500, 600)])
    #expect(ranges.ranges.count == 2)
    #expect(ranges.overlap(start: 0, end: 1000) == 300)
    #expect(ranges.overlap(start: 290, end: 510) == 20)
    #expect(ranges.overlap(start: 300, end: 500) == 0)
  }
}
