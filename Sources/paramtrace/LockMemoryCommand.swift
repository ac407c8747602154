import ArgumentParser
import ParamTraceSystem

#if canImport(Glibc)
  import Glibc
#endif

/// The memory-lock helper that `record --lock` spawns (hidden: not for users). It locks BYTES,
/// prints `locked BYTES`, and holds the lock until its standard input is closed.
struct LockMemoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: MemoryLockHelper.subcommand,
    abstract: "Internal: lock BYTES of memory until standard input closes (spawned by `record --lock`).",
    shouldDisplay: false
  )

  @Argument(help: "Bytes to mmap and mlock.")
  var bytes: UInt64

  func run() throws {
    Glibc.exit(MemoryLockHelper.run(bytes: bytes))
  }
}
