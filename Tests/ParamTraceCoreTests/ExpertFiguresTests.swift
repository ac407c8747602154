import Testing

@testable import ParamTraceCore

@Suite struct ExpertFiguresTests {
  static let experts = 8
  static let sliceBytes: UInt64 = 4_096

  /// Four MoE blocks stored in layer order, each: attention (64 KiB), router, then gate, up
  /// and down stacks of 8 experts (4 KiB a slice); output after the blocks.
  static func moeLayout(layers: Int = 4) -> ModelLayout {
    var tensors: [ModelLayout.Tensor] = []
    var at: UInt64 = 4_096
    func add(_ name: String, _ size: UInt64, layer: Int?, experts: Int? = nil) {
      tensors.append(.init(name: name, start: at, end: at + size, layer: layer, expertCount: experts))
      at += size
    }
    for layer in 0..<layers {
      add("blk.\(layer).attn_q.weight", 65_536, layer: layer)
      add("blk.\(layer).ffn_gate_inp.weight", 1_024, layer: layer)
      for kind in ["gate", "up", "down"] {
        add("blk.\(layer).ffn_\(kind)_exps.weight", UInt64(experts) * sliceBytes, layer: layer, experts: experts)
      }
    }
    add("output.weight", 32_768, layer: nil)
    return ModelLayout(path: "moe.gguf", fileSize: at, dataStart: 4_096, tensors: tensors)
  }

  /// Reads, as decode does, every layer's attention and router, then the slices of `chosen`
  /// experts of its three expert tensors, one operation per slice; then the output.
  static func readPass(
    _ attribution: inout TensorAttribution, layout: ModelLayout, chosen: [[Int]], time: inout UInt64, readahead: Bool = false
  ) {
    for (layer, experts) in chosen.enumerated() {
      for tensor in layout.tensors where tensor.layer == layer {
        if let count = tensor.expertCount {
          let slice = tensor.size / UInt64(count)
          for expert in experts {
            attribution.add(
              pieceStart: tensor.start + UInt64(expert) * slice, pieceEnd: tensor.start + UInt64(expert + 1) * slice, time: time,
              readahead: readahead)
            attribution.endOperation()
            time += 1
          }
        } else {
          attribution.add(pieceStart: tensor.start, pieceEnd: tensor.end, time: time, readahead: readahead)
          attribution.endOperation()
          time += 1
        }
      }
    }
    let output = layout.tensors.last!
    attribution.add(pieceStart: output.start, pieceEnd: output.end, time: time, readahead: readahead)
    attribution.endOperation()
    time += 1
  }

  static let chosen: [[[Int]]] = [
    [[0, 1], [2, 3], [4, 5], [6, 7]],
    [[0, 2], [2, 3], [5, 7], [1, 6]],
    [[0, 1], [3, 4], [5, 7], [0, 6]],
  ]

  @Test func eachPassReportsExactlyTheExpertsItRead() throws {
    let layout = Self.moeLayout()
    var attribution = TensorAttribution(layout: layout, expertsUsedPerToken: 2)
    var time: UInt64 = 1
    for pass in Self.chosen { Self.readPass(&attribution, layout: layout, chosen: pass, time: &time) }
    let figures = attribution.result()
    let experts = try #require(figures.experts)
    #expect(figures.order.passes.count == 3)
    #expect(experts.expertsPerLayer == Self.experts)
    #expect(experts.layers == [0, 1, 2, 3])
    #expect(experts.passes.count == 3)
    for (pass, layers) in Self.chosen.enumerated() {
      for (slot, chosen) in layers.enumerated() {
        #expect(experts.experts(pass: pass, slot: slot) == chosen, "pass \(pass) layer \(slot)")
      }
    }
    // Bytes per layer and expert: 3 tensors × one slice per pass that chose it.
    let slices: [UInt64] = [3, 2, 1, 0, 0, 0, 0, 0]
    let once: [UInt64] = [1, 1, 1, 0, 0, 0, 0, 0]
    #expect(experts.bytes[0] == slices.map { $0 * 3 * Self.sliceBytes })
    #expect(experts.uniqueBytes[0] == once.map { $0 * 3 * Self.sliceBytes })
    #expect(experts.routerBytes == [3_072, 3_072, 3_072, 3_072])
    let total: UInt64 = 3 * 4 * 2 * 3 * Self.sliceBytes
    #expect(experts.totalBytes == total)
    let perPassExpertBytes = 4 * 2 * 3 * Self.sliceBytes
    #expect(experts.passes.map(\.expertBytes) == [perPassExpertBytes, perPassExpertBytes, perPassExpertBytes])
    let dense: UInt64 = 4 * (65_536 + 1_024) + 32_768
    #expect(experts.passes.map(\.denseBytes) == [dense, dense, dense])
    // The per-tensor rows keep their per-slice bytes.
    let gate0 = try #require(figures.tensors.first { $0.name == "blk.0.ffn_gate_exps.weight" })
    #expect(gate0.expertBytes == slices.map { $0 * Self.sliceBytes })
  }

  @Test func perTokenFiguresCountReuseBetweenConsecutivePasses() throws {
    let layout = Self.moeLayout()
    var attribution = TensorAttribution(layout: layout)
    var time: UInt64 = 1
    for pass in Self.chosen { Self.readPass(&attribution, layout: layout, chosen: pass, time: &time) }
    let experts = try #require(attribution.result().experts)
    let tokens = experts.perToken
    #expect(tokens.passes == 3)
    #expect(tokens.expertsPerToken?.mean == 8)
    #expect(tokens.expertsPerLayer?.minimum == 2 && tokens.expertsPerLayer?.maximum == 2)
    #expect(tokens.layerMeans == [2, 2, 2, 2])
    // Pass 1 shares 0 | 2,3 | 5 | 6 with pass 0 (5 of 8); pass 2 shares 0 | 3 | 5,7 | 6 with pass 1 (5 of 8).
    #expect(tokens.reuseShare == 10.0 / 16.0)
    #expect(tokens.reusePairs == 2)
    let perToken = Double(4 * 2 * 3 * Self.sliceBytes)
    #expect(tokens.expertBytesPerToken == perToken)
    // Hot: layer 0 expert 0 was read in all three passes.
    #expect(experts.hottest(1).first.map { [$0.layer, $0.expert] } == [0, 0])
  }

  @Test func decodeBoundaryLeavesTheLoadPassOutOfTheTokenFigures() throws {
    let layout = Self.moeLayout()
    var attribution = TensorAttribution(layout: layout)
    var time: UInt64 = 1
    // The load reads every expert (MAP_POPULATE), then two tokens.
    Self.readPass(&attribution, layout: layout, chosen: Array(repeating: Array(0..<8), count: 4), time: &time, readahead: true)
    let decodeFrom = time
    for pass in Self.chosen.prefix(2) { Self.readPass(&attribution, layout: layout, chosen: pass, time: &time) }
    var experts = try #require(attribution.result().experts)
    #expect(experts.passes.count == 3)
    #expect(experts.perToken.expertsPerToken?.mean == 16)  // (32 + 8 + 8) / 3
    experts.decodeFromNanoseconds = decodeFrom
    #expect(experts.tokenPasses == 1..<3)
    #expect(experts.perToken.expertsPerToken?.mean == 8)
    #expect(experts.perToken.reuseShare == 5.0 / 8.0)
    // The load pass came from readahead requests, the tokens from plain reads.
    let loaded: UInt64 = 4 * 8 * 3 * Self.sliceBytes
    let faulted: UInt64 = 2 * 4 * 2 * 3 * Self.sliceBytes
    #expect(experts.readaheadBytes == loaded)
    #expect(experts.nonReadaheadBytes == faulted)
  }

  @Test func pieceAcrossSlicesMarksEveryExpertItTouches() throws {
    let layout = Self.moeLayout(layers: 1)
    var attribution = TensorAttribution(layout: layout)
    let up = layout.tensors.first { $0.name == "blk.0.ffn_up_exps.weight" }!
    // One byte of expert 2, all of 3 and 4, one byte of 5.
    attribution.add(pieceStart: up.start + 3 * Self.sliceBytes - 1, pieceEnd: up.start + 5 * Self.sliceBytes + 1, time: 1)
    attribution.endOperation()
    let experts = try #require(attribution.result().experts)
    #expect(experts.experts(pass: 0, slot: 0) == [2, 3, 4, 5])
    let expected: [UInt64] = [1, Self.sliceBytes, Self.sliceBytes, 1]
    #expect(Array(experts.bytes[0][2...5]) == expected)
  }

  @Test func denseModelHasNoExpertFigures() {
    let layout = ModelLayout(fileSize: 10_000, dataStart: 0, tensors: [.init(name: "blk.0.ffn_up.weight", start: 0, end: 10_000, layer: 0)])
    var attribution = TensorAttribution(layout: layout)
    attribution.add(pieceStart: 0, pieceEnd: 5_000, time: 1)
    attribution.endOperation()
    #expect(attribution.result().experts == nil)
  }

  @Test(arguments: [1, 2, 63, 64, 65, 200, 256])
  func expertSetsMatchANaiveSet(experts: Int) {
    var random = SplitMix64(seed: UInt64(experts))
    var table = ExpertSetTable(experts: experts)
    var naive: [Set<Int>] = Array(repeating: [], count: 5)
    for _ in 0..<40 {
      let row = Int(random.next() % 5)
      let first = Int(random.next() % UInt64(experts))
      let last = min(experts - 1, first + Int(random.next() % 80))
      table.ensureRow(row)
      table.insert(row: row, experts: first, through: last)
      naive[row].formUnion(first...last)
    }
    table.ensureRow(4)
    for row in 0..<5 {
      #expect(table.experts(row: row) == naive[row].sorted())
      #expect(table.count(row: row) == naive[row].count)
      #expect(table.countCommon(row: row, (row + 1) % 5) == naive[row].intersection(naive[(row + 1) % 5]).count)
    }
  }
}

extension ExpertFiguresTests {
  @Test func summaryNamesEveryFigure() throws {
    let layout = Self.moeLayout()
    var attribution = TensorAttribution(layout: layout, expertsUsedPerToken: 2)
    var time: UInt64 = 1
    for pass in Self.chosen { Self.readPass(&attribution, layout: layout, chosen: pass, time: &time, readahead: true) }
    let experts = try #require(attribution.result().experts)
    let text = experts.summaryLines().joined(separator: "\n")
    print(text)
    #expect(text.contains("4 layers × 8 experts, the model routes each token to 2"))
    #expect(text.contains("experts read per token (3 passes, all of them: no load/decode boundary): mean 8.0 (min 8, max 8, sd 0.0)"))
    #expect(text.contains("reuse: 62.5 %"))
    #expect(text.contains("hot experts (layer/expert, top 8 of 32"))
    #expect(text.contains("flagged readahead (RA): 100.0 %"))
    guard case .object(let members) = experts.json() else { throw ExpertTestError.notAnObject }
    #expect(members.map(\.0).starts(with: ["count", "used_per_token", "layers", "bytes", "unique_bytes"]))
  }

  enum ExpertTestError: Error { case notAnObject }
}
