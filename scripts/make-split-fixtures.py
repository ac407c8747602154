#!/usr/bin/env python3
"""Writes the multi-file model fixtures in Tests/Fixtures/models/split/: a GGUF split in two
by the official `gguf` package (GGUFWriter's split_max_tensors, which writes llama.cpp's
`split.no`, `split.count`, `split.tensors.count` keys), a safetensors model in two shards with
its `model.safetensors.index.json` (the official `safetensors` package), and the broken sets
the error tests need. Run from the repository root:

    python3 -m venv /tmp/gguf-venv && /tmp/gguf-venv/bin/pip install gguf numpy safetensors
    /tmp/gguf-venv/bin/python scripts/make-split-fixtures.py

Deterministic (seeded bytes); every file is a few KiB. See Tests/Fixtures/models/README.md.
"""
import json
import pathlib
import shutil

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from safetensors.numpy import save_file

OUT = pathlib.Path("Tests/Fixtures/models/split")
RNG = np.random.default_rng(20261202)


def tiny_llama(path, blocks=2, split_max_tensors=0, name="tiny split"):
    """A 2-block llama GGUF of F32 tensors (ne0 = 64); split every `split_max_tensors` tensors."""
    writer = gguf.GGUFWriter(path, "llama", split_max_tensors=split_max_tensors)
    writer.add_name(name)
    writer.add_block_count(blocks)
    writer.add_embedding_length(64)
    writer.add_context_length(128)
    writer.add_head_count(2)
    writer.add_feed_forward_length(128)

    def tensor(tensor_name, rows):
        writer.add_tensor(tensor_name, RNG.standard_normal((rows, 64)).astype(np.float32))

    tensor("token_embd.weight", 16)
    for block in range(blocks):
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            tensor(f"blk.{block}.{part}.weight", 8)
        tensor(f"blk.{block}.ffn_up.weight", 4)
        tensor(f"blk.{block}.ffn_down.weight", 4)
    tensor("output_norm.weight", 1)
    tensor("output.weight", 16)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def single_with_split_keys(path, number, count, total, tensor_names):
    """One GGUF carrying hand-set split keys (for the disagreeing-keys case)."""
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_uint16("split.no", number)
    writer.add_uint16("split.count", count)
    writer.add_int32("split.tensors.count", total)
    for tensor_name in tensor_names:
        writer.add_tensor(tensor_name, RNG.standard_normal((4, 64)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    # The good split: 15 tensors, 9 in the first file, 6 in the second.
    good = OUT / "gguf"
    good.mkdir()
    tiny_llama(good / "tiny-split.gguf", split_max_tensors=9)

    # The first split alone: the second is missing.
    missing = OUT / "gguf-missing"
    missing.mkdir()
    shutil.copy(good / "tiny-split-00001-of-00002.gguf", missing)

    # The second split of another model (3 blocks, split in 3): split.count 3, not 2.
    other_dir = OUT / "other-model"
    other_dir.mkdir()
    tiny_llama(other_dir / "tiny-split.gguf", blocks=3, split_max_tensors=8, name="another model")
    mixed = OUT / "gguf-mixed"
    mixed.mkdir()
    shutil.copy(good / "tiny-split-00001-of-00002.gguf", mixed)
    shutil.copy(other_dir / "tiny-split-00002-of-00003.gguf", mixed / "tiny-split-00002-of-00002.gguf")
    shutil.rmtree(other_dir)

    # Split keys that disagree: the second file says the model has 5 tensors, the first 4.
    keys = OUT / "gguf-keys"
    keys.mkdir()
    single_with_split_keys(keys / "bad-00001-of-00002.gguf", 0, 2, 4, ["blk.0.attn_q.weight", "blk.0.attn_k.weight"])
    single_with_split_keys(keys / "bad-00002-of-00002.gguf", 1, 2, 5, ["blk.1.attn_q.weight", "blk.1.attn_k.weight"])

    # safetensors in two shards with the index, as transformers' save_pretrained writes them.
    shards = OUT / "safetensors"
    shards.mkdir()
    first = {
        "model.embed_tokens.weight": RNG.standard_normal((16, 32)).astype(np.float16),
        "model.layers.0.self_attn.q_proj.weight": RNG.standard_normal((32, 32)).astype(np.float16),
        "model.layers.0.mlp.up_proj.weight": RNG.standard_normal((16, 32)).astype(np.float16),
    }
    second = {
        "model.layers.1.self_attn.q_proj.weight": RNG.standard_normal((32, 32)).astype(np.float16),
        "model.layers.1.mlp.up_proj.weight": RNG.standard_normal((16, 32)).astype(np.float16),
        "lm_head.weight": RNG.standard_normal((16, 32)).astype(np.float16),
    }
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    save_file(first, str(shards / names[0]), metadata={"format": "pt"})
    save_file(second, str(shards / names[1]), metadata={"format": "pt"})
    weight_map = {name: names[0] for name in first} | {name: names[1] for name in second}
    total = sum(array.nbytes for array in (first | second).values())
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (shards / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")

    # The index naming a shard that is absent.
    absent = OUT / "safetensors-absent"
    absent.mkdir()
    shutil.copy(shards / names[0], absent)
    shutil.copy(shards / "model.safetensors.index.json", absent)

    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(f"{path}: {path.stat().st_size} bytes")


main()
