import Foundation
import Testing

@testable import ParamTraceCore
@testable import ParamTraceSystem

/// Synth twins on disk and replay on them. Files go under /var/tmp (a real disk: page-cache
/// eviction does not work on tmpfs) and are removed.
@Suite(.serialized) struct ReplayTests {
  /// TheBloke's 7B layout shrunk to a few MB (n_embd 256, n_ff 512, 1,012 tokens; 12.5 MiB).
  static let smallSpec: GGUFFileSpec = {
    try! ModelScaling.scaled(ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M")!.fileSpec, by: 0.001).0
  }()

  static func temporaryPath(_ name: String) -> String {
    "/var/tmp/paramtrace-replay-tests-\(getpid())-\(name).gguf"
  }

  /// Writes the small twin to a new file and returns its path and layout.
  static func writeSmallTwin(_ name: String, seed: UInt64 = 1) throws -> (String, GGUFLayout) {
    let path = temporaryPath(name)
    unlink(path)
    let layout = try GGUFWriter.layout(smallSpec)
    _ = try GGUFTwinWriter.write(spec: smallSpec, layout: layout, to: path, seed: seed, overwrite: false)
    return (path, layout)
  }

  /// What `paramtrace model` reads: the header through FilePrefixReader and ModelFileReader.
  static func readModel(_ path: String) throws -> ModelMap {
    let reader = try FilePrefixReader(path: path)
    return try ModelFileReader.read(fileSize: reader.size, source: path) { count in try reader.readPrefix(count: count) }
  }

  // MARK: synth

  @Test func aWrittenTwinReadsBackAsItsCatalogEntry() throws {
    let (path, layout) = try Self.writeSmallTwin("readback")
    defer { unlink(path) }
    let map = try Self.readModel(path)
    let spec = Self.smallSpec
    #expect(map.fileSize == layout.fileSize)
    #expect(map.dataStart == layout.dataStart)
    #expect(map.tensors.map(\.name) == spec.tensors.map(\.name))
    #expect(map.tensors.map(\.typeName) == spec.tensors.map(\.type.name))
    #expect(map.tensors.map(\.shape) == spec.tensors.map(\.ne))
    #expect(map.tensors.map(\.fileOffset) == spec.tensors.indices.map { layout.fileOffset(ofTensor: $0) })
    #expect(map.tensors.map(\.byteSize) == layout.tensorBytes)
    #expect(map.layersInFileOrder == [0, 1] + Array(10...19) + [2] + Array(20...23) + Array(3...9) + Array(24...31))
    // The data: Q4_K blocks of blk.0.attn_q start with a small finite f16 d; norms are near 1.
    let bytes = try readFilePrefix(path: path, count: layout.fileSize)
    let q = try #require(map.tensors.first { $0.name == "blk.0.attn_q.weight" })
    for block in 0..<Int(q.byteSize / 144) {
      let at = Int(q.fileOffset) + block * 144
      let d = UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
      #expect((d >> 10) & 0x1F < 0x1F && d != 0, "block \(block)")
    }
    let norm = try #require(map.tensors.first { $0.name == "blk.0.attn_norm.weight" })
    let first = bytes[Int(norm.fileOffset)..<Int(norm.fileOffset + 4)].withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
    #expect(abs(first - 1) < 0.02)
    // Padding between tensors is zero.
    for (index, tensor) in map.tensors.enumerated().dropLast() {
      let gap = map.tensors[index + 1].fileOffset - tensor.fileEnd
      if gap > 0 { #expect(bytes[Int(tensor.fileEnd)..<Int(tensor.fileEnd + gap)].allSatisfy { $0 == 0 }) }
    }
  }

  @Test func theSameSeedWritesTheSameFile() throws {
    let (a, _) = try Self.writeSmallTwin("seed-a", seed: 9)
    defer { unlink(a) }
    let (b, layout) = try Self.writeSmallTwin("seed-b", seed: 9)
    defer { unlink(b) }
    #expect(try readFilePrefix(path: a, count: layout.fileSize) == readFilePrefix(path: b, count: layout.fileSize))
  }

  @Test func anExistingFileIsKeptUnlessForced() throws {
    let (path, layout) = try Self.writeSmallTwin("exists")
    defer { unlink(path) }
    #expect {
      _ = try GGUFTwinWriter.write(spec: Self.smallSpec, layout: layout, to: path, seed: 1, overwrite: false)
    } throws: { error in
      guard let error = error as? GGUFTwinWriter.WriteError, case .exists = error.reason else { return false }
      return error.description.contains("--force")
    }
    _ = try GGUFTwinWriter.write(spec: Self.smallSpec, layout: layout, to: path, seed: 2, overwrite: true)
    #expect(try Self.readModel(path).fileSize == layout.fileSize)
  }

  @Test func aTwinLargerThanTheFreeSpaceIsRefusedBeforeWriting() throws {
    let spec = GGUFFileSpec(metadata: [], tensors: [GGUFTensorSpec(name: "huge", ne: [1 << 38, 64], type: GGMLType(id: 0)!)])
    let layout = try GGUFWriter.layout(spec)  // 64 TiB
    let path = Self.temporaryPath("huge")
    #expect {
      _ = try GGUFTwinWriter.write(spec: spec, layout: layout, to: path, seed: 1, overwrite: false)
    } throws: { error in
      guard let error = error as? GGUFTwinWriter.WriteError, case .noSpace = error.reason else { return false }
      return error.description.contains("free")
    }
    #expect(access(path, F_OK) != 0)
  }

  /// The full-size TheBloke layout as a sparse file: 4,081,004,224 bytes that take only the header.
  @Test func aSparseFullSizeTwinHasTheRealLayout() throws {
    let spec = ModelCatalog.entry(named: "llama-2-7b-chat.Q4_K_M")!.fileSpec
    let layout = try GGUFWriter.layout(spec)
    let path = Self.temporaryPath("sparse")
    unlink(path)
    defer { unlink(path) }
    _ = try GGUFTwinWriter.write(spec: spec, layout: layout, to: path, seed: 1, overwrite: false, sparse: true)
    var status = stat()
    #expect(stat(path, &status) == 0)
    #expect(status.st_size == 4_081_004_224)
    #expect(status.st_blocks * 512 < 4 << 20)
    let map = try Self.readModel(path)
    #expect(map.dataStart == 741_056 && map.tensors.count == 291)
    #expect(map.tensors.first { $0.name == "output.weight" }?.fileOffset == 2_966_818_496)
  }

  /// The official gguf package reads a scaled twin with the same tensor table and keys.
  /// Skips where the package is missing, unless PARAMTRACE_REQUIRE_PRIVILEGED_TESTS=1 (CI).
  @Test(.enabled(if: GGUFPython.command != nil || PrivilegedTestGate.required, GGUFPython.skipReason))
  func theOfficialGGUFReaderReadsATwin() throws {
    _ = try #require(GGUFPython.command, "the gguf Python package is missing: pip install gguf")
    let (path, layout) = try Self.writeSmallTwin("gguf-py")
    defer { unlink(path) }
    let document = try GGUFPython.tensorTable(path)
    let map = try Self.readModel(path)
    #expect(document["version"] as? Int == 2)
    #expect(document["alignment"] as? Int == 32)
    #expect(document["data_offset"] as? Int == Int(layout.dataStart))
    try GGUFPython.expectSameTensorTable(map, document)
    let fields = try #require(document["fields"] as? [[String: Any]])
    #expect(fields.map { $0["key"] as? String ?? "" } == map.metadata.map(\.key))
    #expect(fields.first { $0["key"] as? String == "tokenizer.ggml.tokens" }?["count"] as? Int == 1012)
  }

  // MARK: replay

  @Test func replayPrintsTimingLinesLlamaTimingsReads() throws {
    let (path, _) = try Self.writeSmallTwin("timings")
    defer { unlink(path) }
    let plan = try ModelReplayPlan(map: try Self.readModel(path))
    let result = try ModelReplay.run(path: path, plan: plan, options: ModelReplayOptions(tokens: 5, promptTokens: 3, threads: 2))
    let parsed = LlamaTimings.parse(result.timings.lines().joined(separator: "\n"))
    #expect(parsed.promptTokens == 3)
    #expect(parsed.evalTokens == 5)
    #expect(parsed.totalTokens == 8)
    #expect((parsed.evalTokensPerSecond ?? 0) > 0)
    #expect(parsed.loadMilliseconds != nil)
    #expect(result.checksum != 0)
    #expect(result.bytesPerToken == plan.bytesPerToken)
  }

  /// Two runs with the same seed and threads read the same bytes: the same checksum.
  @Test(arguments: [1, 2, 3])
  func theChecksumRepeatsForTheSameSeed(threads: Int) throws {
    let (path, _) = try Self.writeSmallTwin("threads-\(threads)")
    defer { unlink(path) }
    let plan = try ModelReplayPlan(map: try Self.readModel(path))
    let options = ModelReplayOptions(tokens: 2, promptTokens: 1, threads: threads, seed: 5)
    let first = try ModelReplay.run(path: path, plan: plan, options: options)
    let second = try ModelReplay.run(path: path, plan: plan, options: options)
    #expect(first.checksum == second.checksum)
    #expect(first.timings.evalTokens == 2)
  }

  /// After eviction, a --no-populate replay of one token faults in every page of every tensor
  /// it reads: the whole file but the embedding table (of which it reads one row).
  @Test(arguments: [true, false])
  func replayTouchesEveryPageOfEveryWeight(readAll: Bool) throws {
    try MachineTestLock.run {
      let (path, layout) = try Self.writeSmallTwin("residency-\(readAll)")
      defer { unlink(path) }
      let map = try Self.readModel(path)
      let evicted = try PageCache.evict(path: path)
      #expect(evicted.residentAfter < layout.fileSize / 20, "eviction left \(evicted.residentAfter) bytes")
      let plan = try ModelReplayPlan(map: map)
      _ = try ModelReplay.run(
        path: path, plan: plan, options: ModelReplayOptions(tokens: 1, promptTokens: 0, threads: 2, populate: false, readAll: readAll))
      // Resident, or taken by the kernel's own reclaim since (PageCacheReclaim).
      let resident = try PageCache.residency(path: path).residentBytes + PageCacheReclaim.bytes(path)
      let embedding = try #require(map.tensors.first { $0.name == "token_embd.weight" })
      #expect(resident >= layout.fileSize - embedding.byteSize - 4096, "resident \(resident) of \(layout.fileSize)")
      // With MAP_POPULATE the load alone reads the whole file.
      _ = try PageCache.evict(path: path)
      _ = try ModelReplay.run(path: path, plan: plan, options: ModelReplayOptions(tokens: 0, promptTokens: 0, threads: 1, populate: true))
      let populated = try PageCache.residency(path: path).residentBytes + PageCacheReclaim.bytes(path)
      #expect(populated >= layout.fileSize && populated < layout.fileSize + 4096, "\(populated) of \(layout.fileSize)")
    }
  }

  @Test func aTruncatedModelIsRefused() throws {
    let (path, layout) = try Self.writeSmallTwin("truncated")
    defer { unlink(path) }
    let plan = try ModelReplayPlan(map: try Self.readModel(path))
    #expect(truncate(path, off_t(layout.fileSize / 2)) == 0)
    #expect(throws: ReplayError.self) { try ModelReplay.run(path: path, plan: plan, options: ModelReplayOptions(tokens: 1)) }
  }

  /// `synth --like FILE` of the order fixture reproduces its header (on disk, through SynthSource).
  @Test func synthLikeAFixtureReproducesItsLayout() throws {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/models/llama2-7b-q4km-order.gguf").path
    let source = try SynthSource.resolve(fixture)
    #expect(source.entry == nil && source.differingOffsets.isEmpty)
    let layout = try GGUFWriter.layout(source.spec)
    let path = Self.temporaryPath("like")
    unlink(path)
    defer { unlink(path) }
    _ = try GGUFTwinWriter.write(spec: source.spec, layout: layout, to: path, seed: 1, overwrite: false)
    let original = try Self.readModel(fixture)
    let copy = try Self.readModel(path)
    #expect(copy.tensors == original.tensors)
    #expect(copy.metadata == original.metadata)
    #expect(copy.fileSize == original.fileSize)
    #expect(try readFilePrefix(path: path, count: copy.dataStart) == readFilePrefix(path: fixture, count: original.dataStart))
    #expect(throws: SynthSourceError.self) { try SynthSource.resolve("/nonexistent/model.gguf") }
  }
}

/// The official `gguf` Python package, when installed: `$PARAMTRACE_PYTHON` or `python3`.
enum GGUFPython {
  static let command: String? = {
    let candidates = [ProcessInfo.processInfo.environment["PARAMTRACE_PYTHON"], "/usr/bin/env"].compactMap { $0 }
    for candidate in candidates {
      let arguments = candidate == "/usr/bin/env" ? ["python3", "-c", "import gguf"] : ["-c", "import gguf"]
      if (try? run(candidate, arguments).status) == 0 { return candidate }
    }
    return nil
  }()

  static let skipReason: Comment =
    "needs the official gguf Python package: pip install gguf (or set PARAMTRACE_PYTHON to a python that has it)"

  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts/gguf-tensor-table.py").path

  /// paramtrace's tensor table equals the official reader's: name, type, shape, absolute offset
  /// and byte size, in file order.
  static func expectSameTensorTable(_ map: ModelMap, _ document: [String: Any]) throws {
    let tensors = try #require(document["tensors"] as? [[String: Any]])
    #expect(tensors.count == map.tensors.count)
    for (tensor, expected) in zip(map.tensors, tensors) {
      #expect(tensor.name == expected["name"] as? String)
      #expect(tensor.typeName == expected["type"] as? String, "\(tensor.name)")
      #expect(tensor.shape.map(Int.init) == expected["shape"] as? [Int], "\(tensor.name)")
      #expect(Int(tensor.fileOffset) == expected["offset"] as? Int, "\(tensor.name)")
      #expect(Int(tensor.byteSize) == expected["n_bytes"] as? Int, "\(tensor.name)")
    }
  }

  /// scripts/gguf-tensor-table.py's JSON for `path`.
  static func tensorTable(_ path: String) throws -> [String: Any] {
    let command = try #require(command)
    let arguments = command == "/usr/bin/env" ? ["python3", script, path] : [script, path]
    let (status, output) = try run(command, arguments)
    #expect(status == 0)
    return try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
  }

  static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, output)
  }
}
