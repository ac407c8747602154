#!/usr/bin/env python3
"""Trims real experiment directories (from `paramtrace record`) into the small committed
fixtures of Tests/Fixtures/experiments (see README.md there).

usage: make-fixtures.py RAW_SWEEP_DIR OUT_DIR

RAW_SWEEP_DIR holds the runs as `record` wrote them, one directory per run, named as
`paramtrace sweep` names them (LABEL-rN). What is changed, and nothing else:
  - manifest.json: only a few meminfo keys (Cached, MemAvailable, MemFree, MemTotal) and
    vmstat counters (pgmajfault, pgpgin, workingset_refault_file) are kept; per-CPU tracer
    stats and cgroup statistics are dropped; the command's absolute path to the paramtrace
    binary becomes `paramtrace`; trace.files and configuration.output_directory become
    relative to the run directory.
  - analysis.json: tensors.tensors keeps the first tensor (lowest offset) of every layer and
    the tensors outside the layers (what the layer-boundary lines need); the per-phase
    tensor tables are dropped; a layer timeline longer than TIMELINE_RUNS runs is cut to its
    first TIMELINE_RUNS runs and marked layer_timeline_truncated. Every figure is as `record` computed it from the full trace.
  - the trace: kept whole when it is small (TRACE_LINES_WHOLE lines or fewer); else thinned
    over the whole run: the trace markers, and the block_rq_* lines (insert, issue, requeue,
    complete) of the requests whose first sector / 8 is a multiple of SAMPLE_MODULUS, so
    every line of a kept request stays and its re-reads in later passes too (the bio lines
    are dropped; the report says the trace holds fewer operations than analysis.json
    counted); or left out for the runs named in NO_TRACE (the report says it is missing).
"""
import json, os, re, sys

TRACE_LINES_WHOLE = 400
SAMPLE_MODULUS = 29
TIMELINE_RUNS = 150
NO_TRACE = {"budget-20MiB-r2"}
MEMINFO = ("Cached", "MemAvailable", "MemFree", "MemTotal")
VMSTAT = ("pgmajfault", "pgpgin", "workingset_refault_file")


def trim_manifest(manifest, run):
    memory = manifest.get("memory", {})
    for key in ("meminfo_before", "meminfo_after"):
        if key in memory:
            memory[key] = {k: v for k, v in memory[key].items() if k in MEMINFO}
    if "vmstat_delta" in memory:
        memory["vmstat_delta"] = {k: v for k, v in memory["vmstat_delta"].items() if k in VMSTAT}
    memory.pop("cgroup_statistics", None)
    trace = manifest.get("trace", {})
    trace["per_cpu_stats"] = {}
    trace["files"] = [os.path.basename(f) for f in trace.get("files", [])]
    manifest["command"] = ["paramtrace" if c.endswith("/paramtrace") else c for c in manifest.get("command", [])]
    manifest.get("configuration", {})["output_directory"] = run
    manifest.get("workload", {})["mapped_model_files"] = [os.path.basename(f) for f in manifest.get("workload", {}).get("mapped_model_files", [])]
    return manifest


def trim_analysis(analysis):
    tensors = analysis.get("tensors")
    if tensors:
        first = {}
        outside = []
        for tensor in tensors.get("tensors", []):
            layer = tensor.get("layer")
            if layer is None:
                outside.append(tensor)
            elif layer not in first or tensor["offset"] < first[layer]["offset"]:
                first[layer] = tensor
        tensors["tensors"] = sorted(outside + list(first.values()), key=lambda t: t["offset"])
        if len(tensors.get("layer_timeline", [])) > TIMELINE_RUNS:
            tensors["layer_timeline"] = tensors["layer_timeline"][:TIMELINE_RUNS]
            tensors["layer_timeline_truncated"] = True
    for phase in ("load", "decode"):
        if analysis.get("phases") and phase in analysis["phases"]:
            analysis["phases"][phase].pop("tensors", None)
    return analysis


RQ = re.compile(r" block_rq_\w+: \d+,\d+ \S+ (?:\d+ )?\(\S*\) (\d+) \+ \d+")


def keep(line):
    if line.startswith("#") or "tracing_mark_write" in line:
        return True
    match = RQ.search(line)
    return bool(match) and (int(match.group(1)) // 8) % SAMPLE_MODULUS == 0


def main(raw, out):
    sweep = {"format": "paramtrace-sweep", "version": 1, "command": None, "configurations": [], "repeat": 2,
             "find_cliff": False, "cliff": None, "runs": []}
    runs = sorted(d for d in os.listdir(raw) if os.path.isdir(os.path.join(raw, d)))
    order = {"unconstrained": 0}
    def key(name):
        label, rep = name.rsplit("-r", 1)
        size = re.search(r"(\d+)MiB", label)
        return (rep, order.get(label, 1), -(int(size.group(1)) if size else 0))
    for run in sorted(runs, key=key):
        label, rep = run.rsplit("-r", 1)
        size = re.search(r"(\d+)MiB", label)
        kind = "none" if label == "unconstrained" else label.split("-")[0]
        bytes_ = int(size.group(1)) << 20 if size else None
        if not any(c["label"] == label for c in sweep["configurations"]):
            sweep["configurations"].append({"label": label, "kind": kind, "bytes": bytes_})
        source = os.path.join(raw, run)
        entry = {"directory": run, "label": label, "kind": kind, "bytes": bytes_, "repetition": int(rep),
                 "status": "ok", "error": None, "tokens_per_second": None, "reread_factor": None, "thrash_share": None}
        manifest_path = os.path.join(source, "manifest.json")
        if not os.path.exists(manifest_path):
            log = source + ".log"
            error = open(log).read().strip().splitlines()[-1] if os.path.exists(log) else "record failed"
            entry.update(status="failed", error=error.removeprefix("Error: "))
            sweep["runs"].append(entry)
            continue
        target = os.path.join(out, run)
        os.makedirs(target, exist_ok=True)
        manifest = trim_manifest(json.load(open(manifest_path)), run)
        if sweep["command"] is None:
            sweep["command"] = manifest["command"]
        analysis = trim_analysis(json.load(open(os.path.join(source, "analysis.json"))))
        entry["tokens_per_second"] = manifest["timings"].get("eval_tokens_per_second")
        entry["reread_factor"] = analysis.get("reread_factor")
        json.dump(manifest, open(os.path.join(target, "manifest.json"), "w"), separators=(",", ":"))
        json.dump(analysis, open(os.path.join(target, "analysis.json"), "w"), separators=(",", ":"))
        if run not in NO_TRACE:
            for name in manifest["trace"]["files"]:
                lines = open(os.path.join(source, name)).readlines()
                if len(lines) > TRACE_LINES_WHOLE:
                    lines = [line for line in lines if keep(line)]
                open(os.path.join(target, name), "w").writelines(lines)
        sweep["runs"].append(entry)
    json.dump(sweep, open(os.path.join(out, "sweep.json"), "w"), indent=2)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
