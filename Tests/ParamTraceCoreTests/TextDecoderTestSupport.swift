import Foundation
import Testing

@testable import ParamTraceCore

/// Everything a text decoder produced for one input.
typealias DecodedText = DecodedBinary

/// Feeds `bytes` to `decoder` the way a file reader does, cut at `cuts` (sorted offsets): each
/// call gets the unconsumed tail plus the next piece, and the last call has `atEnd`. Checks the
/// streaming contract on the way: without `atEnd` only whole lines are consumed.
func decodeText<Decoder: TraceDecoder>(
  _ decoder: Decoder, _ bytes: [UInt8], cuts: [Int]
) throws(TraceParseError) -> DecodedText {
  try decodeInPieces(decoder, bytes, cuts: cuts) { pending, used in
    #expect(pending[used - 1] == 0x0A, "consumed a partial line")
    #expect(!pending[used...].contains(0x0A), "left a whole line unconsumed")
  }
}

/// Decodes `bytes` in one call (`chunkSize` nil) or in pieces of `chunkSize` bytes.
func decodeText<Decoder: TraceDecoder>(
  _ decoder: Decoder, _ bytes: [UInt8], chunkSize: Int? = nil
) throws(TraceParseError) -> DecodedText {
  guard let chunkSize, chunkSize > 0 else { return try decodeText(decoder, bytes, cuts: []) }
  return try decodeText(decoder, bytes, cuts: Array(stride(from: chunkSize, to: bytes.count, by: chunkSize)))
}

/// Decodes a string (tests' hand-written lines).
func decodeText<Decoder: TraceDecoder>(_ decoder: Decoder, _ text: String) throws(TraceParseError) -> DecodedText {
  try decodeText(decoder, Array(text.utf8), cuts: [])
}

/// The error a strict decoder throws for `bytes`, or nil when it decodes them.
func firstStrictError<Decoder: TraceDecoder>(
  _ decoder: Decoder, _ bytes: [UInt8], chunkSize: Int? = nil
) -> TraceParseError? {
  do {
    _ = try decodeText(decoder, bytes, chunkSize: chunkSize)
    return nil
  } catch {
    return error
  }
}

/// Per-action event counts keyed by blkparse letters, as the fixtures' JSON has them.
func textActionCounts(_ events: ContiguousArray<BlockEvent>) -> [String: Int] {
  var counts: [String: Int] = [:]
  for event in events { counts[event.action.letters, default: 0] += 1 }
  return counts
}

/// `metrics.<section>.actions_all` of a fixture's JSON (`section` is `blk` or `tp`).
func fixtureActionCounts(_ name: String, section: String) throws -> [String: Int] {
  let data = try Data(contentsOf: FixturePaths.file(name, "json"))
  let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
  let metrics = json?["metrics"] as? [String: Any]
  let part = metrics?[section] as? [String: Any]
  let counts = try #require(part?["actions_all"] as? [String: Int])
  return counts
}

/// The fields every blk-style format must agree on.
struct TextEventKey: Hashable, Comparable, CustomStringConvertible {
  var action: UInt8
  var sector: UInt64
  var sectors: UInt32
  var pid: Int32
  var flags: UInt16
  init(_ event: BlockEvent) {
    action = event.action.rawValue
    sector = event.sector
    sectors = event.sectors
    pid = event.pid
    flags = event.flags.rawValue
  }
  static func < (a: Self, b: Self) -> Bool {
    (a.action, a.sector, a.sectors, a.pid, a.flags) < (b.action, b.sector, b.sectors, b.pid, b.flags)
  }
  var description: String { "\(action) \(sector)+\(sectors) pid \(pid) flags \(flags)" }
}

/// A deterministic generator so random tests repeat (the same SplitMix64 the synthesizer uses).
typealias TextFuzzRandom = SplitMix64

/// Random cut positions for `count` bytes: pieces of 1 to `maxPiece` bytes.
func textRandomCuts(count: Int, maxPiece: Int, using generator: inout TextFuzzRandom) -> [Int] {
  var cuts: [Int] = []
  var at = 0
  while true {
    at += Int.random(in: 1...maxPiece, using: &generator)
    if at >= count { break }
    cuts.append(at)
  }
  return cuts
}

/// Inputs for the never-crash tests: pure random bytes, random text made of the characters
/// trace lines use, and real lines with random bytes changed, cut or duplicated.
func textFuzzInputs(seed: UInt64, realText: [UInt8], count: Int = 300) -> [[UInt8]] {
  var generator = TextFuzzRandom(seed: seed)
  let alphabet = Array("0123456789 ,.:[]()+-/<>#\n\r\tQMFGSRDCPUTIXABmNWEVKLOabcdefgklmnopqrstuvwxyz_".utf8)
  let realLines = realText.split(separator: 0x0A, omittingEmptySubsequences: true)
  var inputs: [[UInt8]] = [[], [0x0A], [0x0D, 0x0A], Array("\n\n\r\r".utf8)]
  for round in 0..<count {
    let length = Int.random(in: 0...600, using: &generator)
    switch round % 3 {
    case 0:
      inputs.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
    case 1:
      inputs.append((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    default:
      var text: [UInt8] = []
      for _ in 0..<Int.random(in: 1...6, using: &generator) {
        guard var line = realLines.randomElement(using: &generator).map(Array.init) else { break }
        for _ in 0..<Int.random(in: 0...4, using: &generator) where !line.isEmpty {
          let at = Int.random(in: 0..<line.count, using: &generator)
          switch Int.random(in: 0...3, using: &generator) {
          case 0: line[at] = alphabet.randomElement(using: &generator)!
          case 1: line[at] = UInt8.random(in: 0...255, using: &generator)
          case 2: line.removeSubrange(at...)
          default: line.insert(contentsOf: line[at...], at: at)
          }
        }
        text += line
        text.append(0x0A)
      }
      if Bool.random(using: &generator), !text.isEmpty { text.removeLast() }
      inputs.append(text)
    }
  }
  return inputs
}

/// Decodes every fuzz input leniently, whole and in random pieces: nothing may crash, and the
/// results must not depend on the pieces. Returns how many events came out in total.
@discardableResult
func checkNeverCrashes<Decoder: TraceDecoder>(
  _ make: (DecoderOptions) -> Decoder, seed: UInt64, realText: [UInt8]
) throws -> Int {
  var generator = TextFuzzRandom(seed: seed ^ 0xABCD)
  var total = 0
  for input in textFuzzInputs(seed: seed, realText: realText) {
    let whole = try decodeText(make(DecoderOptions()), input)
    let pieces = try decodeText(
      make(DecoderOptions()), input, cuts: textRandomCuts(count: input.count, maxPiece: 64, using: &generator))
    #expect(whole == pieces)
    total += whole.events.count
    // Strict mode must throw or succeed, never trap.
    _ = try? decodeText(make(DecoderOptions(strict: true)), input, cuts: [])
  }
  return total
}
