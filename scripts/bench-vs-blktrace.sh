#!/usr/bin/env bash
# Throughput of `paramtrace analyze` side by side with what it replaces (issue 7, part 1), on
# one synthesized blktrace trace, in one run:
#   (a) blkparse -i NAME -o TEXT                      blkparse's text conversion
#   (b) blkparse -i NAME -d dump.bin -O; btt -i dump.bin   (btt timed alone)
#   (c) blkparse to text, then DuckDB loads the text and classifies gaps with LAG (end to end)
#   (d) paramtrace analyze NAME --extents EXTENTS.json     (the per-CPU binary files)
#   (e) paramtrace analyze NAME.blkparse.txt --format blkparse --extents EXTENTS.json
# and paramtrace's peak memory (/usr/bin/time -v). Each command runs REPEAT times (default 3)
# and its fastest run counts, for every tool alike: a 2-core VM has neighbours. Prints each
# ratio against the issue's target.
#
# usage: scripts/bench-vs-blktrace.sh [EVENTS]        (default 20000000; needs ~3.5 GB in /var/tmp)
# Installs blktrace (blkparse, btt) and time with apt-get and duckdb with pip when missing.
# Environment: REPEAT (runs per command, default 3), BUILD_ROOT (see below), BENCH_DIR (default a new /var/tmp/paramtrace-vs-blktrace.XXXXXX, removed at the
# end unless KEEP=1).
set -euo pipefail
EVENTS=${1:-20000000}
REPEAT=${REPEAT:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

need_apt=()
command -v blkparse >/dev/null && command -v btt >/dev/null || need_apt+=(blktrace)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! python3 -c 'import duckdb' 2>/dev/null; then
  echo "installing duckdb (pip)"
  pip install -q duckdb 2>/dev/null || pip install -q --break-system-packages duckdb
fi

# BUILD_ROOT: build from this copy of the checkout instead (for example a snapshot, when other
# work edits the sources meanwhile: "modified during the build" is retried a few times too).
BUILD_ROOT=${BUILD_ROOT:-$ROOT}
# Every failure is retried ("modified during the build" when other work edits the sources).
# The Benchmarks package's scratch directory can also keep a stale list of paramtrace's source
# files (SwiftPM, path dependency: "cannot find ... in scope" for files added since): the
# third attempt starts from an empty scratch directory.
build() {
  local attempt
  for attempt in 1 2 3 4 5; do
    if swift build -c release --scratch-path "$1" >"/tmp/bench-vs-blktrace-build.$$" 2>&1; then return 0; fi
    if [ "$attempt" = 2 ]; then rm -rf "$1"; fi
  done
  cat "/tmp/bench-vs-blktrace-build.$$"
  exit 1
}
echo "building paramtrace and paramtrace-bench (release) in $BUILD_ROOT"
(cd "$BUILD_ROOT" && build .build-perf)
(cd "$BUILD_ROOT/Benchmarks" && build ../.build-bench)
rm -f "/tmp/bench-vs-blktrace-build.$$"
PARAMTRACE=$BUILD_ROOT/.build-perf/release/paramtrace
BENCH=$BUILD_ROOT/.build-bench/release/paramtrace-bench

DIR=${BENCH_DIR:-$(mktemp -d /var/tmp/paramtrace-vs-blktrace.XXXXXX)}
mkdir -p "$DIR"
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$DIR"; }
trap cleanup EXIT
NAME=$DIR/synth
echo "synthesizing $EVENTS events in $DIR"
"$BENCH" write --events "$EVENTS" "$DIR"
ls -l "$DIR"

# seconds CMD...: runs CMD (output to $DIR/last.out), prints its wall time in seconds.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$DIR/last.out" 2>&1 || { echo "failed: $*" >&2; cat "$DIR/last.out" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
# best CMD...: runs CMD REPEAT times (as `seconds`), prints the fastest time.
best() {
  local run time fastest=""
  for ((run = 0; run < REPEAT; run++)); do
    time=$(seconds "$@")
    if [ -z "$fastest" ] || [ "$(echo "$time < $fastest" | bc -l)" = 1 ]; then fastest=$time; fi
  done
  echo "$fastest"
}
# measured CMD...: as best, under /usr/bin/time -v; `peak` then prints the highest peak RSS of
# the runs in MiB.
measured() {
  rm -f "$DIR/peaks.txt"
  best sh -c '/usr/bin/time -v -o "$0.time" "$@"; status=$?; cat "$0.time" >>"$0"; exit $status' "$DIR/peaks.txt" "$@"
}
peak() { awk -F: '/Maximum resident set size/ { if ($2 > max) max = $2 } END { printf "%.1f", max / 1024 }' "$DIR/peaks.txt"; }
# Warm the page cache once, so every reader below reads from memory alike.
cat "$NAME".blktrace.* "$NAME".blkparse.txt >/dev/null

echo "(a) blkparse -i NAME -o TEXT"
T_BLKPARSE=$(best blkparse -i "$NAME" -o "$DIR/blkparse.out.txt")
echo "  $T_BLKPARSE s"
DATA_LINES=$(grep -cE '^ *[0-9]+,[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+\.[0-9]+' "$DIR/blkparse.out.txt" || true)
rm -f "$DIR/blkparse.out.txt"

echo "(b) btt on blkparse's binary dump"
blkparse -i "$NAME" -d "$DIR/dump.bin" -O >/dev/null 2>&1
# btt writes its per-device iops/mbps files into the current directory: run it in $DIR.
T_BTT=$(cd "$DIR" && best btt -i "$DIR/dump.bin" -o "$DIR/btt")
echo "  $T_BTT s"
rm -f "$DIR/dump.bin" "$DIR"/btt* "$DIR"/*_fp.dat

echo "(c) blkparse to text + DuckDB gap classes (end to end)"
T_PIPELINE=$(best sh -c "blkparse -i '$NAME' -o '$DIR/pipeline.txt' && python3 '$ROOT/scripts/blkparse-duckdb-gaps.py' '$DIR/pipeline.txt'")
sed -n 's/^duckdb: /  /p' "$DIR/last.out"
echo "  $T_PIPELINE s"
rm -f "$DIR/pipeline.txt"

echo "(d) paramtrace analyze NAME --extents"
T_ANALYZE=$(measured "$PARAMTRACE" analyze "$NAME" --extents "$NAME.extents.json")
PEAK_ANALYZE=$(peak)
grep -iE 'operations|events' "$DIR/last.out" | head -3 | sed 's/^/  /'
echo "  $T_ANALYZE s, peak $PEAK_ANALYZE MiB"

echo "(e) paramtrace analyze NAME.blkparse.txt --format blkparse --extents"
T_TEXT=$(measured "$PARAMTRACE" analyze "$NAME.blkparse.txt" --format blkparse --extents "$NAME.extents.json")
PEAK_TEXT=$(peak)
echo "  $T_TEXT s, peak $PEAK_TEXT MiB"

python3 - "$EVENTS" "$DATA_LINES" "$T_BLKPARSE" "$T_BTT" "$T_PIPELINE" "$T_ANALYZE" "$T_TEXT" "$PEAK_ANALYZE" "$PEAK_TEXT" <<'PY'
import sys
events, lines = int(sys.argv[1]), int(sys.argv[2])
blkparse, btt, pipeline, analyze, text = map(float, sys.argv[3:8])
peak_bin, peak_text = map(float, sys.argv[8:10])
rate = lambda s: f"{events / s / 1e6:8.2f}"
print()
print(f"{events} synthetic events ({lines} blkparse data lines)")
print(f"{'tool':58s} {'seconds':>8s} {'Mev/s':>8s}")
for name, s in [("(a) blkparse -i NAME -o TEXT", blkparse), ("(b) btt -i dump.bin", btt),
                ("(c) blkparse to text + DuckDB gap classes", pipeline),
                ("(d) paramtrace analyze NAME --extents (binary)", analyze),
                ("(e) paramtrace analyze TEXT --format blkparse --extents", text)]:
    print(f"{name:58s} {s:8.2f} {rate(s)}")
print()
print(f"{'comparison':58s} {'ratio':>8s} {'target':>8s}  met")
def row(name, ratio, target, ok):
    print(f"{name:58s} {ratio:8.3f} {target:>8s}  {'yes' if ok else 'NO'}")
row("paramtrace (d) / blkparse text conversion (a)", analyze / blkparse, "<= 0.05", analyze / blkparse <= 0.05)
row("paramtrace (d) / btt (b)", analyze / btt, "<= 0.25", analyze / btt <= 0.25)
row("paramtrace (d) / blkparse+DuckDB pipeline (c)", analyze / pipeline, "<= 0.01", analyze / pipeline <= 0.01)
row("blkparse (a) / paramtrace on its text (e)  (speed-up)", blkparse / text, ">= 5", blkparse / text >= 5)
row(f"peak memory, binary (d), MiB", peak_bin, "< 200", peak_bin < 200)
row(f"peak memory, text (e), MiB", peak_text, "< 200", peak_text < 200)
PY
