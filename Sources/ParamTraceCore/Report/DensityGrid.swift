/// One axis of a `DensityGrid`: `count` bins of `width` units from `origin`.
///
/// A fixed axis covers a range known beforehand (the trace's time span from analysis.json,
/// the file's size) and clamps values outside it into the edge bins. A growing axis starts
/// at the first value and doubles its bin width whenever a value falls outside, merging bins
/// pairwise, so it covers any range in the same memory.
public struct BinAxis: Sendable, Hashable {
  /// Start of the first bin.
  public private(set) var origin: UInt64
  /// Units per bin.
  public private(set) var width: UInt64
  /// Number of bins.
  public let count: Int
  /// True when the axis widens to follow the data; false when it clamps.
  public let growing: Bool
  private var started: Bool

  /// `count` bins over `[lower, upper]` (clamped).
  public static func fixed(lower: UInt64, upper: UInt64, count: Int) -> BinAxis {
    let span = upper >= lower ? upper - lower : 0
    let width = max(1, span / UInt64(count) + (span % UInt64(count) == 0 ? 0 : 1))
    return BinAxis(origin: lower, width: width, count: count, growing: false, started: true)
  }

  /// `count` bins of `width` from `origin` (clamped).
  public static func fixed(origin: UInt64, width: UInt64, count: Int) -> BinAxis {
    BinAxis(origin: origin, width: max(1, width), count: count, growing: false, started: true)
  }

  /// `count` bins that follow the data.
  public static func growing(count: Int) -> BinAxis {
    BinAxis(origin: 0, width: 1, count: count, growing: true, started: false)
  }

  /// The exclusive end of the covered range.
  public var end: UInt64 { origin &+ width &* UInt64(count) }

  /// The start of bin `index`.
  public func start(of index: Int) -> UInt64 { origin &+ width &* UInt64(index) }

  @inline(__always)
  func index(of value: UInt64) -> Int {
    guard value >= origin else { return 0 }
    let index = (value - origin) / width
    return index >= UInt64(count) ? count - 1 : Int(index)
  }

  @inline(__always)
  func covers(_ value: UInt64) -> Bool { started && value >= origin && (value - origin) / width < UInt64(count) }

  /// Widens a growing axis to cover `value`; returns the factor by which the bin width grew
  /// and the old origin and width (for re-binning), or nil when nothing changed.
  mutating func include(_ value: UInt64) -> (oldOrigin: UInt64, oldWidth: UInt64)? {
    guard growing else { return nil }
    if !started {
      started = true
      origin = value
      width = 1
      return nil
    }
    guard !covers(value) else { return nil }
    let oldOrigin = origin
    let oldWidth = width
    let low = min(origin, value)
    let high = max(end - 1, value)
    var newWidth = width
    var newOrigin = origin
    repeat {
      guard newWidth <= UInt64.max / 4 / UInt64(count) else { break }
      newWidth *= 2
      newOrigin = low / newWidth * newWidth
    } while (high - newOrigin) / newWidth >= UInt64(count)
    origin = newOrigin
    width = newWidth
    return (oldOrigin, oldWidth)
  }
}

/// Counts (or byte weights) of points in a grid of `columns` × `rows` cells, in `layers`
/// (the phases: load, decode): how plots of millions of operations stay small. Memory is
/// fixed: columns × rows × layers × 8 bytes.
public struct DensityGrid: Sendable, Hashable {
  /// Bins along x (time).
  public let columns: Int
  /// Bins along y (sector, offset, layer).
  public let rows: Int
  /// Separate grids (phases).
  public let layers: Int
  /// The x axis's bins.
  public private(set) var x: BinAxis
  /// The y axis's bins.
  public private(set) var y: BinAxis
  /// Weights by `(layer * rows + row) * columns + column`.
  public private(set) var cells: [UInt64]
  /// Points added.
  public private(set) var points = 0

  public init(x: BinAxis, y: BinAxis, layers: Int = 1) {
    columns = x.count
    rows = y.count
    self.layers = layers
    self.x = x
    self.y = y
    cells = [UInt64](repeating: 0, count: x.count * y.count * layers)
  }

  /// Adds `weight` at (x, y) in `layer`.
  @inline(__always)
  public mutating func add(x xValue: UInt64, y yValue: UInt64, layer: Int = 0, weight: UInt64 = 1) {
    if x.growing, !x.covers(xValue), let old = x.include(xValue) { rebin(oldX: old, oldY: nil) }
    if y.growing, !y.covers(yValue), let old = y.include(yValue) { rebin(oldX: nil, oldY: old) }
    let cell = (layer * rows + y.index(of: yValue)) * columns + x.index(of: xValue)
    cells[cell] &+= weight
    points += 1
  }

  /// Moves every cell to the bins of the widened axes.
  private mutating func rebin(oldX: (oldOrigin: UInt64, oldWidth: UInt64)?, oldY: (oldOrigin: UInt64, oldWidth: UInt64)?) {
    var moved = [UInt64](repeating: 0, count: cells.count)
    for layer in 0..<layers {
      for row in 0..<rows {
        let newRow = oldY.map { y.index(of: $0.oldOrigin &+ $0.oldWidth &* UInt64(row)) } ?? row
        for column in 0..<columns {
          let weight = cells[(layer * rows + row) * columns + column]
          guard weight > 0 else { continue }
          let newColumn = oldX.map { x.index(of: $0.oldOrigin &+ $0.oldWidth &* UInt64(column)) } ?? column
          moved[(layer * rows + newRow) * columns + newColumn] &+= weight
        }
      }
    }
    cells = moved
  }

  /// The weight of one cell.
  public func weight(column: Int, row: Int, layer: Int = 0) -> UInt64 { cells[(layer * rows + row) * columns + column] }

  /// The largest cell weight.
  public var maximum: UInt64 { cells.max() ?? 0 }

  /// Cells with a weight, as (layer, row, column, weight).
  public var nonEmpty: [(layer: Int, row: Int, column: Int, weight: UInt64)] {
    var out: [(Int, Int, Int, UInt64)] = []
    for layer in 0..<layers {
      for row in 0..<rows {
        for column in 0..<columns {
          let weight = cells[(layer * rows + row) * columns + column]
          if weight > 0 { out.append((layer, row, column, weight)) }
        }
      }
    }
    return out
  }

  /// The range of rows and columns that hold weight (all layers); nil when empty.
  public var occupied: (columns: ClosedRange<Int>, rows: ClosedRange<Int>)? {
    var minColumn = Int.max
    var maxColumn = -1
    var minRow = Int.max
    var maxRow = -1
    for cell in nonEmpty {
      minColumn = min(minColumn, cell.column)
      maxColumn = max(maxColumn, cell.column)
      minRow = min(minRow, cell.row)
      maxRow = max(maxRow, cell.row)
    }
    guard maxColumn >= 0 else { return nil }
    return (minColumn...maxColumn, minRow...maxRow)
  }
}
