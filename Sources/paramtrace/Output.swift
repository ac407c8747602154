import SystemPackage

/// Writes a line to standard error.
func printError(_ message: String) {
  var text = message + "\n"
  text.withUTF8 { bytes in _ = try? FileDescriptor.standardError.writeAll(bytes) }
}
