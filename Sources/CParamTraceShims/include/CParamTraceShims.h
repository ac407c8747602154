#ifndef CPARAMTRACE_SHIMS_H
#define CPARAMTRACE_SHIMS_H

// What Swift cannot import directly: ioctl is variadic in C, and the FIEMAP request number
// is a macro built from _IOWR.

#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/fiemap.h>

/// ioctl(fd, request, argument) with a pointer argument; returns -1 and sets errno on failure.
static inline int paramtrace_ioctl_pointer(int fd, unsigned long request, void *argument) {
  return ioctl(fd, request, argument);
}

/// FS_IOC_FIEMAP (0xC020660B on x86_64).
static inline unsigned long paramtrace_fs_ioc_fiemap(void) { return FS_IOC_FIEMAP; }

/// FIGETBSZ: the filesystem block size.
static inline unsigned long paramtrace_figetbsz(void) { return FIGETBSZ; }

#endif
