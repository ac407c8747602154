import Foundation
import Testing

/// `record` of a workload that reads a known set of experts per forward pass of a small MoE
/// GGUF: per pass it drops the file's pages (POSIX_FADV_DONTNEED), then, block by block, reads
/// the attention and router tensors whole and exactly the slices of its chosen experts of the
/// three expert stacks (pread, readahead off with POSIX_FADV_RANDOM, every slice page-aligned).
/// The analysis must report those expert ids, pass by pass. Needs root and tracefs, like
/// RecordTests; runs under the same machine lock.
@Suite(.serialized) struct RecordExpertsTests {
  /// Blocks 0–3, 8 experts, 2 chosen per block and pass (equal bytes per block, so no block's
  /// run looks like read-around of its neighbour's).
  static let plan: [[[Int]]] = [
    [[0, 1], [2, 3], [4, 5], [6, 7]],
    [[0, 2], [2, 3], [5, 7], [1, 6]],
    [[7, 1], [3, 4], [5, 7], [0, 6]],
    [[4, 5], [0, 7], [1, 2], [3, 6]],
  ]

  /// Writes the GGUF (v3, alignment 4096, F32 tensors: attention 256 KiB, router 32 KiB,
  /// gate/up/down stacks of 8 × 64 KiB per block) and reads the plan (argv: make|run PATH PLAN).
  static let script = """
    import json, os, struct, sys
    L, E, ALIGN = 4, 8, 4096
    def text(s): b = s.encode(); return struct.pack('<Q', len(b)) + b
    def tensors():
        for b in range(L):
            yield f'blk.{b}.attn_q.weight', [1024, 64]
            yield f'blk.{b}.ffn_gate_inp.weight', [1024, E]
            for kind in ('gate', 'up', 'down'):
                yield f'blk.{b}.ffn_{kind}_exps.weight', [1024, 16, E]
    def layout():
        infos, offset = [], 0
        for name, ne in tensors():
            size = 4
            for n in ne: size *= n
            infos.append((name, ne, offset, size))
            offset = (offset + size + ALIGN - 1) // ALIGN * ALIGN
        return infos, offset
    def header(infos):
        kv = [('general.architecture', 8, text('qwen3moe')), ('general.alignment', 4, struct.pack('<I', ALIGN)),
              ('qwen3moe.block_count', 4, struct.pack('<I', L)), ('qwen3moe.expert_count', 4, struct.pack('<I', E)),
              ('qwen3moe.expert_used_count', 4, struct.pack('<I', 2))]
        out = b'GGUF' + struct.pack('<IQQ', 3, len(infos), len(kv))
        for key, kind, value in kv: out += text(key) + struct.pack('<I', kind) + value
        for name, ne, offset, size in infos:
            out += text(name) + struct.pack('<I', len(ne)) + b''.join(struct.pack('<Q', n) for n in ne) + struct.pack('<IQ', 0, offset)
        return out + b'\\0' * ((-len(out)) % ALIGN)
    mode, path, plan = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    infos, data = layout()
    head = header(infos)
    if mode == 'make':
        with open(path, 'wb') as f:
            f.write(head)
            f.write(os.urandom(data))
            os.fsync(f.fileno())
        sys.exit(0)
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
    for chosen in plan:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        for name, ne, offset, size in infos:
            block = int(name.split('.')[1])
            start = len(head) + offset
            if '_exps' in name:
                for e in chosen[block]: os.pread(fd, size // E, start + e * (size // E))
            else:
                os.pread(fd, size, start)
    print('passes', len(plan))
    """

  @Test func knownExpertsPerPassAreReportedPassByPass() throws {
    guard RecordTests.gate() else { return }
    try RecordScratch.with { scratch in
      let script = scratch.directory + "/experts.py"
      let model = scratch.directory + "/moe.gguf"
      try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
      let plan = String(decoding: try JSONSerialization.data(withJSONObject: Self.plan), as: UTF8.self)
      let made = try runProcess("/usr/bin/python3", [script, "make", model, plan])
      #expect(made.status == 0, "\(made.stderr)")
      let out = scratch.directory + "/experts"
      let result = try runParamtrace(["record", "--model", model, "--cold", "--out", out, "--", "/usr/bin/python3", script, "run", model, plan])
      #expect(result.status == 0, "\(result.stderr)")
      let analysis = try RecordScratch.json(out + "/analysis.json")
      let tensors = try #require(analysis["tensors"] as? [String: Any])
      let experts = try #require(tensors["experts"] as? [String: Any], "no experts in \(tensors.keys.sorted())")
      #expect(experts["count"] as? Int == 8)
      #expect(experts["layers"] as? [Int] == [0, 1, 2, 3])
      let passes = try #require(experts["passes"] as? [[[Int]]])
      #expect(passes == Self.plan.map { $0.map { $0.sorted() } }, "read order: \(tensors["read_order"] ?? "?")")
      // Every chosen slice read once per pass: 3 stacks × 64 KiB.
      let bytes = try #require(experts["bytes"] as? [[Int]])
      for (slot, layer) in bytes.enumerated() {
        for (expert, read) in layer.enumerated() {
          let times = Self.plan.filter { $0[slot].contains(expert) }.count
          #expect(read == times * 3 * 65_536, "layer \(slot) expert \(expert)")
        }
      }
      let summary = try String(contentsOfFile: out + "/summary.txt", encoding: .utf8)
      #expect(summary.contains("experts read per token"), "\(summary)")
      // Measured here (kernel 6.18): every request is flagged RA, even pread with readahead
      // off, because the page cache reads through its readahead code; the summary says so.
      print("record test: experts per pass as planned; readahead bytes \(experts["readahead_bytes"] ?? "?") of \(experts["total_bytes"] ?? "?")")
      print(summary.split(separator: "\n").filter { $0.contains("expert") || $0.contains("reuse") || $0.contains("per token") }.joined(separator: "\n"))
      try RecordScratch.expectNothingLeft()
    }
  }
}
