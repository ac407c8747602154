#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (AddressSanitizer on) and runs each for a bounded time.
#
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default 60 s per target, every target)
# Seeds come from Tests/Fixtures (small files) and Tests/Fixtures/fuzz; each target's corpus
# grows in Fuzz/corpus/TARGET (not committed), crashes are saved to Fuzz/crashes/.
# A crash should become a regression input in Tests/Fixtures/fuzz/READER/ (see
# Tests/ParamTraceCoreTests/FuzzRegressionTests.swift). Prints executions per target.
set -euo pipefail
SECONDS_EACH=${1:-60}
shift || true
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=$ROOT/.build-fuzz
FIX=$ROOT/Tests/Fixtures
(cd "$ROOT/Fuzz" && swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
  --scratch-path "$SCRATCH" >/dev/null)

# target -> seed files (globs under Tests/Fixtures) and regression directory name
seeds() {
  case $1 in
    fuzz-blktrace-binary) ls "$FIX"/*/*.blktrace.* ;;
    fuzz-kernel-blk-binary) ls "$FIX"/*/*.kernel-bin ;;
    fuzz-blkparse-text) ls "$FIX"/*/*.blkparse.txt ;;
    fuzz-ftrace-blk-text) ls "$FIX"/*/*.blk.txt "$FIX"/*/*.blkclassic.txt ;;
    fuzz-tracepoint-text) ls "$FIX"/*/*.tp.txt ;;
    fuzz-cheops-csv) ls "$FIX"/*/*.cheops.csv 2>/dev/null || true ;;
    fuzz-gguf) ls "$FIX"/models/*.gguf ;;
    fuzz-safetensors) ls "$FIX"/models/*.safetensors ;;
    fuzz-filefrag) ls "$FIX"/*/*.filefrag.txt ;;
  esac
}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz-blktrace-binary fuzz-kernel-blk-binary fuzz-blkparse-text
  fuzz-ftrace-blk-text fuzz-tracepoint-text fuzz-cheops-csv fuzz-gguf fuzz-safetensors fuzz-filefrag)
mkdir -p "$ROOT/Fuzz/crashes" "$ROOT/Fuzz/logs"
SUMMARY=()
for target in "${TARGETS[@]}"; do
  corpus=$ROOT/Fuzz/corpus/$target
  mkdir -p "$corpus"
  # Seeds: fixture files up to 16 KiB; larger ones cut to their first 8 KiB (small inputs run
  # far more often; the decoders' per-line or per-record work does not depend on the length).
  for file in $(seeds "$target"); do
    size=$(stat -c %s "$file")
    if [ "$size" -le 16384 ]; then cp "$file" "$corpus/"; else head -c 8192 "$file" >"$corpus/$(basename "$file").head"; fi
  done
  regression=$FIX/fuzz/${target#fuzz-}
  [ -d "$regression" ] && cp "$regression"/* "$corpus/" 2>/dev/null || true
  # A CHEOPS CSV seed (bpftrace's output), written here since no fixture is CSV.
  [ "$target" = fuzz-cheops-csv ] && printf 'Attaching 1 probe...\n553642612834, RS, 65536, 33538560, 128\n553642613000, WS, 4096, 100, 8\n' >"$corpus/seed.csv"
  log=$ROOT/Fuzz/logs/$target.log
  echo "== $target: $SECONDS_EACH s"
  set +e
  "$SCRATCH/debug/$target" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=16384 -timeout=10 \
    -artifact_prefix="$ROOT/Fuzz/crashes/$target-" -print_final_stats=1 "$corpus" >"$log" 2>&1
  status=$?
  set -e
  runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
  found=$(ls "$ROOT/Fuzz/crashes/" 2>/dev/null | grep -c "^$target-" || true)
  SUMMARY+=("$(printf '%-26s exit %-3s executions %-12s crash/leak/timeout files %s' "$target" "$status" "${runs:-?}" "$found")")
  [ $status -eq 0 ] || grep -m3 -E 'ERROR|SUMMARY|Fatal error|panic' "$log" | sed 's/^/   /' || true
done
echo
printf '%s\n' "${SUMMARY[@]}"
