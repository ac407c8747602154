#!/usr/bin/env python3
"""Prints what the official `gguf` Python package reads from a GGUF file, as JSON: version,
alignment, data offset, the metadata keys with their types and array lengths, and every tensor
(name, type name, shape in ne order, absolute offset, byte count), in file order.

Used by ReplayTests to check that synth twins read the same in gguf-py as in paramtrace
(`pip install gguf`). Usage: scripts/gguf-tensor-table.py FILE.gguf
"""
import json
import sys

import gguf
from gguf import GGUFValueType


def main(path):
    reader = gguf.GGUFReader(path)
    fields = []
    for name, field in reader.fields.items():
        if name.startswith("GGUF."):
            continue
        entry = {"key": name, "type": field.types[0].name}
        if field.types[0] == GGUFValueType.ARRAY:
            entry["count"] = len(field.data)
        fields.append(entry)
    document = {
        "version": int(reader.fields["GGUF.version"].parts[0][0]),
        "alignment": int(reader.alignment),
        "data_offset": int(reader.data_offset),
        "fields": fields,
        "tensors": [
            {
                "name": tensor.name,
                "type": tensor.tensor_type.name,
                "shape": [int(d) for d in tensor.shape],
                "offset": int(tensor.data_offset),
                "n_bytes": int(tensor.n_bytes),
            }
            for tensor in reader.tensors
        ],
    }
    json.dump(document, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
