/// A point in data coordinates.
public struct PlotPoint: Sendable, Hashable {
  /// Data x.
  public var x: Double
  /// Data y.
  public var y: Double
  public init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }
}

/// A rectangle in data coordinates (a density cell, an operation's byte range, a layer run),
/// drawn at least `PlotMark.minimumPixels` wide and high so a short one stays visible.
public struct PlotRect: Sendable, Hashable {
  /// Data x range.
  public var x0: Double
  public var x1: Double
  /// Data y range.
  public var y0: Double
  public var y1: Double
  /// Fill opacity, 0...1.
  public var opacity: Double
  public init(x0: Double, x1: Double, y0: Double, y1: Double, opacity: Double = 1) {
    self.x0 = x0
    self.x1 = x1
    self.y0 = y0
    self.y1 = y1
    self.opacity = opacity
  }
}

/// One layer of a plot: a named, colored series or a marker line.
public struct PlotMark: Sendable, Hashable {
  /// What is drawn.
  public enum Shape: Sendable, Hashable {
    /// Dots of `radius` pixels.
    case points([PlotPoint], radius: Double)
    /// × marks (failed runs).
    case crosses([PlotPoint])
    /// A polyline through the points in order.
    case line([PlotPoint])
    /// Rectangles in data space.
    case rects([PlotRect])
    /// Bars over the x axis's categories: `values[i]` for category i, in slot `slot` of
    /// `slots` side by side (grouped bars); nil values are left out.
    case bars([Double?], slot: Int, slots: Int)
    /// A horizontal marker line at y = value.
    case horizontalRule(Double, label: String?)
    /// A vertical marker line at x = value.
    case verticalRule(Double, label: String?)
    /// A shaded vertical band between two x values.
    case band(Double, Double, label: String?)
  }

  /// The legend text; also names the series' group (`data-series`).
  public var name: String
  /// A fixed color (`PlotPalette`).
  public var color: String
  /// What is drawn.
  public var shape: Shape
  /// Dashed lines (rules, lines).
  public var dashed: Bool
  /// Listed in the legend (the first mark of each name).
  public var inLegend: Bool

  public init(_ name: String, color: String, _ shape: Shape, dashed: Bool = false, inLegend: Bool = true) {
    self.name = name
    self.color = color
    self.shape = shape
    self.dashed = dashed
    self.inLegend = inLegend
  }

  /// Rectangles narrower or lower than this many pixels are widened to it.
  public static let minimumPixels = 1.5
}

/// A chart: title, axes, marks and a caption that says how the data was reduced. Renders
/// to a standalone SVG element; the same input always gives the same bytes.
public struct Plot: Sendable, Hashable {
  /// Prefix of every element id in the SVG (unique within a page).
  public var id: String
  /// The heading above the plot.
  public var title: String
  /// What is drawn and how it was reduced ("1,234,567 operations binned into 300×150 cells").
  public var caption: String
  /// The axes.
  public var x: PlotAxis
  public var y: PlotAxis
  /// Series and marker lines, drawn in order.
  public var marks: [PlotMark]
  /// When set, the plot shows this message instead of data.
  public var emptyMessage: String?
  /// Size of the drawing area in pixels (the SVG adds margins, title, legend and caption).
  public var plotWidth: Double = 560
  public var plotHeight: Double = 230

  public init(id: String, title: String, caption: String, x: PlotAxis, y: PlotAxis, marks: [PlotMark], emptyMessage: String? = nil) {
    self.id = id
    self.title = title
    self.caption = caption
    self.x = x
    self.y = y
    self.marks = marks
    self.emptyMessage = emptyMessage
  }

  /// A plot that only shows `message` (no data).
  public static func empty(id: String, title: String, message: String, caption: String = "") -> Plot {
    Plot(
      id: id, title: title, caption: caption, x: PlotAxis(label: "", lower: 0, upper: 1), y: PlotAxis(label: "", lower: 0, upper: 1),
      marks: [], emptyMessage: message)
  }

  // MARK: - Layout

  static let left = 74.0
  /// Right margin: wider when marker lines carry labels, which are printed there.
  var right: Double { hasRuleLabels ? 52 : 18 }
  /// Labels of horizontal lines up to this long go in the right margin; longer ones inside.
  static let marginLabelCharacters = 7
  var hasRuleLabels: Bool {
    marks.contains { if case .horizontalRule(_, let label?) = $0.shape { label.count <= Self.marginLabelCharacters } else { false } }
  }
  static let bottom = 44.0
  static let captionLine = 14.0
  static let captionCharacters = 100

  var width: Double { Self.left + plotWidth + right }
  /// Wrapped to the plot's width (100 characters at the default 560 px), so a narrower panel's
  /// caption stays inside its SVG.
  var captionLines: [String] { Self.wrap(caption, width: min(Self.captionCharacters, Int(plotWidth / 5.6))) }
  /// Top margin: the title, then one line per legend row.
  var top: Double { cachedTop ?? 30 + Double(max(legendLayout.rows, 1)) * 13 + 6 }
  private var cachedTop: Double?
  var height: Double { top + plotHeight + Self.bottom + Double(captionLines.count) * Self.captionLine + 6 }

  func px(_ value: Double) -> Double { Self.left + x.fraction(value) * plotWidth }
  func py(_ value: Double) -> Double { top + (1 - y.fraction(value)) * plotHeight }

  /// The plot as an `<svg>` element (no XML declaration, so it can be inlined in HTML).
  public var svg: String {
    var frozen = self
    frozen.cachedTop = top
    return frozen.render()
  }

  private func render() -> String {
    var out = SVGWriter()
    out.open(
      "svg",
      [
        ("xmlns", "http://www.w3.org/2000/svg"), ("id", id), ("class", "plot"), ("width", SVGWriter.number(width)),
        ("height", SVGWriter.number(height)), ("viewBox", "0 0 \(SVGWriter.number(width)) \(SVGWriter.number(height))"),
        ("role", "img"), ("aria-labelledby", "\(id)-title"), ("font-family", "sans-serif"),
      ])
    out.element("title", [("id", "\(id)-title")], text: title)
    out.element("desc", [], text: caption)
    out.element("rect", [("x", "0"), ("y", "0"), ("width", SVGWriter.number(width)), ("height", SVGWriter.number(height)), ("fill", "#ffffff")])
    out.element(
      "text", [("class", "title"), ("x", SVGWriter.number(Self.left)), ("y", "18"), ("font-size", "14"), ("font-weight", "bold"), ("fill", "#222222")],
      text: title)
    if let emptyMessage {
      out.element(
        "rect",
        [
          ("x", SVGWriter.number(Self.left)), ("y", SVGWriter.number(top)), ("width", SVGWriter.number(plotWidth)),
          ("height", SVGWriter.number(plotHeight)), ("fill", "#f6f6f6"), ("stroke", "#cccccc"),
        ])
      out.element(
        "text",
        [
          ("id", "\(id)-empty"), ("class", "empty-message"), ("x", SVGWriter.number(Self.left + plotWidth / 2)),
          ("y", SVGWriter.number(top + plotHeight / 2)), ("text-anchor", "middle"), ("font-size", "13"), ("fill", "#555555"),
        ], text: emptyMessage)
    } else {
      drawAxes(&out)
      drawLegend(&out)
      out.open("clipPath", [("id", "\(id)-clip")])
      out.element(
        "rect",
        [
          ("x", SVGWriter.number(Self.left)), ("y", SVGWriter.number(top)), ("width", SVGWriter.number(plotWidth)),
          ("height", SVGWriter.number(plotHeight)),
        ])
      out.close("clipPath")
      for (index, mark) in marks.enumerated() { draw(mark, index: index, into: &out) }
      drawRuleLabels(&out)
    }
    let captionTop = top + plotHeight + Self.bottom
    for (index, line) in captionLines.enumerated() {
      out.element(
        "text",
        [
          ("class", "caption"), ("x", SVGWriter.number(Self.left)), ("y", SVGWriter.number(captionTop + Double(index) * Self.captionLine)),
          ("font-size", "11"), ("fill", "#444444"),
        ], text: line)
    }
    out.close("svg")
    return out.text
  }

  private func drawAxes(_ out: inout SVGWriter) {
    let bottom = top + plotHeight
    out.element(
      "rect",
      [
        ("x", SVGWriter.number(Self.left)), ("y", SVGWriter.number(top)), ("width", SVGWriter.number(plotWidth)),
        ("height", SVGWriter.number(plotHeight)), ("fill", "#fbfbfb"), ("stroke", "#999999"), ("stroke-width", "1"),
      ])
    let categorical: Bool = if case .categories = x.format { true } else { false }
    out.open("g", [("id", "\(id)-x-axis"), ("class", "axis x"), ("font-size", "10"), ("fill", "#333333")])
    for tick in x.ticks {
      let position = px(tick.value)
      guard position >= Self.left - 0.5, position <= Self.left + plotWidth + 0.5 else { continue }
      if !categorical {
        out.element(
          "line",
          [
            ("class", "grid"), ("x1", SVGWriter.number(position)), ("x2", SVGWriter.number(position)), ("y1", SVGWriter.number(top)),
            ("y2", SVGWriter.number(bottom)), ("stroke", "#e6e6e6"),
          ])
      }
      out.element(
        "text", [("class", "tick"), ("x", SVGWriter.number(position)), ("y", SVGWriter.number(bottom + 14)), ("text-anchor", "middle")],
        text: tick.label)
    }
    out.element(
      "text",
      [
        ("class", "axis-label"), ("x", SVGWriter.number(Self.left + plotWidth / 2)), ("y", SVGWriter.number(bottom + 32)),
        ("text-anchor", "middle"), ("font-size", "12"),
      ], text: x.title)
    out.close("g")
    out.open("g", [("id", "\(id)-y-axis"), ("class", "axis y"), ("font-size", "10"), ("fill", "#333333")])
    for tick in y.ticks {
      let position = py(tick.value)
      guard position >= top - 0.5, position <= bottom + 0.5 else { continue }
      out.element(
        "line",
        [
          ("class", "grid"), ("x1", SVGWriter.number(Self.left)), ("x2", SVGWriter.number(Self.left + plotWidth)),
          ("y1", SVGWriter.number(position)), ("y2", SVGWriter.number(position)), ("stroke", "#e6e6e6"),
        ])
      out.element(
        "text",
        [("class", "tick"), ("x", SVGWriter.number(Self.left - 6)), ("y", SVGWriter.number(position + 3.5)), ("text-anchor", "end")],
        text: tick.label)
    }
    let middle = top + plotHeight / 2
    out.element(
      "text",
      [
        ("class", "axis-label"), ("x", "14"), ("y", SVGWriter.number(middle)), ("text-anchor", "middle"), ("font-size", "12"),
        ("transform", "rotate(-90 14 \(SVGWriter.number(middle)))"),
      ], text: y.title)
    out.close("g")
  }

  /// Legend entries (first mark of each name) with their position, wrapped into rows.
  var legendLayout: (entries: [(mark: PlotMark, x: Double, row: Int)], rows: Int) {
    guard emptyMessage == nil else { return ([], 0) }
    var seen: Set<String> = []
    var entries: [(PlotMark, Double, Int)] = []
    var cursor = Self.left
    var row = 0
    for mark in marks where mark.inLegend && !seen.contains(mark.name) {
      seen.insert(mark.name)
      let widthNeeded = 18 + Double(mark.name.count) * 6.2 + 14
      if cursor + widthNeeded > Self.left + plotWidth, cursor > Self.left {
        cursor = Self.left
        row += 1
      }
      entries.append((mark, cursor, row))
      cursor += widthNeeded
    }
    return (entries, entries.isEmpty ? 0 : row + 1)
  }

  private func drawLegend(_ out: inout SVGWriter) {
    let layout = legendLayout
    guard !layout.entries.isEmpty else { return }
    out.open("g", [("id", "\(id)-legend"), ("class", "legend"), ("font-size", "11"), ("fill", "#333333")])
    for (mark, cursor, row) in layout.entries {
      let y = 34 + Double(row) * 13
      switch mark.shape {
      case .horizontalRule, .verticalRule, .line:
        out.element(
          "line",
          [
            ("x1", SVGWriter.number(cursor)), ("x2", SVGWriter.number(cursor + 14)), ("y1", SVGWriter.number(y - 4)),
            ("y2", SVGWriter.number(y - 4)), ("stroke", mark.color), ("stroke-width", "2"),
          ] + (mark.dashed ? [("stroke-dasharray", "4 3")] : []))
      default:
        out.element(
          "rect",
          [
            ("x", SVGWriter.number(cursor)), ("y", SVGWriter.number(y - 9)), ("width", "12"), ("height", "10"), ("fill", mark.color),
            ("fill-opacity", mark.shape.isBand ? "0.25" : "1"),
          ])
      }
      out.element("text", [("x", SVGWriter.number(cursor + 18)), ("y", SVGWriter.number(y))], text: mark.name)
    }
    out.close("g")
  }

  private func draw(_ mark: PlotMark, index: Int, into out: inout SVGWriter) {
    var attributes: [(String, String)] = [
      ("id", "\(id)-series-\(index)"), ("class", "series \(mark.shape.kind)"), ("data-series", mark.name), ("clip-path", "url(#\(id)-clip)"),
    ]
    switch mark.shape {
    case .points(let points, let radius):
      out.open("g", attributes + [("fill", mark.color)])
      for point in points {
        out.element(
          "circle", [("cx", SVGWriter.number(px(point.x))), ("cy", SVGWriter.number(py(point.y))), ("r", SVGWriter.number(radius))])
      }
      out.close("g")
    case .crosses(let points):
      // Not clipped: failed runs sit on the axis.
      out.open("g", attributes.filter { $0.0 != "clip-path" } + [("stroke", mark.color), ("stroke-width", "2")])
      for point in points {
        let cx = px(point.x)
        let cy = py(point.y)
        out.element(
          "path",
          [
            ("d", "M\(SVGWriter.number(cx - 4)),\(SVGWriter.number(cy - 4))L\(SVGWriter.number(cx + 4)),\(SVGWriter.number(cy + 4))M\(SVGWriter.number(cx - 4)),\(SVGWriter.number(cy + 4))L\(SVGWriter.number(cx + 4)),\(SVGWriter.number(cy - 4))")
          ])
      }
      out.close("g")
    case .line(let points):
      guard !points.isEmpty else { return }
      let path = points.enumerated().map { ($0.offset == 0 ? "M" : "L") + SVGWriter.number(px($0.element.x)) + "," + SVGWriter.number(py($0.element.y)) }
        .joined()
      attributes += [("fill", "none"), ("stroke", mark.color), ("stroke-width", "1.6"), ("stroke-linejoin", "round")]
      if mark.dashed { attributes.append(("stroke-dasharray", "5 3")) }
      out.open("g", attributes)
      out.element("path", [("d", path)])
      out.close("g")
    case .rects(let rects):
      out.open("g", attributes + [("fill", mark.color)])
      for rect in rects {
        var x0 = px(min(rect.x0, rect.x1))
        var x1 = px(max(rect.x0, rect.x1))
        var y0 = py(max(rect.y0, rect.y1))
        var y1 = py(min(rect.y0, rect.y1))
        if x1 - x0 < PlotMark.minimumPixels {
          let middle = (x0 + x1) / 2
          x0 = middle - PlotMark.minimumPixels / 2
          x1 = middle + PlotMark.minimumPixels / 2
        }
        if y1 - y0 < PlotMark.minimumPixels {
          let middle = (y0 + y1) / 2
          y0 = middle - PlotMark.minimumPixels / 2
          y1 = middle + PlotMark.minimumPixels / 2
        }
        var rectAttributes = [
          ("x", SVGWriter.number(x0)), ("y", SVGWriter.number(y0)), ("width", SVGWriter.number(x1 - x0)), ("height", SVGWriter.number(y1 - y0)),
        ]
        if rect.opacity < 0.999 { rectAttributes.append(("fill-opacity", SVGWriter.number(rect.opacity))) }
        out.element("rect", rectAttributes)
      }
      out.close("g")
    case .bars(let values, let slot, let slots):
      let categories = max(1, Int((x.upper - x.lower).rounded()))
      let band = plotWidth / Double(categories) * 0.8
      let barWidth = band / Double(max(slots, 1))
      out.open("g", attributes + [("fill", mark.color)])
      for (category, value) in values.enumerated() {
        guard let value else { continue }
        let left = px(Double(category)) - band / 2 + Double(slot) * barWidth
        let top = py(max(value, y.lower))
        let base = py(max(y.lower, 0))
        out.element(
          "rect",
          [
            ("x", SVGWriter.number(left)), ("y", SVGWriter.number(min(top, base))), ("width", SVGWriter.number(barWidth * 0.92)),
            ("height", SVGWriter.number(max(abs(base - top), value > 0 ? 1 : 0))),
          ])
      }
      out.close("g")
    case .horizontalRule(let value, _):
      let position = py(value)
      out.open("g", attributes + [("stroke", mark.color), ("stroke-width", "1")] + (mark.dashed ? [("stroke-dasharray", "4 3")] : []))
      out.element(
        "line",
        [
          ("x1", SVGWriter.number(Self.left)), ("x2", SVGWriter.number(Self.left + plotWidth)), ("y1", SVGWriter.number(position)),
          ("y2", SVGWriter.number(position)),
        ])
      out.close("g")
    case .verticalRule(let value, _):
      let position = px(value)
      out.open("g", attributes + [("stroke", mark.color), ("stroke-width", "1.5")] + (mark.dashed ? [("stroke-dasharray", "4 3")] : []))
      out.element(
        "line",
        [
          ("x1", SVGWriter.number(position)), ("x2", SVGWriter.number(position)), ("y1", SVGWriter.number(top)),
          ("y2", SVGWriter.number(top + plotHeight)),
        ])
      out.close("g")
    case .band(let low, let high, _):
      let x0 = px(min(low, high))
      let x1 = px(max(low, high))
      out.open("g", attributes + [("fill", mark.color), ("fill-opacity", "0.18")])
      out.element(
        "rect",
        [
          ("x", SVGWriter.number(x0)), ("y", SVGWriter.number(top)), ("width", SVGWriter.number(max(x1 - x0, 1))),
          ("height", SVGWriter.number(plotHeight)),
        ])
      out.close("g")
    }
  }

  /// Labels of marker lines and bands, drawn last so data does not cover them; a label that
  /// would overlap the previous one on its axis is left out.
  private func drawRuleLabels(_ out: inout SVGWriter) {
    var labels: [(x: Double, y: Double, anchor: String, text: String, color: String)] = []
    var lastY = -Double.infinity
    var horizontal: [(Double, String, String)] = []
    var lastX = -Double.infinity
    for mark in marks {
      switch mark.shape {
      case .horizontalRule(let value, let label?):
        horizontal.append((py(value), label, mark.color))
      case .verticalRule(let value, let label?):
        let position = px(value)
        guard position >= Self.left, position <= Self.left + plotWidth, position - lastX >= 40 else { continue }
        lastX = position
        let anchorEnd = position > Self.left + plotWidth - 80
        labels.append((anchorEnd ? position - 3 : position + 3, top + 11, anchorEnd ? "end" : "start", label, mark.color))
      case .band(let low, let high, let label?):
        let middle = (px(low) + px(high)) / 2
        labels.append((middle, top + 24, "middle", label, mark.color == PlotPalette.cliff ? "#7a5600" : mark.color))
      default: continue
      }
    }
    // Horizontal labels from the bottom up, skipping those closer than 10 px.
    for (position, label, color) in horizontal.sorted(by: { $0.0 > $1.0 })
    where position >= top - 2 && position <= top + plotHeight + 2 && abs(position - lastY) >= 10 {
      lastY = position
      if label.count <= Self.marginLabelCharacters {
        labels.append((Self.left + plotWidth + 4, position + 3.5, "start", label, color))
      } else {
        labels.append((Self.left + plotWidth - 3, position - 3, "end", label, color))
      }
    }
    guard !labels.isEmpty else { return }
    out.open("g", [("id", "\(id)-labels"), ("class", "marker-labels"), ("font-size", "10")])
    for label in labels {
      out.element(
        "text",
        [
          ("x", SVGWriter.number(label.x)), ("y", SVGWriter.number(label.y)), ("text-anchor", label.anchor), ("fill", label.color),
          ("stroke", "#ffffff"), ("stroke-width", "3"), ("paint-order", "stroke"),
        ], text: label.text)
    }
    out.close("g")
  }

  /// Splits `text` into lines of at most `width` characters at spaces.
  static func wrap(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: true) {
      var line = ""
      for word in paragraph.split(separator: " ") {
        if !line.isEmpty, line.count + 1 + word.count > width {
          lines.append(line)
          line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
      }
      if !line.isEmpty { lines.append(line) }
    }
    return lines
  }
}

extension PlotMark.Shape {
  /// The CSS class of the series: points, crosses, line, rects, bars, hrule, vrule, band.
  var kind: String {
    switch self {
    case .points: "points"
    case .crosses: "crosses"
    case .line: "line"
    case .rects: "rects"
    case .bars: "bars"
    case .horizontalRule: "hrule"
    case .verticalRule: "vrule"
    case .band: "band"
    }
  }

  var isBand: Bool { if case .band = self { true } else { false } }
}

/// Writes SVG/XML text: escaped attributes and text, fixed number formatting.
struct SVGWriter {
  private(set) var text = ""
  private var depth = 0

  mutating func open(_ name: String, _ attributes: [(String, String)]) {
    text += String(repeating: " ", count: depth) + "<" + name + Self.attributes(attributes) + ">\n"
    depth += 1
  }

  mutating func close(_ name: String) {
    depth -= 1
    text += String(repeating: " ", count: depth) + "</" + name + ">\n"
  }

  mutating func element(_ name: String, _ attributes: [(String, String)], text content: String? = nil) {
    text += String(repeating: " ", count: depth) + "<" + name + Self.attributes(attributes)
    if let content {
      text += ">" + Self.escape(content) + "</" + name + ">\n"
    } else {
      text += "/>\n"
    }
  }

  static func attributes(_ attributes: [(String, String)]) -> String {
    attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
  }

  /// `&`, `<`, `>`, `"` and `'` as entities (valid in XML and HTML, text and attributes).
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default:
        // Control characters are not allowed in XML 1.0: drop them.
        if scalar.value < 0x20, scalar != "\n", scalar != "\t" { continue }
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// A coordinate with at most two decimals and no trailing zeros: `12.5`, `3`, `-0.25`.
  static func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    var text = formatFixed(value, 2)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
  }
}
