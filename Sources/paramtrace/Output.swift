import SystemPackage

/// Writes a line to standard error.
func printError(_ message: String) {
  var text = message + "\n"
  text.withUTF8 { bytes in _ = try? FileDescriptor.standardError.writeAll(bytes) }
}

/// A failure of the command's work (not of its arguments): ArgumentParser prints the
/// message and exits with status 1.
struct CommandError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
