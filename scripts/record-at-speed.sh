#!/usr/bin/env bash
# Recording at NVMe rates (issue 13): fio 4 KiB random O_DIRECT reads on a loop device backed
# by a file in /dev/shm (ext4 on it: ~235 k IOPS on the 2-core VM, far beyond its virtio disk),
# run alone, with the block tracepoints enabled in a private instance nobody reads (the kernel's
# own cost: the floor), and under `paramtrace record` with the raw drain (default), the text
# drain and the blk tracer. Interleaved rounds; prints fio's IOPS and completed reads, and for
# record the requests it counted in the file and the events lost, with the medians.
#
# usage: sudo scripts/record-at-speed.sh [ROUNDS] [SECONDS]     (default 3 rounds of 8 s)
#        RUNS="alone floor raw raw-fixed" sudo scripts/record-at-speed.sh …   (a subset, in that order;
#        raw-fixed is the raw drain with --buffer-kib 16384: rings never handed to larger ones)
# Makes and removes the tmpfs file, the loop device and its mount; installs fio when missing.
# Holds /tmp/paramtrace-machine-tests.lock. Not in CI (it takes minutes and a quiet machine).
set -euo pipefail
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOCK=/tmp/paramtrace-machine-tests.lock
[ "$(id -u)" = 0 ] || { echo "record-at-speed.sh needs root (loop devices, tracefs): run it with sudo" >&2; exit 1; }
if [ "${PARAMTRACE_LOCK_HELD:-}" != 1 ]; then
  command -v fio >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fio >/dev/null; }
  (cd "$ROOT" && swift build -c release --scratch-path .build-perf >/dev/null)
  exec env PARAMTRACE_LOCK_HELD=1 flock "$LOCK" "$0" "$@"
fi
PARAMTRACE=$ROOT/.build-perf/release/paramtrace
T=/sys/kernel/tracing
[ -d $T/instances ] || mount -t tracefs nodev $T
IMAGE=/dev/shm/paramtrace-speed-$$.img
MOUNT=/var/tmp/paramtrace-speed-mnt-$$
WORK=$(mktemp -d /var/tmp/paramtrace-speed.XXXXXX)
LOOP=""
INSTANCE=$T/instances/paramtrace-floor-$$
cleanup() {
  if [ -d "$INSTANCE" ]; then
    echo 0 >"$INSTANCE/tracing_on"; echo 0 >"$INSTANCE/events/enable"; rmdir "$INSTANCE" || true
  fi
  mountpoint -q "$MOUNT" 2>/dev/null && umount "$MOUNT"
  rmdir "$MOUNT" 2>/dev/null || true
  [ -z "$LOOP" ] || losetup -d "$LOOP" || true
  rm -f "$IMAGE"
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
truncate -s 2G "$IMAGE"
LOOP=$(losetup -f --show "$IMAGE")
mkfs.ext4 -q -F "$LOOP"
mkdir -p "$MOUNT"
mount "$LOOP" "$MOUNT"
FILE=$MOUNT/data.bin
dd if=/dev/urandom of="$FILE" bs=1M count=1024 oflag=direct status=none
DEV=$(lsblk -no MAJ:MIN "$LOOP" | tr -d ' ')
DEVRAW=$(( (${DEV%:*} << 20) | ${DEV#*:} ))
echo "loop device $LOOP ($DEV), 1 GiB file on ext4 over /dev/shm; $ROUNDS rounds of $SECONDS_PER_RUN s"
FIO=(fio --name=speed --filename="$FILE" --rw=randread --bs=4k --direct=1 --ioengine=libaio --iodepth=32 --numjobs=2
  --runtime="$SECONDS_PER_RUN" --time_based --group_reporting --output-format=json)
# iops and completed reads from fio's JSON
fio_numbers() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); j=d["jobs"][0]["read"]; print(round(j["iops"]), j["total_ios"], j["io_bytes"])' "$1"; }
floor_on() {
  mkdir "$INSTANCE"
  echo 0 >"$INSTANCE/tracing_on"
  echo 16384 >"$INSTANCE/buffer_size_kb"
  for e in block_bio_queue block_rq_insert block_rq_issue block_rq_requeue block_rq_complete block_bio_backmerge block_bio_frontmerge block_split block_rq_merge; do
    [ -d "$INSTANCE/events/block/$e" ] || continue
    echo "dev == $DEVRAW" >"$INSTANCE/events/block/$e/filter"
    echo 1 >"$INSTANCE/events/block/$e/enable"
  done
  echo 1 >"$INSTANCE/tracing_on"
}
floor_off() { echo 0 >"$INSTANCE/tracing_on"; echo 0 >"$INSTANCE/events/enable"; rmdir "$INSTANCE"; }
declare -A IOPS READS COUNTED LOST
run() {  # run NAME: one measurement
  local name=$1 out=$WORK/$1-$2
  case $name in
    alone) "${FIO[@]}" >"$out.json" ;;
    floor) floor_on; "${FIO[@]}" >"$out.json"; floor_off ;;
    raw | raw-fixed | text | full)
      local args=(--model "$FILE" --out "$out")
      [ "$name" = raw-fixed ] && args+=(--buffer-kib 16384)
      [ "$name" = text ] && args+=(--drain text)
      [ "$name" = full ] && args+=(--actions full)
      "$PARAMTRACE" record "${args[@]}" -- "${FIO[@]}" --output="$out.json" >"$out.log" 2>&1 || true
      ;;
  esac
  read -r iops reads fiobytes < <(fio_numbers "$out.json")
  IOPS[$name]+="$iops "
  READS[$name]+="$reads "
  if [ -f "$out/manifest.json" ]; then
    read -r counted bytes lost handoffs < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); t=m["trace"]; h=t.get("buffer_handoffs") or []; print(m["analysis"]["operations"], m["analysis"]["bytes"], t["lost_events"], ",".join("%gs:%d>%dMiB(%s)" % (x["at_seconds"], x["from_kib"]>>10, x["to_kib"]>>10, "/".join(sorted(set(x["cut_by_cpu"].values())))) for x in h) or "-")' "$out/manifest.json")
    COUNTED[$name]+="$counted "
    LOST[$name]+="$lost "
    rm -rf "$out"
  fi
  # Fewer requests than fio's reads with the same bytes: adjacent random reads the block layer
  # merged into one request (fio counts two reads, the disk saw one request).
  echo "  round $2 $name: $iops IOPS, $reads reads, $fiobytes bytes${counted:+; record counted $counted requests, $bytes bytes, lost $lost, ring handoffs $handoffs}"
  counted=""
}
RUNS=${RUNS:-alone floor raw text full}
for round in $(seq 1 "$ROUNDS"); do
  # Odd rounds in the order given, even rounds reversed, so no run always comes first or last.
  order=$RUNS
  [ $((round % 2)) = 0 ] && order=$(echo "$RUNS" | tr ' ' '\n' | tac | tr '\n' ' ')
  for name in $order; do run "$name" "$round"; done
done
# One argument per run: NAME|IOPS…|READS…|COUNTED…|LOST…
summary=()
for name in $RUNS; do summary+=("$name|${IOPS[$name]:-}|${READS[$name]:-}|${COUNTED[$name]:-}|${LOST[$name]:-}"); done
python3 - "${summary[@]}" <<'PY'
import statistics, sys
labels = {"alone": "fio alone", "floor": "kernel floor (nobody reads)", "raw": "record, raw drain",
          "raw-fixed": "record, raw, --buffer-kib 16384", "text": "record, text drain", "full": "record --actions full"}
runs = {}
for arg in sys.argv[1:]:
    name, *cols = arg.split("|")
    runs[name] = [[float(x) for x in c.split()] for c in cols]
alone = runs.get("alone", [[]])[0]
base = statistics.median(alone) if alone else float("nan")
print(f"\n{'run':32s} {'median IOPS':>12s} {'× alone':>8s} {'paired':>7s} {'reads (fio)':>12s} {'counted':>10s} {'lost events':>12s}")
for name, (iops, reads, counted, lost) in runs.items():
    paired = statistics.median(i / a for i, a in zip(iops, alone)) if alone else float("nan")
    line = f"{labels.get(name, name):32s} {statistics.median(iops):12.0f} {statistics.median(iops) / base:8.2f} {paired:7.2f}"
    if counted:
        line += f" {statistics.median(reads):12.0f} {statistics.median(counted):10.0f} {max(lost):12.0f}"
    print(line)
print("(× alone: medians' ratio; paired: median over rounds of each run against fio alone in the same round)")
PY
