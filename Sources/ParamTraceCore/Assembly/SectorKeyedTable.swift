/// An open-addressing hash table from (device, sector) to a value, for the requests and bios
/// in flight. Swift's Dictionary hashes with SipHash, which costs more than the rest of an
/// event's processing; this table uses one multiply and linear probing, and deletes by
/// backward shift so it never fills with tombstones.
///
/// Every operation works on the one array of slots through a pointer: a table operation per
/// trace event is in the hot loop, and separate arrays cost a bounds and sharing check each.
struct SectorKeyedTable<Value> {
  private struct Slot {
    var sector: UInt64
    var device: UInt32
    /// nil: the slot is free.
    var value: Value?
  }

  private var slots: [Slot]
  private var mask: Int
  private(set) var count = 0

  init(capacity: Int = 1024) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    slots = Array(repeating: Slot(sector: 0, device: 0, value: nil), count: size)
    mask = size - 1
  }

  @inline(__always)
  private static func home(_ sector: UInt64, _ device: UInt32, _ mask: Int) -> Int {
    let mixed = (sector ^ (UInt64(device) << 40)) &* 0x9E37_79B9_7F4A_7C15
    return Int(truncatingIfNeeded: mixed >> 20) & mask
  }

  @inline(__always)
  private static func index(
    of sector: UInt64, _ device: UInt32, in slots: UnsafeBufferPointer<Slot>, _ mask: Int
  ) -> Int? {
    var index = home(sector, device, mask)
    while slots[index].value != nil {
      if slots[index].sector == sector, slots[index].device == device { return index }
      index = (index + 1) & mask
    }
    return nil
  }

  /// The slot holding the key, for in-place access through `subscript(slot:)`.
  @inline(__always)
  func find(_ sector: UInt64, _ device: DeviceNumber) -> Int? {
    let mask = mask
    return slots.withUnsafeBufferPointer { Self.index(of: sector, device.raw, in: $0, mask) }
  }

  /// The value in a slot returned by `find`; valid until the next insert or remove.
  subscript(slot index: Int) -> Value {
    get { slots[index].value! }
    set { slots[index].value = newValue }
  }

  /// The value stored for the key, if any.
  func value(_ sector: UInt64, _ device: DeviceNumber) -> Value? {
    guard let index = find(sector, device) else { return nil }
    return slots[index].value
  }

  /// Stores `value` under the key, replacing any value there.
  mutating func insert(_ value: Value, _ sector: UInt64, _ device: DeviceNumber) {
    if (count + 1) * 2 > mask + 1 { grow() }
    let mask = mask
    let added = slots.withUnsafeMutableBufferPointer { slots in
      var index = Self.home(sector, device.raw, mask)
      while slots[index].value != nil {
        if slots[index].sector == sector, slots[index].device == device.raw {
          slots[index].value = value
          return false
        }
        index = (index + 1) & mask
      }
      slots[index] = Slot(sector: sector, device: device.raw, value: value)
      return true
    }
    if added { count += 1 }
  }

  /// Removes and returns the value for the key.
  @discardableResult
  mutating func remove(_ sector: UInt64, _ device: DeviceNumber) -> Value? {
    let mask = mask
    let removed: Value? = slots.withUnsafeMutableBufferPointer { slots in
      guard var hole = Self.index(of: sector, device.raw, in: UnsafeBufferPointer(slots), mask) else { return nil }
      let removed = slots[hole].value
      slots[hole].value = nil
      // Backward-shift deletion: move later members of the probe run into the hole.
      var index = (hole + 1) & mask
      while slots[index].value != nil {
        let wanted = Self.home(slots[index].sector, slots[index].device, mask)
        let distanceFromHome = (index - wanted) & mask
        let distanceToHole = (index - hole) & mask
        if distanceFromHome >= distanceToHole {
          slots[hole] = slots[index]
          slots[index].value = nil
          hole = index
        }
        index = (index + 1) & mask
      }
      return removed
    }
    if removed != nil { count -= 1 }
    return removed
  }

  /// Removes every entry for which `shouldRemove` is true (used to drop stale bios).
  mutating func removeAll(where shouldRemove: (Value) -> Bool) {
    let kept = slots.filter { slot in slot.value.map { !shouldRemove($0) } ?? false }
    rebuild(size: mask + 1, from: kept)
  }

  /// Every value, in no particular order.
  var allValues: [Value] { slots.compactMap(\.value) }

  private mutating func grow() {
    let old = slots.filter { $0.value != nil }
    rebuild(size: (mask + 1) * 2, from: old)
  }

  private mutating func rebuild(size: Int, from kept: [Slot]) {
    slots = Array(repeating: Slot(sector: 0, device: 0, value: nil), count: size)
    mask = size - 1
    count = 0
    for slot in kept { insert(slot.value!, slot.sector, DeviceNumber(raw: slot.device)) }
  }
}
