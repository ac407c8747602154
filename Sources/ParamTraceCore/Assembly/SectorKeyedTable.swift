/// An open-addressing hash table from (device, sector) to a value, for the requests and bios
/// in flight. Swift's Dictionary hashes with SipHash, which costs more than the rest of an
/// event's processing; this table uses one multiply and linear probing, and deletes by
/// backward shift so it never fills with tombstones.
struct SectorKeyedTable<Value> {
  private var sectors: [UInt64]
  private var devices: [UInt32]
  private var used: [Bool]
  private var values: [Value?]
  private var mask: Int
  private(set) var count = 0

  init(capacity: Int = 1024) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    sectors = Array(repeating: 0, count: size)
    devices = Array(repeating: 0, count: size)
    used = Array(repeating: false, count: size)
    values = Array(repeating: nil, count: size)
    mask = size - 1
  }

  @inline(__always)
  private func home(_ sector: UInt64, _ device: UInt32) -> Int {
    let mixed = (sector ^ (UInt64(device) << 40)) &* 0x9E37_79B9_7F4A_7C15
    return Int(truncatingIfNeeded: mixed >> 20) & mask
  }

  @inline(__always)
  private func slot(of sector: UInt64, _ device: UInt32) -> Int? {
    var index = home(sector, device)
    while used[index] {
      if sectors[index] == sector, devices[index] == device { return index }
      index = (index + 1) & mask
    }
    return nil
  }

  /// The slot holding the key, for in-place access through `subscript(slot:)`.
  @inline(__always)
  func find(_ sector: UInt64, _ device: DeviceNumber) -> Int? { slot(of: sector, device.raw) }

  /// The value in a slot returned by `find`; valid until the next insert or remove.
  subscript(slot index: Int) -> Value {
    get { values[index]! }
    set { values[index] = newValue }
  }

  /// The value stored for the key, if any.
  func value(_ sector: UInt64, _ device: DeviceNumber) -> Value? {
    guard let index = slot(of: sector, device.raw) else { return nil }
    return values[index]
  }

  /// Stores `value` under the key, replacing any value there.
  mutating func insert(_ value: Value, _ sector: UInt64, _ device: DeviceNumber) {
    if (count + 1) * 2 > mask + 1 { grow() }
    var index = home(sector, device.raw)
    while used[index] {
      if sectors[index] == sector, devices[index] == device.raw {
        values[index] = value
        return
      }
      index = (index + 1) & mask
    }
    used[index] = true
    sectors[index] = sector
    devices[index] = device.raw
    values[index] = value
    count += 1
  }

  /// Removes and returns the value for the key.
  @discardableResult
  mutating func remove(_ sector: UInt64, _ device: DeviceNumber) -> Value? {
    guard var hole = slot(of: sector, device.raw) else { return nil }
    let removed = values[hole]
    values[hole] = nil
    used[hole] = false
    count -= 1
    // Backward-shift deletion: move later members of the probe run into the hole.
    var index = (hole + 1) & mask
    while used[index] {
      let wanted = home(sectors[index], devices[index])
      let distanceFromHome = (index - wanted) & mask
      let distanceToHole = (index - hole) & mask
      if distanceFromHome >= distanceToHole {
        used[hole] = true
        sectors[hole] = sectors[index]
        devices[hole] = devices[index]
        values[hole] = values[index]
        used[index] = false
        values[index] = nil
        hole = index
      }
      index = (index + 1) & mask
    }
    return removed
  }

  /// Removes every entry for which `shouldRemove` is true (used to drop stale bios).
  mutating func removeAll(where shouldRemove: (Value) -> Bool) {
    var kept: [(UInt64, UInt32, Value)] = []
    for index in 0...mask where used[index] {
      if let value = values[index], !shouldRemove(value) { kept.append((sectors[index], devices[index], value)) }
    }
    for index in 0...mask {
      used[index] = false
      values[index] = nil
    }
    count = 0
    for (sector, device, value) in kept { insert(value, sector, DeviceNumber(raw: device)) }
  }

  /// Every value, in no particular order.
  var allValues: [Value] {
    var result: [Value] = []
    result.reserveCapacity(count)
    for index in 0...mask where used[index] { if let value = values[index] { result.append(value) } }
    return result
  }

  private mutating func grow() {
    let old = (sectors, devices, used, values)
    let size = (mask + 1) * 2
    sectors = Array(repeating: 0, count: size)
    devices = Array(repeating: 0, count: size)
    used = Array(repeating: false, count: size)
    values = Array(repeating: nil, count: size)
    mask = size - 1
    count = 0
    for index in old.2.indices where old.2[index] {
      insert(old.3[index]!, old.0[index], DeviceNumber(raw: old.1[index]))
    }
  }
}
