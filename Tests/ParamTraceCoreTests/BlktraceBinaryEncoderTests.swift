import Testing

@testable import ParamTraceCore

@Suite struct BlktraceBinaryEncoderTests {
  /// Re-encoding a fixture's decoded events gives records equal to the kernel's, field by field
  /// (the action words included), apart from the sequence and the notes.
  @Test(arguments: kernelBinaryFixtures)
  func actionWordsMatchTheKernelsRecords(name: String) throws {
    let kernel = try FixturePaths.bytes(name, "kernel-bin")
    var words: [UInt32] = []
    var at = 16
    while at < kernel.count {
      let record = at + 16
      words.append(UInt32(kernel[record + 28]) | UInt32(kernel[record + 29]) << 8 | UInt32(kernel[record + 30]) << 16 | UInt32(kernel[record + 31]) << 24)
      at = record + 48 + (Int(kernel[record + 46]) | Int(kernel[record + 47]) << 8)
    }
    let events = try decodeBinary(KernelBlkBinaryDecoder(options: DecoderOptions()), kernel).events
    #expect(events.map(BlktraceBinaryEncoder.actionWord(for:)) == words)
  }

  @Test func writesSequencesPerCPUAndOneNotePerPid() throws {
    let comm = CommName("reader")
    func event(cpu: UInt16, pid: Int32) -> BlockEvent {
      BlockEvent(time: 10, sector: 8, sectors: 8, device: DeviceNumber(major: 8, minor: 0), pid: pid, cpu: cpu, action: .queue, flags: .read, comm: comm)
    }
    var encoder = BlktraceBinaryEncoder()
    var out: [[UInt8]] = [[], []]
    for (cpu, pid) in [(0, 5), (1, 5), (0, 5), (1, 6)] as [(UInt16, Int32)] {
      encoder.append(event(cpu: cpu, pid: pid), to: &out[Int(cpu)])
    }
    func sequences(_ bytes: [UInt8]) -> [UInt32] {
      stride(from: 0, to: bytes.count, by: 1).reduce(into: ([UInt32](), 0)) { state, _ in
        guard state.1 < bytes.count else { return }
        let at = state.1
        state.0.append(UInt32(bytes[at + 4]) | UInt32(bytes[at + 5]) << 8)
        state.1 = at + 48 + Int(bytes[at + 46])
      }.0
    }
    #expect(sequences(out[0]) == [0, 1, 2])  // note for pid 5, then two events
    #expect(sequences(out[1]) == [1, 0, 2])  // pid 5 already named; note for pid 6
  }
}
