/// One phase's window and the time in it with at least one of the model's reads in flight.
public struct PhaseBusyShare: Sendable, Hashable {
  /// The window, on the trace's clock, in nanoseconds: `[from, to)`.
  public var fromNanoseconds: UInt64
  public var toNanoseconds: UInt64
  /// Nanoseconds of the window with a read in flight.
  public var busyNanoseconds: UInt64

  public init(fromNanoseconds: UInt64, toNanoseconds: UInt64, busyNanoseconds: UInt64) {
    self.fromNanoseconds = fromNanoseconds
    self.toNanoseconds = toNanoseconds
    self.busyNanoseconds = busyNanoseconds
  }

  /// The window's length.
  public var windowNanoseconds: UInt64 { toNanoseconds > fromNanoseconds ? toNanoseconds - fromNanoseconds : 0 }
  /// Busy time over the window (0…1); nil for an empty window.
  public var share: Double? { windowNanoseconds == 0 ? nil : Double(busyNanoseconds) / Double(windowNanoseconds) }
}

/// The I/O-bound ceiling of decode: a token needs its bytes read, so tokens/s ≤ bandwidth ÷
/// bytes read per token, however fast the CPU.
public struct IOBoundCeiling: Sendable, Hashable {
  public var bandwidth: DeviceBandwidth
  /// Bytes read per generated token in the decode phase.
  public var bytesPerToken: Double

  /// Nil when nothing was read per token (decode is then not bound by the disk at all) or the
  /// bandwidth is not positive.
  public init?(bandwidth: DeviceBandwidth, bytesPerToken: Double) {
    guard bytesPerToken > 0, bandwidth.bytesPerSecond > 0, bandwidth.bytesPerSecond.isFinite else { return nil }
    self.bandwidth = bandwidth
    self.bytesPerToken = bytesPerToken
  }

  /// The most tokens per second the disk allows.
  public var tokensPerSecond: Double { bandwidth.bytesPerSecond / bytesPerToken }
}

/// Disk wait and ceilings: what each generated token costs in reads, how much of the load and
/// of the decode the disk was busy with the model, and how fast the disk lets decode go.
public struct DiskWaitFigures: Sendable {
  /// The load phase's window (from the workload's start to the decode boundary) and its busy time.
  public var load: PhaseBusyShare?
  /// The decode phase's window (from the boundary to the workload's end) and its busy time.
  public var decode: PhaseBusyShare?
  /// How the windows' outer ends were found, in words.
  public var windowSource: String
  /// Tokens the decode phase generated: one per decode pass, the prompt pass (which yields the
  /// first token) and each eval run (`DecodePasses`); nil without llama.cpp's timing lines.
  public var decodeTokens: Int?
  /// Bytes of the model read in the decode phase; nil without a load/decode split.
  public var decodeBytes: UInt64?
  /// The part of `decodeBytes` that were re-reads (`DecodePasses.rereadBytes`).
  public var rereadBytes: UInt64?
  /// llama.cpp's eval tokens per second.
  public var measuredTokensPerSecond: Double?
  /// tokens/s ≤ bandwidth ÷ bytes per token; nil without bytes per token.
  public var ceiling: IOBoundCeiling?

  public init(windowSource: String) { self.windowSource = windowSource }

  /// Bytes read per generated token.
  public var bytesPerToken: Double? { perToken(decodeBytes) }
  /// Bytes re-read per generated token.
  public var rereadBytesPerToken: Double? { perToken(rereadBytes) }
  /// Measured tokens/s over the ceiling: near 1, decode ran as fast as the disk allows.
  public var shareOfCeiling: Double? {
    guard let measured = measuredTokensPerSecond, let ceiling, ceiling.tokensPerSecond > 0 else { return nil }
    return measured / ceiling.tokensPerSecond
  }

  private func perToken(_ bytes: UInt64?) -> Double? {
    guard let bytes, let decodeTokens, decodeTokens > 0 else { return nil }
    return Double(bytes) / Double(decodeTokens)
  }
}

extension DiskWaitFigures {
  /// The figures of one analysis.
  ///
  /// - Parameters:
  ///   - busy: the model's reads (those that passed the filters).
  ///   - boundary: where decode starts; nil when the trace was not split (no phase windows).
  ///   - start, end: the workload's start and end on the trace's clock.
  ///   - decode: the decode phase's figures; `loadUniqueBytes` the load's unique bytes.
  ///   - modelBytes: the model's size (for the re-reads).
  ///   - runPeak: the whole run's peak completion bandwidth, the fallback for `bandwidth`.
  public static func measure(
    busy: inout BusyTime, boundary: UInt64?, start: UInt64, end: UInt64, windowSource: String, decode: AccessFigures?,
    loadUniqueBytes: UInt64?, modelBytes: UInt64?, timings: LlamaTimings?, bandwidth: DeviceBandwidth?, runPeak: Double?,
    runPeakWindowNanoseconds: UInt64
  ) -> DiskWaitFigures {
    var figures = DiskWaitFigures(windowSource: windowSource)
    if let boundary {
      let split = min(max(boundary, start), max(end, start))
      figures.load = PhaseBusyShare(fromNanoseconds: start, toNanoseconds: split, busyNanoseconds: busy.busyNanoseconds(from: start, to: split))
      figures.decode = PhaseBusyShare(fromNanoseconds: split, toNanoseconds: end, busyNanoseconds: busy.busyNanoseconds(from: split, to: end))
      figures.decodeBytes = decode?.bytes
      figures.rereadBytes = DecodePasses.rereadBytes(decodeBytes: decode?.bytes, loadUniqueBytes: loadUniqueBytes, modelBytes: modelBytes)
    }
    if let timings {
      figures.decodeTokens = DecodePasses.count(evalRuns: timings.evalTokens, promptTokens: timings.promptTokens)
      figures.measuredTokensPerSecond = timings.evalTokensPerSecond
    }
    let fallback = runPeak.map {
      DeviceBandwidth(
        bytesPerSecond: $0, source: .tracePeak,
        detail: "this run's peak completion bandwidth (\(formatFixed(Double(runPeakWindowNanoseconds) / 1e9, 3)) s window): a lower bound of the device")
    }
    if let perToken = figures.bytesPerToken, let used = bandwidth ?? fallback {
      figures.ceiling = IOBoundCeiling(bandwidth: used, bytesPerToken: perToken)
    }
    return figures
  }
}
