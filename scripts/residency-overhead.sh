#!/usr/bin/env bash
# Cost of the residency samples to the workload (issue 14, item 2): tokens/s of `paramtrace
# replay` recorded with `--residency-interval 0` (off) and with the interval given (default
# 0.5 s), alternated N times under the same memory budget, so the page cache churns while it is
# sampled. Prints the median tokens/s of each, the median of the N paired slowdowns (each
# sampled run against the unsampled run next to it, order alternated), and the
# samples' own time from the manifests.
#
# usage: scripts/residency-overhead.sh MODEL [N] [TOKENS]   (default 5 pairs, 8 tokens)
# Environment: PARAMTRACE (default .build/debug/paramtrace), BUDGET_MIB (default 160),
# INTERVAL (default 0.5), THREADS (default 1). Needs root. Holds the machine lock throughout.
set -euo pipefail
MODEL=$1
N=${2:-5}
TOKENS=${3:-8}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PARAMTRACE=${PARAMTRACE:-$ROOT/.build/debug/paramtrace}
LOCK=/tmp/paramtrace-machine-tests.lock
if [ "${PARAMTRACE_LOCK_HELD:-}" != 1 ]; then
  echo "waiting for $LOCK"
  exec env PARAMTRACE_LOCK_HELD=1 flock "$LOCK" "$0" "$@"
fi
WORK=$(mktemp -d /var/tmp/paramtrace-residency-overhead.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
run() { # $1: name, $2: interval
  "$PARAMTRACE" record --budget "${BUDGET_MIB:-160}MiB" --cold --residency-interval "$2" --out "$WORK/$1" -- \
    "$PARAMTRACE" replay "$MODEL" --tokens "$TOKENS" --threads "${THREADS:-1}" >/dev/null 2>&1
  python3 -c "import json,sys; m=json.load(open(sys.argv[1])); r=m.get('residency') or {}; print(m['timings']['eval_tokens_per_second'], r.get('sampling_seconds', 0), r.get('samples', 0), m['workload']['wall_seconds'])" "$WORK/$1/manifest.json"
}
# ABBA: odd pairs run the unsampled run first, even pairs second, so an order effect cancels.
for i in $(seq 1 "$N"); do
  if [ $((i % 2)) = 1 ]; then
    off=$(run off$i 0); on=$(run on$i "${INTERVAL:-0.5}")
  else
    on=$(run on$i "${INTERVAL:-0.5}"); off=$(run off$i 0)
  fi
  echo "off $off on $on"
done | tee "$WORK/pairs.txt"
python3 - "$WORK/pairs.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
pairs = [p for p in rows if "None" not in (p[1], p[6])]  # a run without timing lines failed
if len(pairs) < len(rows): print(f"{len(rows) - len(pairs)} pair(s) left out: a run printed no tokens/s")
off = [float(p[1]) for p in pairs]; on = [float(p[6]) for p in pairs]
slow = [(a - b) / a * 100 for a, b in zip(off, on)]
share = [float(p[7]) / float(p[9]) * 100 for p in pairs]
print(f"tokens/s off: median {statistics.median(off):.3f} (min {min(off):.3f}, max {max(off):.3f})")
print(f"tokens/s on:  median {statistics.median(on):.3f} (min {min(on):.3f}, max {max(on):.3f})")
print(f"slowdown of the medians: {(statistics.median(off) - statistics.median(on)) / statistics.median(off) * 100:.2f} %; median of paired slowdowns: {statistics.median(slow):.2f} % (pairs: {', '.join(f'{s:.1f}' for s in slow)})")
print(f"sampling time / wall time of the sampled runs: median {statistics.median(share):.2f} % ({pairs[0][8]} samples in the first)")
PY
