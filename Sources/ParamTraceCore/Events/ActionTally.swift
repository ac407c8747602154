/// A count per `BlockAction`, stored inline: counting an event touches no heap array (no
/// check for a shared buffer on every increment of a hot loop).
public struct ActionTally: Sendable, Hashable {
  private var counts = InlineArray<32, Int>(repeating: 0)

  public init() {}

  /// Events of `action`.
  @inlinable public subscript(action: BlockAction) -> Int {
    get { self[raw: action.rawValue] }
    set { self[raw: action.rawValue] = newValue }
  }

  /// Events whose action has the raw value `raw` (below 32).
  @usableFromInline subscript(raw raw: UInt8) -> Int {
    @inline(__always) get { counts[Int(raw & 31)] }
    @inline(__always) set { counts[Int(raw & 31)] = newValue }
  }

  /// Counts one event of `action`.
  @inline(__always) public mutating func add(_ action: BlockAction) { self[raw: action.rawValue] &+= 1 }

  /// Adds another tally's counts.
  public mutating func merge(_ other: ActionTally) {
    for index in 0..<32 { counts[index] &+= other.counts[index] }
  }

  /// Events of every action.
  public var total: Int {
    var sum = 0
    for index in 0..<32 { sum &+= counts[index] }
    return sum
  }

  public static func == (a: ActionTally, b: ActionTally) -> Bool {
    for index in 0..<32 where a.counts[index] != b.counts[index] { return false }
    return true
  }

  public func hash(into hasher: inout Hasher) {
    for index in 0..<32 { hasher.combine(counts[index]) }
  }
}

/// A set of `BlockAction`s, one bit each.
public struct BlockActionSet: OptionSet, Sendable, Hashable {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  public init(_ actions: [BlockAction]) {
    rawValue = 0
    for action in actions { rawValue |= 1 << UInt32(action.rawValue) }
  }

  @inline(__always) public func contains(_ action: BlockAction) -> Bool {
    rawValue & (1 << UInt32(action.rawValue)) != 0
  }
}
