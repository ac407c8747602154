#!/usr/bin/env bash
# Compares `paramtrace replay` with real llama.cpp on the same synth twin, under `paramtrace record`.
# Not part of CI: it compiles llama.cpp (about 6–10 minutes on 2 cores) and needs root for tracing.
#
#   scripts/check-replay-vs-llamacpp.sh               # build (once), then measure
#   scripts/check-replay-vs-llamacpp.sh --build-only  # only build llama.cpp
#
# What it does:
#  1. A project-local venv (.venv-llamacpp, gitignored) gets cmake and ninja from PyPI and the
#     llama-cpp-python source distribution (`pip download --no-binary llama-cpp-python`); the
#     llama.cpp vendored in that sdist is built with CMake into llama-completion (the classic
#     llama-cli; older sdists only have llama-cli). The CPU here advertises AMX but AMX
#     instructions fault, so AMX, AVX-512 and runtime weight repacking are compiled out, and
#     llama.cpp runs with --no-repack where the flag exists (that also keeps the weights in the
#     mmap, as the notebook's llama.cpp did).
#  2. `paramtrace synth` writes a scaled twin of TheBloke's llama-2-7b-chat.Q4_K_M (SCALE, 0.25
#     by default: ~1 GB, same tensor names, order and types), or of any catalog entry LIKE names
#     (a MoE one: LIKE=gpt-oss-20b.MXFP4 SCALE=0.02, ~250 MB; replay then routes tokens by
#     ROUTER, uniform by default, and writes the experts it chose beside each run).
#  3. For llama.cpp and for `paramtrace replay`: `paramtrace record --cold` unconstrained and
#     under two memory budgets (BUDGET_HIGH, BUDGET_LOW; default 70% and 40% of the file).
#  4. Prints one row per run: tokens/s, bytes read, re-read factor, physical and logical
#     sequential %, from each run's manifest.json.
#
# Environment: LIKE (llama-2-7b-chat.Q4_K_M), ROUTER (uniform, or zipf:S), SCALE, TOKENS (llama.cpp -n, 16), PROMPT_TOKENS (8), THREADS (2), CONTEXT (-c, 256),
# WORK (/var/tmp/paramtrace-llamacpp-check), BUDGET_HIGH, BUDGET_LOW (sizes such as 700M),
# PARAMTRACE (a built paramtrace binary; else one is built in .build-llamacpp-check),
# VARIANTS=1 (also replay with --row-split contiguous, one row range per thread, and with
# --pages-only, one word read per page).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv-llamacpp}
WORK=${WORK:-/var/tmp/paramtrace-llamacpp-check}
LIKE=${LIKE:-llama-2-7b-chat.Q4_K_M}
ROUTER=${ROUTER:-uniform}
SCALE=${SCALE:-0.25}
TOKENS=${TOKENS:-16}
PROMPT_TOKENS=${PROMPT_TOKENS:-8}
THREADS=${THREADS:-2}
CONTEXT=${CONTEXT:-256}
VARIANTS=${VARIANTS:-0}
BUILD_ONLY=0
[[ "${1:-}" == "--build-only" ]] && BUILD_ONLY=1

log() { printf '== %s\n' "$*" >&2; }

build_llamacpp() {
  local build=$VENV/llama.cpp-build
  if [[ -x $build/bin/llama-completion || -x $build/bin/llama-cli ]]; then
    return
  fi
  if [[ ! -x $VENV/bin/python ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --quiet --upgrade pip cmake ninja
  mkdir -p "$VENV/src"
  if ! ls "$VENV"/src/llama_cpp_python-*.tar.gz >/dev/null 2>&1; then
    log "downloading the llama-cpp-python source distribution from PyPI"
    # --no-binary only for this package: its build tools (cmake) may come as wheels.
    "$VENV/bin/pip" download llama-cpp-python --no-binary llama-cpp-python --no-deps -d "$VENV/src"
  fi
  local sdist
  sdist=$(ls "$VENV"/src/llama_cpp_python-*.tar.gz | sort -V | tail -1)
  local tree=$VENV/src/${sdist##*/}
  tree=${tree%.tar.gz}
  [[ -d $tree ]] || tar -xzf "$sdist" -C "$VENV/src"
  local source=$tree/vendor/llama.cpp
  [[ -f $source/CMakeLists.txt ]] || { echo "no vendored llama.cpp in $sdist" >&2; exit 1; }
  log "configuring llama.cpp from $source"
  local options=(
    -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF
    -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
    -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF
    -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
    -DGGML_CPU_REPACK=OFF -DGGML_LLAMAFILE=ON
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF
  )
  PATH=$VENV/bin:$PATH cmake -S "$source" -B "$build" "${options[@]}" >"$VENV/cmake-configure.log"
  # llama-completion is the classic llama-cli (-no-cnv); older trees only have llama-cli, and
  # newer ones build llama-cli only together with the server.
  local targets
  # (Ninja has no "help" target: list its targets with -t targets.)
  # (The list is taken whole first: `grep -q` closing the pipe early would fail the pipeline
  # under pipefail, and the older target would be chosen.)
  local all_targets
  all_targets=$(PATH=$VENV/bin:$PATH ninja -C "$build" -t targets all 2>/dev/null || true)
  if grep -q '^llama-completion:' <<<"$all_targets"; then
    targets=(llama-completion)
  else
    targets=(llama-cli)
  fi
  log "building ${targets[*]} (several minutes)"
  local started=$SECONDS
  PATH=$VENV/bin:$PATH cmake --build "$build" --target "${targets[@]}" -j "$(nproc)" >"$VENV/cmake-build.log"
  log "built in $((SECONDS - started)) s: $(ls "$build/bin")"
}

build_llamacpp
[[ $BUILD_ONLY == 1 ]] && exit 0

BIN=$VENV/llama.cpp-build/bin
LLAMA=$BIN/llama-completion
[[ -x $LLAMA ]] || LLAMA=$BIN/llama-cli
NO_REPACK=()
if "$LLAMA" --help 2>&1 | grep -q -- '--no-repack'; then NO_REPACK=(--no-repack); fi
NO_CNV=()
if "$LLAMA" --help 2>&1 | grep -q -- '-no-cnv'; then NO_CNV=(-no-cnv); fi

if [[ -z ${PARAMTRACE:-} ]]; then
  log "building paramtrace (release)"
  (cd "$ROOT" && swift build -c release --scratch-path .build-llamacpp-check >/dev/null)
  PARAMTRACE=$ROOT/.build-llamacpp-check/release/paramtrace
fi

mkdir -p "$WORK"
if [[ $LIKE == llama-2-7b-chat.Q4_K_M ]]; then
  MODEL=$WORK/twin-q4km-x$SCALE.gguf  # the name earlier measurements used
else
  MODEL=$WORK/twin-$LIKE-x$SCALE.gguf
  WORK=$WORK/$LIKE-x$SCALE
  mkdir -p "$WORK"
fi
if [[ ! -f $MODEL ]]; then
  log "writing the synth twin $MODEL"
  "$PARAMTRACE" synth --like "$LIKE" --scale "$SCALE" --out "$MODEL"
fi
SIZE=$(stat -c %s "$MODEL")
BUDGET_HIGH=${BUDGET_HIGH:-$((SIZE * 70 / 100))}
BUDGET_LOW=${BUDGET_LOW:-$((SIZE * 40 / 100))}

# A prompt of PROMPT_TOKENS tokens: the twin's placeholder vocabulary has no words, so llama.cpp
# falls back to byte tokens: BOS, 3 for the leading "▁" (U+2581), then one per "a".
PROMPT=$(printf 'a%.0s' $(seq 5 "$PROMPT_TOKENS"))

run() {  # run NAME BUDGET -- CMD...
  local name=$1 budget=$2
  shift 3
  local out=$WORK/$name
  rm -rf "$out"
  local budget_flags=()
  [[ $budget != none ]] && budget_flags=(--budget "$budget")
  log "$name"
  "$PARAMTRACE" record --model "$MODEL" "${budget_flags[@]}" --cold --out "$out" -- "$@" \
    >"$WORK/$name.log" 2>&1 || { echo "  failed: see $WORK/$name.log" >&2; return 0; }
}

# llama.cpp -n N samples the first token from the prompt pass and decodes N−1 more ("N−1 runs");
# replay gets the same passes, and the same KV cache (f16, -c CONTEXT) in its memory budget.
LLAMA_CMD=("$LLAMA" -m "$MODEL" -p "$PROMPT" -n "$TOKENS" -t "$THREADS" -c "$CONTEXT" --temp 0 --seed 1
  --ignore-eos "${NO_CNV[@]}" "${NO_REPACK[@]}")
REPLAY_CMD=("$PARAMTRACE" replay "$MODEL" --tokens "$((TOKENS - 1))" --prompt-tokens "$PROMPT_TOKENS" --threads "$THREADS"
  --context "$CONTEXT" --router "$ROUTER")

TOOLS="llamacpp replay"
[[ $VARIANTS == 1 ]] && TOOLS="$TOOLS replay-contig replay-pages"
for budget in none "$BUDGET_HIGH" "$BUDGET_LOW"; do
  run "llamacpp-$budget" "$budget" -- "${LLAMA_CMD[@]}"
  run "replay-$budget" "$budget" -- "${REPLAY_CMD[@]}" --experts-log "$WORK/replay-$budget.experts.jsonl"
  if [[ $VARIANTS == 1 ]]; then
    run "replay-contig-$budget" "$budget" -- "${REPLAY_CMD[@]}" --row-split contiguous
    run "replay-pages-$budget" "$budget" -- "${REPLAY_CMD[@]}" --pages-only
  fi
done

python3 - "$WORK" "$SIZE" "$BUDGET_HIGH" "$BUDGET_LOW" "$TOOLS" <<'EOF'
import json, pathlib, re, sys
work, size = pathlib.Path(sys.argv[1]), int(sys.argv[2])
budgets = ["none", sys.argv[3], sys.argv[4]]
tools = sys.argv[5].split()
# Any llama.cpp perf prefix (llama_perf_context_print, llama_print_timings, common_perf_print).
EVAL = re.compile(r"(?<!prompt )eval time =\s*([\d.]+) ms /\s*(\d+) (?:runs|tokens)\s*\(\s*([\d.]+) ms per token,\s*([\d.]+|inf|nan) tokens per second\)")

def get(document, dotted):
    for part in dotted.split("."):
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document

def fmt(value, pattern="{:.2f}"):
    return "-" if value is None else pattern.format(value)

print(f"twin: {size:,} bytes")
print(f"{'run':<13} {'budget':>9} {'tok/s':>7} {'read(MB)':>9} {'reread':>7} {'dec.rr':>7} {'seq%':>6} {'logseq%':>8} {'req(KiB)':>9} {'majflt':>8}")
rows = {}
for budget in budgets:
    for tool in tools:
        directory = work / f"{tool}-{budget}"
        manifest = directory / "manifest.json"
        doc = json.loads(manifest.read_text()) if manifest.exists() else {}
        tps = get(doc, "timings.eval_tokens_per_second")
        output = directory / "workload.out"
        if tps is None and output.exists():
            found = EVAL.findall(output.read_text(errors="replace"))
            tps = float(found[-1][3]) if found else None
        operations = get(doc, "analysis.operations")
        total = get(doc, "analysis.bytes")
        row = {
            "tps": tps, "bytes": total,
            "reread": get(doc, "analysis.reread_factor"), "decode_reread": get(doc, "analysis.decode_reread_factor"),
            "seq": get(doc, "analysis.sequential_percent"), "logseq": get(doc, "analysis.logical_sequential_percent"),
            "req": total / operations if total and operations else None, "majflt": get(doc, "workload.major_faults"),
        }
        rows[(tool, budget)] = row
        label = "none" if budget == "none" else f"{int(budget) / 1e6:,.0f}MB"
        print(f"{tool:<13} {label:>9} {fmt(row['tps']):>7} {fmt(total and total / 1e6, '{:,.0f}'):>9} "
              f"{fmt(row['reread']):>7} {fmt(row['decode_reread']):>7} {fmt(row['seq'], '{:.1f}'):>6} "
              f"{fmt(row['logseq'], '{:.1f}'):>8} {fmt(row['req'] and row['req'] / 1024, '{:.0f}'):>9} {fmt(row['majflt'], '{:d}'):>8}")
print()
for budget in budgets:
    a, b = rows[("llamacpp", budget)], rows[("replay", budget)]
    for key in ("reread", "decode_reread", "seq", "logseq", "req"):
        if a[key] is not None and b[key] is not None:
            tolerance = max(0.15 * abs(a[key]), 0.2 if "reread" in key else 5)
            if abs(a[key] - b[key]) > tolerance:
                print(f"differs: budget {budget}, {key}: llama.cpp {a[key]:.2f} vs replay {b[key]:.2f}")
EOF
