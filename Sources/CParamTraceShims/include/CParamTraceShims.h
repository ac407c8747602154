#ifndef CPARAMTRACE_SHIMS_H
#define CPARAMTRACE_SHIMS_H

// What Swift cannot import directly: ioctl is variadic in C, and the FIEMAP request number
// is a macro built from _IOWR.

#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/fiemap.h>
#include <sys/vfs.h>

/// ioctl(fd, request, argument) with a pointer argument; returns -1 and sets errno on failure.
static inline int paramtrace_ioctl_pointer(int fd, unsigned long request, void *argument) {
  return ioctl(fd, request, argument);
}

/// FS_IOC_FIEMAP (0xC020660B on x86_64).
static inline unsigned long paramtrace_fs_ioc_fiemap(void) { return FS_IOC_FIEMAP; }

/// FIGETBSZ: the filesystem block size.
static inline unsigned long paramtrace_figetbsz(void) { return FIGETBSZ; }

/// fstatfs(fd)'s f_type (the filesystem magic, linux/magic.h) in *type; returns -1 and sets
/// errno on failure. (Swift's Glibc module does not bring in sys/vfs.h.)
static inline int paramtrace_fstatfs_type(int fd, unsigned long long *type) {
  struct statfs info;
  int result = fstatfs(fd, &info);
  if (result == 0) *type = (unsigned long long)info.f_type;
  return result;
}

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that only record the signal (shims.c).
int paramtrace_install_stop_handlers(void);

/// The last stop signal received, 0 when none.
int paramtrace_stop_signal(void);

/// Forks and execs `file` (searched in PATH) with `argv` in a new process group, killed when
/// the calling thread's process dies (PR_SET_PDEATHSIG), stdin from /dev/null and stdout and
/// stderr to `output_fd`. Returns the pid, or -1 with the errno in `*spawn_errno` (also when
/// exec failed).
int paramtrace_spawn_workload(const char *file, char *const argv[], int output_fd, int *spawn_errno);

#endif

#ifndef CPARAMTRACE_SHIMS_TRACING_H
#define CPARAMTRACE_SHIMS_TRACING_H

// For the tracefs recorder (ParamTraceSystem/Tracing): calls glibc declares only under
// _GNU_SOURCE, which Swift's Glibc module does not see.

#include <unistd.h>
#include <sys/syscall.h>

/// sync_file_range(2) (flags: linux/fs.h SYNC_FILE_RANGE_*); returns -1 and sets errno on failure.
static inline int paramtrace_sync_file_range(int fd, long long offset, long long count, unsigned int flags) {
  return (int)syscall(SYS_sync_file_range, fd, offset, count, flags);
}

/// SYNC_FILE_RANGE_WRITE: start writeback of the dirty pages in the range, without waiting.
static inline unsigned int paramtrace_sync_file_range_write(void) { return SYNC_FILE_RANGE_WRITE; }

/// SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER: write the range back and wait for it.
static inline unsigned int paramtrace_sync_file_range_write_and_wait(void) {
  return SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
}

/// The calling thread's id (gettid(2)).
static inline int paramtrace_gettid(void) { return (int)syscall(SYS_gettid); }

/// O_DIRECT for open(2) on this architecture (glibc hides it without _GNU_SOURCE).
static inline int paramtrace_o_direct(void) {
#if defined(__x86_64__) || defined(__i386__)
  return 040000;
#elif defined(__aarch64__) || defined(__arm__)
  return 0200000;
#elif defined(__powerpc__) || defined(__powerpc64__)
  return 0400000;
#else
  return 040000;
#endif
}

#endif

#ifndef CPARAMTRACE_SHIMS_MEMORY_H
#define CPARAMTRACE_SHIMS_MEMORY_H

// For the memory budget (ParamTraceSystem/Memory): pipe2 is declared only under _GNU_SOURCE.

#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are close-on-exec from the start, so no child
/// spawned meanwhile by another thread inherits them. Returns -1 and sets errno on failure.
static inline int paramtrace_pipe_cloexec(int fds[2]) { return (int)syscall(SYS_pipe2, fds, O_CLOEXEC); }

/// cachestat(2) (Linux 6.5+, syscall 451 on every architecture): the page-cache state of
/// [offset, offset + length) of fd, in pages: out[0] cached, out[1] dirty, out[2] writeback,
/// out[3] evicted, out[4] recently evicted (struct cachestat). No mapping, no page touched.
/// -1 with errno (ENOSYS before 6.5).
static inline int paramtrace_cachestat(int fd, unsigned long long offset, unsigned long long length, unsigned long long out[5]) {
  struct { unsigned long long off, len; } range = { offset, length };
  return (int)syscall(451, fd, &range, out, 0);
}

/// pidfd_open(2) (Linux 5.3+, syscall 434 on every architecture): a descriptor that polls
/// readable when the process exits, so a parent can sleep until then instead of polling.
/// -1 with errno (ENOSYS on older kernels).
static inline int paramtrace_pidfd_open(int pid) { return (int)syscall(434, pid, 0); }

/// Renames the calling thread to `name` once on each CPU of `cpus` (moving it there first, so
/// each rename is a task_rename event on that CPU's ring), then puts its name and CPU mask
/// back. `renamed[i]` is set to 1 for the CPUs it got to. Returns the thread's id, or -1 when
/// its mask or name could not be read.
int paramtrace_rename_on_cpus(const int *cpus, int count, const char *name, int *renamed);

#endif
