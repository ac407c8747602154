#!/usr/bin/env bash
# Recording overhead (issue 7, part 3): tokens/s of `paramtrace replay` run plain and run under
# `paramtrace record` (its block tracing on), alternated N times each on the same machine in
# one run, the model warm in the page cache (no memory budget). Prints median, min and max of
# the eval tokens/s of each and the slowdown of the medians.
#
# With BUDGET_MIB set, both run under that memory limit, so the model does not fit and every
# token re-reads part of it from disk: the traced runs use `record --budget`, the plain runs a
# memory cgroup this script makes with the same limit (cgroup v1 or v2 with the memory
# controller; removed at the end). That measures tracing while the disk is busy, which the warm
# runs (no I/O to trace) do not.
#
# usage: scripts/record-overhead.sh [N] [TOKENS]     (default 5 runs each, 16 tokens)
# Environment: BUILD_ROOT (see below), TWIN_LIKE (default llama-2-7b-chat.Q4_K_M), TWIN_SCALE
# (default 0.1), THREADS (replay's --threads; default: replay's own), BUDGET_MIB (default
# none: warm runs). Besides the medians it prints the median of the N paired slowdowns (each
# recorded run against the plain run just before it), which drift cannot bias.
# Needs root (tracefs). Holds /tmp/paramtrace-machine-tests.lock for the whole measurement.
set -euo pipefail
N=${1:-5}
TOKENS=${2:-16}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# BUILD_ROOT: build and run paramtrace from this copy of the checkout (default: this one).
BUILD_ROOT=${BUILD_ROOT:-$ROOT}
LOCK=/tmp/paramtrace-machine-tests.lock
if [ "${PARAMTRACE_LOCK_HELD:-}" != 1 ]; then
  (cd "$BUILD_ROOT" && swift build -c release --scratch-path .build-perf >/dev/null)
  echo "waiting for $LOCK"
  exec env PARAMTRACE_LOCK_HELD=1 flock "$LOCK" "$0" "$@"
fi
PARAMTRACE=$BUILD_ROOT/.build-perf/release/paramtrace
WORK=$(mktemp -d /var/tmp/paramtrace-record-overhead.XXXXXX)
CGROUP=""
cleanup() {
  rm -rf "$WORK"
  if [ -n "$CGROUP" ]; then rmdir "$CGROUP" 2>/dev/null || echo "could not remove $CGROUP: remove it with rmdir" >&2; fi
}
trap cleanup EXIT
BUDGET_ARGS=()
if [ -n "${BUDGET_MIB:-}" ]; then
  BYTES=$((BUDGET_MIB * 1048576))
  if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    CGROUP=/sys/fs/cgroup/memory/paramtrace-overhead-$$
    mkdir "$CGROUP"
    echo "$BYTES" >"$CGROUP/memory.limit_in_bytes"
  elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || echo +memory >/sys/fs/cgroup/cgroup.subtree_control
    CGROUP=/sys/fs/cgroup/paramtrace-overhead-$$
    mkdir "$CGROUP"
    echo "$BYTES" >"$CGROUP/memory.max"
    [ ! -f "$CGROUP/memory.swap.max" ] || echo 0 >"$CGROUP/memory.swap.max"
  else
    echo "BUDGET_MIB needs the cgroup memory controller (v1 at /sys/fs/cgroup/memory, or v2 with memory in cgroup.controllers)" >&2
    exit 1
  fi
  BUDGET_ARGS=(--budget "${BUDGET_MIB}MiB")
  echo "budget: ${BUDGET_MIB} MiB (plain runs in $CGROUP, traced runs in record's own cgroup)"
fi
# evict: with a budget, drops the twin's pages from the page cache before each run. Pages
# cached by an earlier run stay charged to that run's cgroup (or its parent once removed), so
# without this a later run would read them for free, outside its own limit.
evict() {
  [ -n "$CGROUP" ] || return 0
  python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$TWIN"
}
# plain ARGS...: runs ARGS, inside the budget cgroup when there is one.
plain() {
  if [ -n "$CGROUP" ]; then
    (echo "$BASHPID" >"$CGROUP/cgroup.procs" && exec "$@")
  else
    "$@"
  fi
}
TWIN=$WORK/twin.gguf
"$PARAMTRACE" synth --like "${TWIN_LIKE:-llama-2-7b-chat.Q4_K_M}" --scale "${TWIN_SCALE:-0.1}" --out "$TWIN" >/dev/null
echo "twin: $(stat -c %s "$TWIN") bytes; $N runs each, --tokens $TOKENS, alternating"
# eval tokens/s from llama.cpp-style timing lines: "... eval time = ... (... tokens per second)"
rate() { grep -E '^[a-z_]+: +eval time' "$1" | sed -E 's/.*, +([0-9.]+) tokens per second.*/\1/' | tail -1; }
THREAD_ARGS=()
[ -z "${THREADS:-}" ] || THREAD_ARGS=(--threads "$THREADS")
"$PARAMTRACE" replay "$TWIN" --tokens "$TOKENS" "${THREAD_ARGS[@]}" >/dev/null 2>&1  # warm the page cache
PLAIN=()
RECORDED=()
run_plain() {
  evict
  plain "$PARAMTRACE" replay "$TWIN" --tokens "$TOKENS" "${THREAD_ARGS[@]}" >"$WORK/plain.txt" 2>&1
  PLAIN+=("$(rate "$WORK/plain.txt")")
}
run_recorded() {
  rm -rf "$WORK/rec"
  evict
  "$PARAMTRACE" record --model "$TWIN" "${BUDGET_ARGS[@]}" --out "$WORK/rec" -- "$PARAMTRACE" replay "$TWIN" --tokens "$TOKENS" "${THREAD_ARGS[@]}" \
    >"$WORK/record.txt" 2>&1
  RECORDED+=("$(rate "$WORK/rec/workload.out")")
}
# Pairs alternate which side runs first (plain-recorded, then recorded-plain, …), so a run
# that is slower for coming second (or first) biases neither side.
for i in $(seq 1 "$N"); do
  if [ $((i % 2)) -eq 1 ]; then run_plain; run_recorded; else run_recorded; run_plain; fi
  echo "run $i: plain ${PLAIN[-1]} tokens/s, recorded ${RECORDED[-1]} tokens/s"
done
grep -iE 'lost|events|operations' "$WORK/record.txt" | head -4 | sed 's/^/  record: /' || true
python3 - "${PLAIN[*]}" "${RECORDED[*]}" <<'PY'
import statistics, sys
plain = [float(x) for x in sys.argv[1].split()]
recorded = [float(x) for x in sys.argv[2].split()]
print(f"{'eval tokens/s':24s} {'median':>9s} {'min':>9s} {'max':>9s}")
for name, values in [("replay", plain), ("replay under record", recorded)]:
    print(f"{name:24s} {statistics.median(values):9.2f} {min(values):9.2f} {max(values):9.2f}")
slowdown = 1 - statistics.median(recorded) / statistics.median(plain)
print(f"slowdown of the median: {slowdown * 100:.2f}% (goal < 2%): {'met' if slowdown < 0.02 else 'NOT met'}")
paired = statistics.median(1 - r / p for p, r in zip(plain, recorded))
print(f"median of the {len(plain)} paired slowdowns: {paired * 100:.2f}%")
PY
