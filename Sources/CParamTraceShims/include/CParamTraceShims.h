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

#endif
