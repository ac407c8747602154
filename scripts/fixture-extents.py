#!/usr/bin/env python3
"""Writes Tests/Fixtures/NAME/NAME.extents.json (paramtrace's extents format) from each
fixture's ground-truth JSON (file.extents: file_offset, bytes, sector_start; ext4 directly on
/dev/vda, so no partition start). Run from the repository root."""
import json, pathlib

root = pathlib.Path("Tests/Fixtures")
for fixture in sorted(p for p in root.iterdir() if p.is_dir()):
    truth = json.loads((fixture / f"{fixture.name}.json").read_text())
    file = truth["file"]
    document = {
        "device": truth["device"]["dev_t"],
        "extents": [
            {"flags": [], "length": e["bytes"], "logical_offset": e["file_offset"], "sector": e["sector_start"]}
            for e in file["extents"]
        ],
        "file_size": file["size"],
        "format": "paramtrace-extents",
        "partition_start_sector": 0,
        "path": file["path"],
        "version": 1,
    }
    (fixture / f"{fixture.name}.extents.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print("wrote", fixture / f"{fixture.name}.extents.json")
