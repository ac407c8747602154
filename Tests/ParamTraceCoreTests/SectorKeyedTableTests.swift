import Testing

@testable import ParamTraceCore

/// The request table against a Dictionary, under random inserts, replacements, removals,
/// growth and pruning, with keys crowded into few home slots so probe runs and backward
/// shifts happen all the time.
@Suite struct SectorKeyedTableTests {
  struct Key: Hashable {
    var sector: UInt64
    var device: UInt32
  }

  @Test(arguments: [1, 2, 3])
  func behavesLikeADictionary(seed: UInt64) {
    var random = SplitMix64(seed: seed)
    var table = SectorKeyedTable<Int>(capacity: 4)
    var oracle: [Key: Int] = [:]
    for step in 0..<20_000 {
      // Few distinct keys (so removals and replacements hit), on two devices.
      let key = Key(sector: random.below(300) * 8, device: random.chance(0.2) ? 7 : 3)
      let device = DeviceNumber(raw: key.device)
      switch random.below(10) {
      case 0..<5:
        table.insert(step, key.sector, device)
        oracle[key] = step
      case 5..<8:
        #expect(table.remove(key.sector, device) == oracle.removeValue(forKey: key))
      case 8:
        if let slot = table.find(key.sector, device) {
          table[slot: slot] += 1
          oracle[key]! += 1
        } else {
          #expect(oracle[key] == nil)
        }
      default:
        if step % 50 == 0 {
          let horizon = step - Int(random.below(2_000))
          table.removeAll { $0 < horizon }
          oracle = oracle.filter { $0.value >= horizon }
        }
      }
      #expect(table.count == oracle.count)
      #expect(table.value(key.sector, device) == oracle[key])
    }
    #expect(table.allValues.sorted() == oracle.values.sorted())
    for (key, value) in oracle { #expect(table.value(key.sector, DeviceNumber(raw: key.device)) == value) }
  }
}
