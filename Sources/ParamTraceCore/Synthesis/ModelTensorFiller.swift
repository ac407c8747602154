/// Fills tensor data with seeded pseudo-random bytes that llama.cpp can compute with: random
/// quants, but every block's scale fields set to small finite values (random bytes would give
/// NaN and Inf halves about 3% of the time), and float tensors small and finite (vectors, the
/// norms, near 1).
///
/// Block layouts (ggml-common.h), with the byte offsets of their f16 scales:
/// Q4_0 d@0 · Q4_1 d@0 m@2 · Q5_0 d@0 · Q5_1 d@0 m@2 · Q8_0 d@0 · Q2_K d@80 dmin@82 ·
/// Q3_K d@108 · Q4_K d@0 dmin@2 (then scales[12], qs[128]) · Q5_K d@0 dmin@2 ·
/// Q6_K ql[128] qh[64] scales[16] d@208 · IQ2_XXS, IQ2_XS, IQ3_XXS, IQ1_S, IQ4_NL, IQ3_S,
/// IQ2_S, IQ4_XS, Q1_0 d@0 · TQ1_0 d@52 · TQ2_0 d@64 · Q8_K f32 d@0 · IQ1_M: the f16 is
/// spread over the top nibbles of its four u16 scales @48 · MXFP4: E8M0 exponent byte @0.
public struct ModelTensorFiller: Sendable {
  /// The seeded source of every byte; one stream across all tensors, in file order.
  public var generator: SplitMix64

  public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

  /// Fills `buffer` with the next bytes of a tensor of `type`. `buffer.count` must be a
  /// multiple of `type.bytesPerBlock` and the buffer must start at a block boundary.
  /// `isVector` marks 1-D tensors (norms), which get values near 1.
  public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer, type: GGMLType, isVector: Bool) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    switch type.id {
    case 0: fillFloats(buffer, isVector: isVector, width: 4) { UInt64($0.bitPattern) }
    case 1: fillFloats(buffer, isVector: isVector, width: 2) { UInt64(Self.half($0)) }
    case 30: fillFloats(buffer, isVector: isVector, width: 2) { UInt64($0.bitPattern >> 16) }
    case 28: fillFloats(buffer, isVector: isVector, width: 8) { Double($0).bitPattern }
    default:
      fillRandom(buffer)
      let blockBytes = Int(type.bytesPerBlock)
      let blocks = buffer.count / blockBytes
      switch type.id {
      case 2, 6, 8, 16, 17, 18, 19, 20, 21, 22, 23, 41: patchHalves(base, blocks, blockBytes, at: [0])
      case 3, 7, 9, 12, 13: patchHalves(base, blocks, blockBytes, at: [0, 2])
      case 10: patchHalves(base, blocks, blockBytes, at: [80, 82])
      case 11: patchHalves(base, blocks, blockBytes, at: [108])
      case 14: patchHalves(base, blocks, blockBytes, at: [208])
      case 34: patchHalves(base, blocks, blockBytes, at: [52])
      case 35: patchHalves(base, blocks, blockBytes, at: [64])
      case 15:  // Q8_K: f32 d
        for block in 0..<blocks {
          base.storeBytes(of: (Float(0.0005) + Float(generator.next() & 0xFF) * 1e-6).bitPattern, toByteOffset: block * blockBytes, as: UInt32.self)
        }
      case 29:  // IQ1_M: the f16 scale is the top nibbles of scales[0…3] (u16 @48, 50, 52, 54)
        for block in 0..<blocks {
          let scale = smallHalf()
          for part in 0..<4 {
            let at = block * blockBytes + 48 + part * 2
            let word = base.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            let nibble = (scale >> (UInt16(part) * 4)) & 0xF
            base.storeBytes(of: (word & 0x0FFF) | (nibble << 12), toByteOffset: at, as: UInt16.self)
          }
        }
      case 39:  // MXFP4: E8M0 exponent 2^(e−127); keep it small
        for block in 0..<blocks {
          base.storeBytes(of: UInt8(118 + generator.next() % 4), toByteOffset: block * blockBytes, as: UInt8.self)
        }
      default: break  // integer types; NVFP4 and the removed repacked types stay random
      }
    }
  }

  /// A small finite f16: 2^-12 … 2^-10 (≈ 0.00024–0.0019), positive.
  @inlinable
  mutating func smallHalf() -> UInt16 { 0x0C00 + UInt16(truncatingIfNeeded: generator.next() & 0x07FF) }

  private mutating func patchHalves(_ base: UnsafeMutableRawPointer, _ blocks: Int, _ blockBytes: Int, at offsets: [Int]) {
    for block in 0..<blocks {
      for offset in offsets {
        base.storeBytes(of: smallHalf().littleEndian, toByteOffset: block * blockBytes + offset, as: UInt16.self)
      }
    }
  }

  private mutating func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
    let base = buffer.baseAddress!
    let words = buffer.count / 8
    var generator = self.generator
    if Int(bitPattern: base) % 8 == 0 {
      let pointer = base.assumingMemoryBound(to: UInt64.self)
      for index in 0..<words { pointer[index] = generator.next() }
    } else {
      for index in 0..<words { base.storeBytes(of: generator.next(), toByteOffset: index * 8, as: UInt64.self) }
    }
    var tail = generator.next()
    for index in (words * 8)..<buffer.count {
      base.storeBytes(of: UInt8(truncatingIfNeeded: tail), toByteOffset: index, as: UInt8.self)
      tail >>= 8
    }
    self.generator = generator
  }

  /// Float tensors: vectors near 1 (1 ± 1/64), matrices small (±0.03), encoded by `encode`
  /// into `width` bytes each.
  private mutating func fillFloats(
    _ buffer: UnsafeMutableRawBufferPointer, isVector: Bool, width: Int, encode: (Float) -> UInt64
  ) {
    let base = buffer.baseAddress!
    for index in 0..<(buffer.count / width) {
      let unit = Float(generator.next() >> 40) * 0x1p-24 - 0.5  // −0.5 ..< 0.5
      let value = isVector ? 1 + unit / 32 : unit * 0.06
      let bits = encode(value)
      switch width {
      case 2: base.storeBytes(of: UInt16(truncatingIfNeeded: bits), toByteOffset: index * 2, as: UInt16.self)
      case 4: base.storeBytes(of: UInt32(truncatingIfNeeded: bits), toByteOffset: index * 4, as: UInt32.self)
      default: base.storeBytes(of: bits, toByteOffset: index * 8, as: UInt64.self)
      }
    }
  }

  /// IEEE half of `value` (|value| < 2, normal or zero), rounded toward zero.
  static func half(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
    guard exponent > 0 else { return sign }
    guard exponent < 31 else { return sign | 0x7BFF }
    return sign | UInt16(exponent) << 10 | UInt16((bits >> 13) & 0x3FF)
  }
}
