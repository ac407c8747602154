// Signal handling for long-running commands (record, sweep): the handler only notes the
// signal; the command's loop sees it, stops the workload and tears everything down in order.
#include "CParamTraceShims.h"
#include <pthread.h>
#include <signal.h>
#include <string.h>

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
