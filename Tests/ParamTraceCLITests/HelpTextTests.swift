import ArgumentParser
import Testing

@testable import paramtrace

/// `--help` reads well at 80 columns: discussion paragraphs are written unwrapped, so
/// ArgumentParser's own wrapping is the only one (hard-wrapped source text showed ragged lines,
/// "controller, the" / "model's disk"), and EXAMPLES lines fit without being wrapped.
@Suite struct HelpTextTests {
  static let columns = 80

  static var commands: [(name: String, type: any ParsableCommand.Type)] {
    [("paramtrace", ParamTrace.self)] + ParamTrace.configuration.subcommands.map { ($0._commandName, $0) }
  }

  @Test(arguments: commands.map(\.name))
  func helpFitsAndIsNotRagged(command: String) throws {
    let type = try #require(Self.commands.first { $0.name == command }?.type)
    let help = ParamTrace.helpMessage(for: type, columns: Self.columns)
    let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // ArgumentParser never wraps the generated USAGE line; everything else must fit.
    let long = lines.filter { $0.count > Self.columns && !$0.hasPrefix("USAGE:") }
    #expect(long.isEmpty, "\(command) --help: lines over \(Self.columns) columns: \(long)")
    let ragged = Self.raggedLines(Self.discussionLines(lines))
    #expect(ragged.isEmpty, "\(command) --help: lines wrapped early (a hard-wrapped paragraph in the source?): \(ragged)")
  }

  @Test func raggedLinesAreFound() {
    let ragged = [
      "Everything is checked before anything starts (root, tracefs, memory cgroup",
      "controller, the",
      "model's disk). The trace covers the whole disk.",
    ]
    #expect(Self.raggedLines(ragged) == ["controller, the"])
    let examples = ["EXAMPLES:", "  paramtrace demo", "  paramtrace demo --scale 0.1"]
    #expect(Self.raggedLines(examples).isEmpty)
  }

  /// The discussion as --help prints it: the lines after the OVERVIEW paragraph, up to USAGE.
  static func discussionLines(_ help: [String]) -> [String] {
    guard let overview = help.firstIndex(where: { $0.hasPrefix("OVERVIEW:") }),
      let usage = help.firstIndex(where: { $0.hasPrefix("USAGE:") }),
      let blank = help[overview..<usage].firstIndex(of: "")
    else { return [] }
    return Array(help[blank..<usage])
  }

  /// Lines of a prose paragraph (not indented, not ending a paragraph) after which the next
  /// word would still have fitted: the sign of text wrapped twice. ArgumentParser breaks at the
  /// last space within the next `columns` characters, so a word fits when it and the space
  /// after it do.
  static func raggedLines(_ lines: [String]) -> [String] {
    var ragged: [String] = []
    for (line, next) in zip(lines, lines.dropFirst()) {
      guard !line.isEmpty, !line.hasPrefix(" "), !next.isEmpty, !next.hasPrefix(" "), !line.hasSuffix(":") else { continue }
      let nextWord = next.prefix { $0 != " " }
      if line.count + 1 + nextWord.count + 1 <= columns { ragged.append(line) }
    }
    return ragged
  }
}
