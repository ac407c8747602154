#!/usr/bin/env bash
# Recording overhead (issue 7, part 3): tokens/s of `paramtrace replay` run plain and run under
# `paramtrace record` (its block tracing on), alternated N times each on the same machine in
# one run, the model warm in the page cache (no memory budget). Prints median, min and max of
# the eval tokens/s of each and the slowdown of the medians.
#
# usage: scripts/record-overhead.sh [N] [TOKENS]     (default 5 runs each, 16 tokens)
# Environment: BUILD_ROOT (see below), TWIN_LIKE (default llama-2-7b-chat.Q4_K_M), TWIN_SCALE (default 0.1).
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
trap 'rm -rf "$WORK"' EXIT
TWIN=$WORK/twin.gguf
"$PARAMTRACE" synth --like "${TWIN_LIKE:-llama-2-7b-chat.Q4_K_M}" --scale "${TWIN_SCALE:-0.1}" --out "$TWIN" >/dev/null
echo "twin: $(stat -c %s "$TWIN") bytes; $N runs each, --tokens $TOKENS, alternating"
# eval tokens/s from llama.cpp-style timing lines: "... eval time = ... (... tokens per second)"
rate() { grep -E '^[a-z_]+: +eval time' "$1" | sed -E 's/.*, +([0-9.]+) tokens per second.*/\1/' | tail -1; }
"$PARAMTRACE" replay "$TWIN" --tokens "$TOKENS" >/dev/null 2>&1  # warm the page cache
PLAIN=()
RECORDED=()
for i in $(seq 1 "$N"); do
  "$PARAMTRACE" replay "$TWIN" --tokens "$TOKENS" >"$WORK/plain.txt" 2>&1
  PLAIN+=("$(rate "$WORK/plain.txt")")
  rm -rf "$WORK/rec"
  "$PARAMTRACE" record --model "$TWIN" --out "$WORK/rec" -- "$PARAMTRACE" replay "$TWIN" --tokens "$TOKENS" \
    >"$WORK/record.txt" 2>&1
  RECORDED+=("$(rate "$WORK/rec/workload.out")")
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
PY
