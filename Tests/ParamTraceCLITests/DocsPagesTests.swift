import ArgumentParser
import Foundation
import Testing

@testable import paramtrace

/// The documentation a person finds their way in: every command registered in ParamTrace.swift
/// has its page docs/<command>.md, every page is on the README's map, and every relative link
/// in README.md and docs/*.md resolves (file and, for Markdown, heading).
@Suite struct DocsPagesTests {
  static let repository = CLICaseTests.repository
  static let docs = repository.appendingPathComponent("docs")

  /// The page name of each registered subcommand (hidden ones too: `__lock-memory` is
  /// docs/lock-memory.md).
  static var commandPages: [String] {
    ParamTrace.configuration.subcommands.map { command in
      let name = command._commandName
      return String(name.drop { $0 == "_" }) + ".md"
    }
  }

  static var pages: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
  }

  @Test func everyCommandHasItsPage() {
    let missing = Self.commandPages.filter { !Self.pages.contains($0) }
    #expect(missing.isEmpty, "commands without a page: \(missing.map { "docs/\($0)" }.joined(separator: ", ")): write it, with a real output and how to read it")
  }

  @Test func everyPageIsOnTheReadmesMap() throws {
    let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
    let linked = Set(Self.links(in: readme).map { $0.split(separator: "#", maxSplits: 1).first.map(String.init) ?? $0 })
    let unlinked = Self.pages.filter { !linked.contains("docs/\($0)") }
    #expect(unlinked.isEmpty, "pages not linked from README.md's map: \(unlinked.map { "docs/\($0)" }.joined(separator: ", ")): add a line for each")
  }

  @Test(arguments: ["README.md"] + pages.map { "docs/\($0)" })
  func relativeLinksResolve(page: String) throws {
    let url = Self.repository.appendingPathComponent(page)
    let text = try String(contentsOf: url, encoding: .utf8)
    var broken: [String] = []
    for link in Self.links(in: text) where !link.contains("://") && !link.hasPrefix("mailto:") {
      let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
      let target = parts[0].isEmpty ? url : url.deletingLastPathComponent().appendingPathComponent(parts[0])
      guard FileManager.default.fileExists(atPath: target.path) else {
        broken.append("\(link) (no file \(target.standardizedFileURL.path.replacingOccurrences(of: Self.repository.path + "/", with: "")))")
        continue
      }
      if parts.count == 2, target.pathExtension == "md" {
        let anchors = Self.anchors(in: try String(contentsOf: target, encoding: .utf8))
        if !anchors.contains(parts[1]) { broken.append("\(link) (no heading #\(parts[1]) in \(target.lastPathComponent))") }
      }
    }
    #expect(broken.isEmpty, "\(page): broken links: \(broken.joined(separator: "; "))")
  }

  @Test func linkCheckerFindsLinksAndAnchors() {
    let text = "See [a](docs/a.md) and [b](b.md#two-words), `[not](code.md)`.\n```\n[no](x.md)\n```\n## Two words\n### replay against real llama.cpp\n"
    #expect(Self.links(in: text) == ["docs/a.md", "b.md#two-words"])
    #expect(Self.anchors(in: text) == ["two-words", "replay-against-real-llamacpp"])
  }

  /// The targets of `[text](target)` links outside code spans and fenced blocks.
  static func links(in markdown: String) -> [String] {
    var links: [String] = []
    var fenced = false
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("```") { fenced.toggle() }
      if fenced || line.hasPrefix("    ") { continue }
      // Drop code spans: their brackets are not links.
      let prose = line.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 0 }
        .map(\.element).joined(separator: " ")
      var rest = Substring(prose)
      while let close = rest.range(of: "](") {
        let after = rest[close.upperBound...]
        guard let end = after.firstIndex(of: ")") else { break }
        links.append(String(after[..<end]))
        rest = after[end...]
      }
    }
    return links
  }

  /// GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes.
  static func anchors(in markdown: String) -> Set<String> {
    var anchors = Set<String>()
    var fenced = false
    for line in markdown.split(separator: "\n") {
      if line.hasPrefix("```") { fenced.toggle() }
      guard !fenced, line.hasPrefix("#") else { continue }
      let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
      let slug = title.compactMap { c -> Character? in
        if c == " " { return "-" }
        return c.isLetter || c.isNumber || c == "-" || c == "_" ? c : nil
      }
      anchors.insert(String(slug))
    }
    return anchors
  }
}
