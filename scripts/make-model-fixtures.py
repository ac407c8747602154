#!/usr/bin/env python3
"""Writes the small model files in Tests/Fixtures/models/ and, beside each one, a golden
`NAME.reader.json` with what the official readers report about it.

GGUF files are written with the official `gguf` Python package (GGUFWriter) and read back with
its GGUFReader; safetensors files with the official `safetensors` package (or by hand for the
dtypes numpy lacks) and checked with its `safe_open`. Run from the repository root:

    python3 -m venv /tmp/gguf-venv && /tmp/gguf-venv/bin/pip install gguf numpy safetensors
    /tmp/gguf-venv/bin/python scripts/make-model-fixtures.py

Every file is deterministic (seeded bytes) and under 200 KB. See Tests/Fixtures/models/README.md.
"""
import json
import pathlib
import struct
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T, GGUFValueType as V, GGUFEndian, GGML_QUANT_SIZES

OUT = pathlib.Path("Tests/Fixtures/models")
RNG = np.random.default_rng(20240611)


def package_version(name):
    from importlib.metadata import version
    return version(name)


def raw(shape_ne, qtype):
    """Seeded raw bytes for a tensor of `qtype` whose ggml shape is `shape_ne` (ne order)."""
    block, size = GGML_QUANT_SIZES[qtype]
    ne = list(shape_ne)
    assert ne[0] % block == 0, (ne, qtype)
    row_bytes = ne[0] // block * size
    numpy_shape = tuple(reversed(ne[1:])) + (row_bytes,)
    return RNG.integers(0, 256, size=numpy_shape, dtype=np.uint8)


def add_raw(writer, name, shape_ne, qtype):
    writer.add_tensor(name, raw(shape_ne, qtype), raw_dtype=qtype)


def write(writer, path):
    writer.write_header_to_file(path)
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# ---------------------------------------------------------------------------------------------
# Goldens from the official readers


def field_json(field):
    """One metadata field as gguf's ReaderField reports it."""
    types = [t.name for t in field.types]
    entry = {"key": field.name, "types": types}
    if field.types[0] == V.ARRAY:
        entry["count"] = int(field.parts[4][0])  # [key len, key, vtype, item type, count, ...]
        if len(field.types) > 2:  # nested arrays: the reader flattens them; keep only the shape
            entry["value"] = None
            return entry
    value = field.contents()
    if isinstance(value, (np.generic,)):
        value = value.item()
    entry["value"] = value
    return entry


def gguf_golden(path):
    reader = gguf.GGUFReader(path)
    fields = [field_json(f) for name, f in reader.fields.items() if not name.startswith("GGUF.")]
    return {
        "reader": f"gguf {package_version('gguf')} GGUFReader",
        "file_size": path.stat().st_size,
        "version": int(reader.fields["GGUF.version"].parts[0][0]),
        "endianess": reader.endianess.name,
        "alignment": int(reader.alignment),
        "data_offset": int(reader.data_offset),
        "fields": fields,
        "tensors": [
            {
                "name": t.name,
                "type": t.tensor_type.name,
                "shape": [int(d) for d in t.shape],
                "offset": int(t.data_offset),
                "n_bytes": int(t.n_bytes),
            }
            for t in reader.tensors
        ],
    }


def safetensors_golden(path):
    from safetensors import safe_open

    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", None)
    with safe_open(str(path), framework="np") as f:  # the official reader validates the header
        names = list(f.keys())
        dtypes = {k: f.get_slice(k).get_dtype() for k in names}
        shapes = {k: list(f.get_slice(k).get_shape()) for k in names}
        official_metadata = f.metadata()
    assert sorted(names) == sorted(header), "safe_open and the header disagree"
    assert official_metadata == metadata
    tensors = []
    for name, info in sorted(header.items(), key=lambda kv: (kv[1]["data_offsets"][0], kv[1]["data_offsets"][1])):
        assert dtypes[name] == info["dtype"] and shapes[name] == info["shape"]
        begin, end = info["data_offsets"]
        tensors.append({"name": name, "type": info["dtype"], "shape": info["shape"], "offset": 8 + n + begin, "n_bytes": end - begin})
    return {
        "reader": f"safetensors {package_version('safetensors')} safe_open + header JSON",
        "file_size": len(data),
        "header_size": n,
        "data_offset": 8 + n,
        "metadata": metadata,
        "tensors": tensors,
    }


def save_golden(path, golden):
    target = path.with_name(path.name + ".reader.json")
    target.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes) and {target.name}")


# ---------------------------------------------------------------------------------------------
# (a) a tiny llama file, GGUF v3: every metadata value type, several tensor types, alignment 64


def tiny_llama():
    path = OUT / "tiny-llama.gguf"
    w = gguf.GGUFWriter(path, "llama")
    w.add_custom_alignment(64)
    w.add_name("tiny llama fixture")
    w.add_context_length(128)
    w.add_embedding_length(256)
    w.add_block_count(2)
    w.add_feed_forward_length(512)
    w.add_rope_dimension_count(64)
    w.add_head_count(4)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_file_type(15)
    # one key of every scalar type
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4_000_000_000)
    w.add_int32("test.i32", -2_000_000_000)
    w.add_float32("test.f32", 0.5)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo \"gguf\"\n")
    w.add_uint64("test.u64", 18_000_000_000_000_000_000)
    w.add_int64("test.i64", -9_000_000_000_000_000_000)
    w.add_float64("test.f64", -2.25)
    # arrays of every element type, and nested arrays
    for sub, values in [
        (V.UINT8, [0, 1, 255]), (V.INT8, [-128, 0, 127]), (V.UINT16, [1, 65535]), (V.INT16, [-32768, 32767]),
        (V.UINT32, [7, 4294967295]), (V.INT32, [-1, 2, -3]), (V.FLOAT32, [0.25, -1.5]), (V.BOOL, [True, False, True]),
        (V.STRING, ["a", "", "ünïcode"]), (V.UINT64, [2**64 - 1]), (V.INT64, [-(2**63)]), (V.FLOAT64, [3.5, -0.125]),
    ]:
        w.add_key_value(f"test.array.{sub.name.lower()}", values, V.ARRAY, sub_type=sub)
    w.add_key_value("test.array.nested", [[1, 2], [3, 4, 5]], V.ARRAY, sub_type=V.ARRAY)
    w.add_key_value("test.array.nested_strings", [["x", "y"], ["z"]], V.ARRAY, sub_type=V.ARRAY)
    tokens = ["<unk>", "<s>", "</s>"] + [f"tok{i}" for i in range(29)]
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([float(-i) for i in range(len(tokens))])
    w.add_token_types([2, 3, 3] + [1] * 29)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_quantization_version(2)

    add_raw(w, "token_embd.weight", [256, 32], T.Q4_K)
    for i in range(2):
        w.add_tensor(f"blk.{i}.attn_norm.weight", RNG.standard_normal(256).astype(np.float32))
        add_raw(w, f"blk.{i}.attn_q.weight", [256, 4], T.Q8_0)
        add_raw(w, f"blk.{i}.attn_k.weight", [256, 2], T.Q4_K)
        add_raw(w, f"blk.{i}.attn_v.weight", [256, 2], T.Q6_K)
        w.add_tensor(f"blk.{i}.attn_output.weight", RNG.standard_normal((4, 256)).astype(np.float16))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", RNG.standard_normal(256).astype(np.float32))
        add_raw(w, f"blk.{i}.ffn_gate.weight", [256, 4], T.Q5_0)
        add_raw(w, f"blk.{i}.ffn_up.weight", [256, 4], T.BF16)
        add_raw(w, f"blk.{i}.ffn_down.weight", [512, 1], T.Q4_0)
    # a 3-D and a 4-D tensor and integer types (not llama tensors, but legal GGUF)
    w.add_tensor("extra.conv.weight", RNG.standard_normal((2, 3, 2, 32)).astype(np.float16))
    w.add_tensor("extra.ids", np.arange(10, dtype=np.int32))
    w.add_tensor("extra.bytes", np.arange(7, dtype=np.int8))
    w.add_tensor("output_norm.weight", RNG.standard_normal(256).astype(np.float32))
    add_raw(w, "output.weight", [256, 8], T.Q6_K)
    write(w, path)
    save_golden(path, gguf_golden(path))


# ---------------------------------------------------------------------------------------------
# (b) TheBloke's llama-2-7b-chat.Q4_K_M order, names and types (spec section 7), tiny shapes, v2


def use_more_bits(i, n):
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def llama2_order():
    path = OUT / "llama2-7b-q4km-order.gguf"
    n_layer = 32
    w = gguf.GGUFWriter(path, "llama")
    # TheBloke's 19 KVs, in its order (general.architecture is added by the writer first)
    w.add_name("LLaMA v2")
    w.add_context_length(4096)
    w.add_embedding_length(4096)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(11008)
    w.add_rope_dimension_count(128)
    w.add_head_count(32)
    w.add_head_count_kv(32)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(15)
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{i:02X}>" for i in range(13)]
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * len(tokens))
    w.add_token_types([2, 3, 3] + [6] * 13)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_quantization_version(2)

    # HF shard 1 holds blocks 0..23 (string order) and shard 2 holds 24..31; output.weight sorts
    # between them (spec section 7).
    shard1 = sorted(range(24), key=str)
    shard2 = list(range(24, 32))
    counters = {"attn_v": 0, "ffn_down": 0}

    def block(i):
        for kind in ["attn_norm", "ffn_down", "ffn_gate", "ffn_up", "ffn_norm", "attn_k", "attn_output", "attn_q", "attn_v"]:
            name = f"blk.{i}.{kind}.weight"
            if kind.endswith("_norm"):
                w.add_tensor(name, np.ones(256, dtype=np.float32))
                continue
            qtype = T.Q4_K
            if kind in counters:
                if use_more_bits(counters[kind], n_layer):
                    qtype = T.Q6_K
                counters[kind] += 1
            add_raw(w, name, [256, 1], qtype)

    add_raw(w, "token_embd.weight", [256, 2], T.Q4_K)
    for i in shard1:
        block(i)
    add_raw(w, "output.weight", [256, 2], T.Q6_K)
    for i in shard2:
        block(i)
    w.add_tensor("output_norm.weight", np.ones(256, dtype=np.float32))
    write(w, path)
    # TheBloke's file is GGUF v2, which has the v3 layout: patch the version field.
    data = bytearray(path.read_bytes())
    assert struct.unpack_from("<I", data, 4)[0] == 3
    struct.pack_into("<I", data, 4, 2)
    path.write_bytes(bytes(data))
    save_golden(path, gguf_golden(path))


# ---------------------------------------------------------------------------------------------
# (c) a small MoE file with stacked-expert tensors (default alignment 32)


def moe():
    path = OUT / "tiny-moe.gguf"
    w = gguf.GGUFWriter(path, "qwen3moe")
    w.add_context_length(256)
    w.add_embedding_length(256)
    w.add_block_count(1)
    w.add_feed_forward_length(512)
    w.add_expert_feed_forward_length(256)
    w.add_head_count(4)
    w.add_head_count_kv(1)
    w.add_expert_count(4)
    w.add_expert_used_count(2)
    add_raw(w, "token_embd.weight", [256, 4], T.Q8_0)
    w.add_tensor("blk.0.attn_norm.weight", np.ones(256, dtype=np.float32))
    w.add_tensor("blk.0.ffn_gate_inp.weight", RNG.standard_normal((4, 256)).astype(np.float32))
    add_raw(w, "blk.0.ffn_gate_exps.weight", [256, 2, 4], T.Q4_K)
    add_raw(w, "blk.0.ffn_up_exps.weight", [256, 2, 4], T.Q4_K)
    add_raw(w, "blk.0.ffn_down_exps.weight", [256, 2, 4], T.Q6_K)
    w.add_tensor("output_norm.weight", np.ones(256, dtype=np.float32))
    write(w, path)
    save_golden(path, gguf_golden(path))


# ---------------------------------------------------------------------------------------------
# (d) a big-endian GGUF v3 (the writer's endianess option)


def big_endian():
    path = OUT / "tiny-bigendian.gguf"
    w = gguf.GGUFWriter(path, "llama", endianess=GGUFEndian.BIG)
    w.add_block_count(1)
    w.add_embedding_length(256)
    w.add_uint64("test.u64", 0x0102030405060708)
    w.add_key_value("test.array.u16", [1, 2, 258], V.ARRAY, sub_type=V.UINT16)
    w.add_token_list(["a", "bc"])
    w.add_tensor("blk.0.attn_norm.weight", np.ones(256, dtype=np.float32), tensor_endianess=GGUFEndian.LITTLE)
    add_raw(w, "blk.0.attn_q.weight", [256, 2], T.Q4_K)
    write(w, path)
    save_golden(path, gguf_golden(path))


# ---------------------------------------------------------------------------------------------
# (e) safetensors: one by the official writer, one by hand with packed and 8-bit float dtypes


def safetensors_official():
    from safetensors.numpy import save_file

    path = OUT / "tiny.safetensors"
    tensors = {"model.embed_tokens.weight": RNG.standard_normal((16, 8)).astype(np.float16)}
    for i in [0, 1, 2, 10, 11]:  # string order puts layers.10 before layers.2
        tensors[f"model.layers.{i}.self_attn.q_proj.weight"] = RNG.standard_normal((8, 8)).astype(np.float32)
        tensors[f"model.layers.{i}.input_layernorm.weight"] = RNG.standard_normal(8).astype(np.float16)
    tensors["model.layers.0.mlp.experts.gate_up_proj"] = RNG.standard_normal((4, 8, 6)).astype(np.float16)
    tensors["model.norm.weight"] = RNG.standard_normal(8).astype(np.float32)
    tensors["lm_head.weight"] = RNG.standard_normal((16, 8)).astype(np.float64)
    tensors["token_ids"] = np.arange(5, dtype=np.int64)
    tensors["mask"] = np.array([True, False, True])
    tensors["scale"] = np.array(0.5, dtype=np.float32)  # rank 0
    tensors["empty"] = np.zeros((0, 4), dtype=np.float32)  # zero-size
    tensors["counts"] = np.arange(3, dtype=np.uint16)
    tensors["bytes"] = np.arange(5, dtype=np.uint8)
    # one metadata key: the writer keeps metadata in a HashMap, so several keys come out in random order
    save_file(tensors, str(path), metadata={"format": "pt"})
    save_golden(path, safetensors_golden(path))


def safetensors_by_hand():
    path = OUT / "packed-dtypes.safetensors"
    # (name, dtype, shape, bytes); placed in this order without holes
    entries = [
        ("blocks.0.w", "BF16", [3, 4], 24),
        ("blocks.0.w_fp8", "F8_E4M3", [2, 5], 10),
        ("blocks.1.w_fp4", "F4", [2, 8], 8),
        ("blocks.1.w_fp6", "F6_E2M3", [4], 3),
        ("h.3.scale", "F8_E8M0", [3], 3),
        ("transformer.h.12.bias", "I32", [2], 8),
    ]
    header, offset, data = {}, 0, bytearray()
    for name, dtype, shape, n in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        data += RNG.integers(0, 256, size=n, dtype=np.uint8).tobytes()
        offset += n
    header["__metadata__"] = {"format": "hand"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the reference writer pads with spaces to a multiple of 8
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(data))
    save_golden(path, safetensors_golden(path))


# ---------------------------------------------------------------------------------------------
# The ggml type table of the package (GGML_QUANT_SIZES), for GGMLTypeTests


def type_table():
    target = OUT / "ggml-types.reader.json"
    rows = [{"id": int(t), "name": t.name, "block_size": b, "type_size": s} for t, (b, s) in sorted(GGML_QUANT_SIZES.items())]
    target.write_text(json.dumps({"reader": f"gguf {package_version('gguf')} GGML_QUANT_SIZES", "types": rows}, indent=1) + "\n")
    print(f"wrote {target}")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    tiny_llama()
    llama2_order()
    moe()
    big_endian()
    safetensors_official()
    safetensors_by_hand()
    type_table()
    for p in sorted(OUT.iterdir()):
        if p.stat().st_size >= 200_000:
            sys.exit(f"{p} is {p.stat().st_size} bytes; fixtures must stay under 200 KB")


if __name__ == "__main__":
    main()
