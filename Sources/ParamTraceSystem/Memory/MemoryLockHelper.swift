#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The body of the hidden `paramtrace __lock-memory BYTES` subcommand that `MemoryLocker`
/// spawns: it maps BYTES of anonymous memory, mlocks it and writes to every page, prints
/// `locked BYTES` (BYTES rounded up to a page) on one line of standard output, and holds the
/// lock until standard input reaches end of file (its parent closed the pipe or died), its
/// parent process is gone, or SIGTERM. When mmap or mlock fails it prints `error ERRNO` and
/// exits with status 1.
///
/// It does not use `PR_SET_PDEATHSIG`: that signal follows the *thread* that spawned the
/// helper, and Swift concurrency and Dispatch retire idle worker threads, which would kill the
/// helper (and silently end the lock) while paramtrace still runs. End of file on standard
/// input, plus a check of `getppid()` every second, follow the parent process instead.
public enum MemoryLockHelper {
  /// The hidden subcommand's name.
  public static let subcommand = "__lock-memory"

  /// Locks `bytes` and holds them; returns the exit status.
  public static func run(bytes: UInt64) -> Int32 {
    let parent = getppid()
    let page = KernelFile.pageSize
    guard bytes > 0, bytes <= UInt64(Int.max) - page else {
      say("error \(EINVAL)")
      return 1
    }
    let length = Int((bytes + page - 1) / page * page)
    let region = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    guard let region, region != UnsafeMutableRawPointer(bitPattern: -1) else {
      say("error \(errno)")
      return 1
    }
    guard mlock(region, length) == 0 else {
      say("error \(errno)")
      return 1
    }
    // mlock already faulted the pages in; writing makes sure none is the shared zero page.
    var offset = 0
    while offset < length {
      region.storeBytes(of: 0xA5, toByteOffset: offset, as: UInt8.self)
      offset += Int(page)
    }
    say("locked \(length)")
    var buffer = [UInt8](repeating: 0, count: 512)
    while true {
      var descriptor = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, 1000)
      if ready < 0, errno != EINTR { return 0 }
      if getppid() != parent { return 0 }
      guard ready > 0 else { continue }
      let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
      if count == 0 { return 0 }  // end of file: the parent let go
      if count < 0, errno != EINTR, errno != EAGAIN { return 0 }
    }
  }

  /// One line on standard output, written at once (no buffering).
  private static func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in
      var done = 0
      while done < bytes.count {
        let count = write(1, bytes.baseAddress! + done, bytes.count - done)
        if count < 0 {
          if errno == EINTR { continue }
          return
        }
        done += count
      }
    }
  }
}
