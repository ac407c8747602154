import Glibc
import ParamTraceCore
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

/// Writes `document` and a newline to standard output as UTF-8 bytes: a 30 MB analysis goes
/// out without a second copy as a `String`.
func printJSON(_ document: JSONValue) {
  var bytes = document.renderedBytes()
  bytes.append(UInt8(ascii: "\n"))
  fflush(nil)  // whatever `print` buffered goes first
  _ = try? bytes.withUnsafeBytes { try FileDescriptor.standardOutput.writeAll($0) }
}
