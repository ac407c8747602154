import ArgumentParser
import CParamTraceShims
import ParamTraceCore
import ParamTraceSystem

struct SynthCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "synth",
    abstract: "Write a GGUF twin of a known model file: its exact layout, with random weights.",
    discussion: """
      The I/O of inference is set by the file's layout (tensor order, types, sizes) and the \
      order in which inference touches tensors, not by the weights' values. A twin has the real \
      header layout (metadata keys, tensor names, shapes, types, file order and offsets) and \
      seeded pseudo-random tensor data, written to disk and synced (fdatasync). Quantized blocks \
      carry small finite scales and norms are near 1, so llama.cpp computes on it without NaNs; \
      the vocabulary is placeholder tokens of the right count, so llama.cpp loads it.

      --like takes a catalog name (--list shows them, with how each layout was derived and \
      checked) or a GGUF file, whose header alone is read and copied byte for byte; a split \
      GGUF (its first or any split) gives one twin with the tensors of every split.

      --scale F shrinks the file to about F of its size and keeps it loadable by llama.cpp, \
      which checks tensor shapes against the hyperparameters: with w = sqrt(F), n_embd becomes \
      round_up(n_embd*w, lcm(256, head_dim*n_head/n_head_kv)) (heads shrink with it, head_dim \
      and the GQA ratio stay), n_ff round_up(n_ff*w, 256), and the vocabulary max(512, \
      n_vocab*w) placeholder tokens; the layer count, tensor names, order and types stay.

      Refuses to overwrite a file (--force does) and checks free space first. --sparse writes \
      only the header and extends the file with a hole: the full-size layout in no disk space \
      (its weights read as zeros).

      --split-max-size SIZE writes the twin as a split model, as gguf-split --split-max-size \
      does: OUT.gguf becomes OUT-00001-of-0000N.gguf, …, each holding the next tensors up to \
      SIZE of tensor data, the first with the metadata, all with split.no, split.count and \
      split.tensors.count, so llama.cpp (-m OUT-00001-of-0000N.gguf) loads every part.

      EXAMPLES:
        paramtrace synth --list
        paramtrace synth --like llama-2-7b-chat.Q4_K_M --out /var/tmp/twin.gguf
        paramtrace synth --like llama-2-7b-chat.Q4_K_M --scale 0.25 --out /var/tmp/twin-q.gguf
        paramtrace synth --like ~/models/some-model.gguf --scale 0.1 --out /var/tmp/small.gguf
        paramtrace synth --like llama-2-7b-chat.Q4_K_M --scale 0.25 \\
          --split-max-size 512MiB --out /var/tmp/twin-split.gguf
      """
  )

  @Option(help: "A catalog name (see --list) or a GGUF file whose layout to copy.")
  var like: String?

  @Option(help: "The file to write.")
  var out: String?

  @Option(help: "Shrink to about this fraction of the size, in (0, 1].")
  var scale: Double = 1

  @Option(help: "Seed of the tensor bytes.")
  var seed: UInt64 = 1

  @Flag(help: "Overwrite --out if it exists.")
  var force = false

  @Flag(help: "Write only the header; the data is a hole (reads as zeros, takes no space).")
  var sparse = false

  @Option(help: "Write a split model: a new file when the next tensor would take a file's tensor data past this size (e.g. 512MiB), as gguf-split --split-max-size.")
  var splitMaxSize: String?

  @Flag(help: "List the catalog: names, sizes, and how each layout was derived and checked.")
  var list = false

  func validate() throws {
    if list { return }
    guard like != nil else { throw ValidationError("Give --like NAME or --like FILE.gguf (or --list).") }
    guard out != nil else { throw ValidationError("Give --out FILE.") }
    guard scale > 0, scale <= 1 else { throw ValidationError("--scale must be in (0, 1], e.g. 0.25.") }
    if let splitMaxSize {
      guard let size = ByteSize.parse(splitMaxSize), size > 0 else {
        throw ValidationError("--split-max-size \(splitMaxSize): expected a size such as 512MiB or 2GiB.")
      }
      guard out?.hasSuffix(".gguf") == true else {
        throw ValidationError("--split-max-size writes OUT-00001-of-0000N.gguf, …: give --out NAME.gguf.")
      }
    }
  }

  func run() throws {
    if list {
      for entry in ModelCatalog.all {
        let layout = try GGUFWriter.layout(entry.fileSpec)
        print("\(entry.name)")
        print("  \(entry.summary)")
        print("  \(entry.fileSpec.tensors.count) tensors, data at \(HumanUnits.grouped(layout.dataStart)), "
          + "\(HumanUnits.grouped(layout.fileSize)) bytes (\(HumanUnits.bytes(layout.fileSize)))")
        print("  \(entry.provenance)")
      }
      return
    }
    guard let like, let out else { return }
    let source = try SynthSource.resolve(like)
    var spec = source.spec
    if scale < 1 {
      let (scaled, changes) = try ModelScaling.scaled(spec, by: scale)
      spec = scaled
      print("scaled by \(scale): " + changes.map { "\($0.key) \($0.from) -> \($0.to)" }.joined(separator: ", "))
    }
    if !source.differingOffsets.isEmpty {
      printError("note: \(source.differingOffsets.count) tensors of \(like) sit off llama.cpp's placement rule; the twin places them by the rule.")
    }
    if let maxBytes = splitMaxSize.flatMap(ByteSize.parse) {
      let parts = spec.splits(maxTensorBytes: maxBytes)
      let prefix = String(out.dropLast(".gguf".count))
      for (index, part) in parts.enumerated() {
        let path = parts.count == 1 ? out : GGUFSplitName(prefix: prefix, number: index + 1, count: parts.count).path
        try write(part, to: path, name: "\(source.entry?.name ?? like) (split \(index + 1) of \(parts.count))", seed: seed &+ UInt64(index))
      }
      return
    }
    try write(spec, to: out, name: source.entry?.name ?? like, seed: seed)
  }

  /// Writes one file of the twin, with its progress and timing.
  private func write(_ spec: GGUFFileSpec, to out: String, name: String, seed: UInt64) throws {
    let layout = try GGUFWriter.layout(spec)
    print("\(name) -> \(out): \(spec.tensors.count) tensors, data at \(HumanUnits.grouped(layout.dataStart)), "
      + "\(HumanUnits.grouped(layout.fileSize)) bytes (\(HumanUnits.bytes(layout.fileSize)))")
    _ = paramtrace_install_stop_handlers()
    var bar = TerminalProgress()
    let result = try GGUFTwinWriter.write(
      spec: spec, layout: layout, to: out, seed: seed, overwrite: force, sparse: sparse,
      progress: { done, total in bar.update(done, of: total) }, shouldStop: { paramtrace_stop_signal() != 0 })
    bar.finish()
    let seconds = Double(result.nanoseconds) / 1e9
    if sparse {
      print("wrote the \(HumanUnits.grouped(result.bytes))-byte header; the rest is a hole")
    } else {
      print("wrote \(HumanUnits.grouped(result.bytes)) bytes in \(ModelReplayTimings.fixed(seconds, width: 0)) s "
        + "(\(HumanUnits.rate(Double(result.bytes) / max(seconds, 1e-9))), fdatasync included)")
    }
  }
}
