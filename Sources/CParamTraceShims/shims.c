#define _GNU_SOURCE  // pipe2
// Signal handling for long-running commands (record, sweep): the handler only notes the
// signal; the command's loop sees it, stops the workload and tears everything down in order.
#include "CParamTraceShims.h"
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t paramtrace_stop_signal_value = 0;

static void paramtrace_on_stop_signal(int signal_number) { paramtrace_stop_signal_value = signal_number; }

int paramtrace_install_stop_handlers(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = paramtrace_on_stop_signal;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGINT, &action, 0) != 0) return -1;
  if (sigaction(SIGTERM, &action, 0) != 0) return -1;
  if (sigaction(SIGHUP, &action, 0) != 0) return -1;
  // A parent may have started us with these signals blocked (Foundation's Process does):
  // unblock them, or Ctrl-C and SIGTERM would never reach the handler.
  sigset_t stops;
  sigemptyset(&stops);
  sigaddset(&stops, SIGINT);
  sigaddset(&stops, SIGTERM);
  sigaddset(&stops, SIGHUP);
  if (pthread_sigmask(SIG_UNBLOCK, &stops, 0) != 0) return -1;
  return 0;
}

int paramtrace_stop_signal(void) { return paramtrace_stop_signal_value; }

// Starts a workload that dies with paramtrace: even a SIGKILLed recorder (whose handlers
// never run) must not leave a model-reading process behind. posix_spawn cannot set the
// parent-death signal, so this forks and, in the child, makes only async-signal-safe calls
// before exec: its own process group, PR_SET_PDEATHSIG, default signal state, stdin from
// /dev/null, stdout and stderr to `output_fd`. An exec failure's errno comes back through a
// close-on-exec pipe, so the caller can report "no such command" instead of an exit status.
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int paramtrace_spawn_workload(const char *file, char *const argv[], int output_fd, int *spawn_errno) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) { *spawn_errno = errno; return -1; }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    *spawn_errno = errno;
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(output_fd, 1);
    dup2(output_fd, 2);
    execvp(file, argv);
    int failure = errno;
    (void)!write(report[1], &failure, sizeof failure);
    _exit(127);
  }
  close(report[1]);
  int failure = 0;
  ssize_t got;
  do { got = read(report[0], &failure, sizeof failure); } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == (ssize_t)sizeof failure) {
    int status;
    waitpid(pid, &status, 0);
    *spawn_errno = failure;
    return -1;
  }
  *spawn_errno = 0;
  return pid;
}

// Ring handoff (RingHandoff.swift): a task_rename event on each CPU marks where the old
// instance's events end and the new one's begin.
int paramtrace_rename_on_cpus(const int *cpus, int count, const char *name, int *renamed) {
  cpu_set_t saved;
  char original[17] = {0};
  if (sched_getaffinity(0, sizeof saved, &saved) != 0) return -1;
  if (prctl(PR_GET_NAME, original, 0, 0, 0) != 0) return -1;
  for (int i = 0; i < count; i++) {
    renamed[i] = 0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpus[i], &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0 || sched_getcpu() != cpus[i]) continue;
    if (prctl(PR_SET_NAME, name, 0, 0, 0) == 0) renamed[i] = 1;
  }
  prctl(PR_SET_NAME, original, 0, 0, 0);
  sched_setaffinity(0, sizeof saved, &saved);
  return (int)syscall(SYS_gettid);
}
