import Glibc

/// Fork-join on POSIX threads: runs `work(index)` for every index in `0..<count` at once, index 0
/// on the calling thread, and returns when all have finished. `replay` runs its decode threads
/// this way, `probe` one thread per read in flight.
///
/// Returns 0, or the `pthread_create` error of the first thread that could not be started; then
/// `work(0)` is not run, and the threads already started are joined before returning (their
/// work must end by itself).
func runOnThreads(count: Int, _ work: @escaping (Int) -> Void) -> Int32 {
  var threads: [pthread_t] = []
  var failure: Int32 = 0
  for index in 1..<max(count, 1) {
    let started = startThread { work(index) }
    guard let thread = started.thread else {
      failure = started.error
      break
    }
    threads.append(thread)
  }
  if failure == 0 { work(0) }
  for thread in threads { pthread_join(thread, nil) }
  return failure
}

/// Starts a POSIX thread that runs `body` (joinable: join or detach it). Returns the thread, or
/// nil and the `pthread_create` error.
func startThread(_ body: @escaping () -> Void) -> (thread: pthread_t?, error: Int32) {
  let start = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
  var thread = pthread_t()
  let created = pthread_create(&thread, nil, { argument in
    let start = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
    start.body()
    return nil
  }, start)
  guard created == 0 else {
    Unmanaged<ThreadBody>.fromOpaque(start).release()
    return (nil, created)
  }
  return (thread, 0)
}

/// What a thread is started with.
private final class ThreadBody {
  let body: () -> Void
  init(_ body: @escaping () -> Void) { self.body = body }
}
