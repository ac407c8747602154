import Foundation
import Testing

@testable import ParamTraceCore

/// Inputs found by the libFuzzer targets in Fuzz/ (run by scripts/fuzz.sh) that crashed a
/// reader once. Every file under `Tests/Fixtures/fuzz/READER/` is fed to that reader exactly
/// as the fuzz target does (two chunks split where the last byte says, lenient and strict;
/// model headers whole, as a prefix and through the growing-prefix loop); the test passes
/// when nothing traps. Add a crash by copying it from Fuzz/crashes/ into the right directory.
@Suite struct FuzzRegressionTests {
  static let directory = FixturePaths.root.appendingPathComponent("fuzz")

  /// (reader directory, file name, bytes) of every committed input.
  static func inputs() -> [(reader: String, name: String, bytes: [UInt8])] {
    let manager = FileManager.default
    guard let readers = try? manager.contentsOfDirectory(atPath: directory.path) else { return [] }
    var result: [(String, String, [UInt8])] = []
    for reader in readers.sorted() {
      let folder = directory.appendingPathComponent(reader)
      for name in ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() {
        if let data = manager.contents(atPath: folder.appendingPathComponent(name).path) { result.append((reader, name, Array(data))) }
      }
    }
    return result
  }

  static func split(_ bytes: [UInt8]) -> Int {
    guard let last = bytes.last else { return 0 }
    return bytes.count * Int(last) / 255
  }

  static func decode<D: TraceDecoder>(_ bytes: [UInt8], _ make: (DecoderOptions) -> D) {
    let split = split(bytes)
    for strict in [false, true] {
      var decoder = make(DecoderOptions(sourceName: "fuzz", strict: strict))
      var events = ContiguousArray<BlockEvent>()
      do {
        let consumed = try Array(bytes[..<split]).withUnsafeBytes { try decoder.decode($0, atEnd: false, into: &events) }
        #expect(consumed >= 0 && consumed <= split)
        let rest = Array(bytes[min(max(consumed, 0), bytes.count)...])
        let last = try rest.withUnsafeBytes { try decoder.decode($0, atEnd: true, into: &events) }
        #expect(last == rest.count)
      } catch {}
      _ = decoder.diagnostics
    }
  }

  static func readModel(
    _ bytes: [UInt8], _ read: ([UInt8], UInt64) throws(ModelFileError) -> ModelReadStep
  ) {
    let split = split(bytes)
    _ = try? read(bytes, UInt64(bytes.count))
    _ = try? read(Array(bytes[..<split]), UInt64(bytes.count))
    _ = try? ModelFileReader.read(fileSize: UInt64(bytes.count), source: "fuzz", initialPrefix: UInt64(max(split, 1))) { count in
      Array(bytes.prefix(Int(count)))
    }
  }

  static func feed(reader: String, bytes: [UInt8]) -> Bool {
    switch reader {
    case "blktrace-binary": decode(bytes) { BlktraceBinaryDecoder(options: $0) }
    case "kernel-blk-binary": decode(bytes) { KernelBlkBinaryDecoder(options: $0) }
    case "blkparse-text": decode(bytes) { BlkparseTextDecoder(options: $0) }
    case "ftrace-blk-text": decode(bytes) { FtraceBlkTextDecoder(options: $0) }
    case "tracepoint-text": decode(bytes) { TracepointTextDecoder(options: $0) }
    case "cheops-csv": decode(bytes) { CheopsCSVDecoder(options: $0) }
    case "gguf":
      readModel(bytes) { (prefix, size) throws(ModelFileError) in try GGUFReader.read(prefix: prefix, fileSize: size, source: "fuzz") }
    case "safetensors":
      readModel(bytes) { (prefix, size) throws(ModelFileError) in
        try SafetensorsReader.read(prefix: prefix, fileSize: size, source: "fuzz")
      }
    case "filefrag": _ = try? FilefragParser.parse(bytes)
    default: return false
    }
    return true
  }

  @Test func everyCommittedFuzzInputIsReadWithoutCrashing() {
    for input in Self.inputs() {
      #expect(Self.feed(reader: input.reader, bytes: input.bytes), "unknown reader directory fuzz/\(input.reader)")
    }
  }
}

/// Found by scripts/bench-vs-blktrace.sh, not the fuzzer: `paramtrace analyze` of the synthetic
/// trace's blkparse text trapped (arithmetic overflow) when a request earlier than the first
/// one added lay less than one window after time zero.
@Suite struct WindowedBytesRegressionTests {
  @Test func extendingBackwardsPastTimeZeroDoesNotTrap() {
    var windows = WindowedBytes(windowNanoseconds: 1_000_000_000)
    windows.add(bytes: 4096, at: 500_000_000)
    windows.add(bytes: 8192, at: 100_000_000)
    windows.add(bytes: 4096, at: 0)
    #expect(windows.peakBytes == 12288)  // [-0.5 s, 0.5 s) holds 8192 + 4096
    #expect(windows.series.originNanoseconds == 0)
  }
}
