import Foundation
import Testing

@testable import ParamTraceCore

@Suite struct GGUFReaderTests {
  // MARK: - Fixtures against the official reader

  /// The tensor table equals what gguf-py's GGUFReader reports: name, type, shape (ne order),
  /// absolute offset, byte size; and so do version, byte order, alignment and data start.
  @Test(arguments: ModelFixtures.gguf)
  func tensorTableMatchesTheOfficialReader(name: String) throws {
    let map = try ModelFixtures.map(name)
    let golden = try ModelFixtures.golden(name)
    #expect(map.format == .gguf)
    #expect(map.version == golden["version"] as? Int)
    #expect(map.byteOrder == (golden["endianess"] as? String == "BIG" ? .big : .little))
    #expect(map.alignment.map(Int.init) == golden["alignment"] as? Int)
    #expect(Int(map.dataStart) == golden["data_offset"] as? Int)
    #expect(Int(map.fileSize) == golden["file_size"] as? Int)
    try ModelFixtures.expectTensorTable(map, golden)
  }

  /// Every metadata key, its type and value (arrays: count and first elements) as gguf-py reads it.
  @Test(arguments: ModelFixtures.gguf)
  func metadataMatchesTheOfficialReader(name: String) throws {
    let map = try ModelFixtures.map(name)
    let fields = try #require(try ModelFixtures.golden(name)["fields"] as? [[String: Any]])
    #expect(map.metadata.map(\.key) == fields.map { $0["key"] as? String ?? "" })
    for (entry, field) in zip(map.metadata, fields) {
      let types = try #require(field["types"] as? [String])
      #expect(Self.typeChain(entry.value) == types, "\(entry.key)")
      if case .array(let array) = entry.value {
        #expect(Int(array.count) == field["count"] as? Int, "\(entry.key)")
        guard let values = field["value"] as? [Any] else { continue }  // nested: shape only
        #expect(array.first.count == min(values.count, ModelMetadataArray.keptLimit))
        for (value, expected) in zip(array.first, values) { Self.expectEqual(value, expected, entry.key) }
      } else {
        Self.expectEqual(entry.value, field["value"] as Any, entry.key)
      }
    }
  }

  /// gguf-py's `types`: the value type, then element types down nested arrays.
  static func typeChain(_ value: ModelMetadataValue) -> [String] {
    guard case .array(let array) = value else { return [value.type.name] }
    if let first = array.first.first { return ["ARRAY"] + typeChain(first) }
    return ["ARRAY", array.elementType.name]
  }

  static func expectEqual(_ value: ModelMetadataValue, _ expected: Any, _ key: String) {
    switch value {
    case .string(let text): #expect(text == expected as? String, "\(key)")
    case .bool(let flag): #expect(flag == expected as? Bool, "\(key)")
    case .float32(let number): #expect(Double(number) == (expected as? NSNumber)?.doubleValue, "\(key)")
    case .float64(let number): #expect(number == (expected as? NSNumber)?.doubleValue, "\(key)")
    case .uint64(let number): #expect(number == (expected as? NSNumber)?.uint64Value, "\(key)")
    case .array: Issue.record("\(key): unexpected nested value")
    default: #expect(value.integer.map(Int64.init) == (expected as? NSNumber)?.int64Value, "\(key)")
    }
  }

  @Test func everyValueTypeOfTheTinyLlama() throws {
    let map = try ModelFixtures.map("tiny-llama.gguf")
    #expect(map.metadata("test.u8") == .uint8(200))
    #expect(map.metadata("test.i8") == .int8(-100))
    #expect(map.metadata("test.u16") == .uint16(60000))
    #expect(map.metadata("test.i16") == .int16(-30000))
    #expect(map.metadata("test.u32") == .uint32(4_000_000_000))
    #expect(map.metadata("test.i32") == .int32(-2_000_000_000))
    #expect(map.metadata("test.f32") == .float32(0.5))
    #expect(map.metadata("test.bool") == .bool(true))
    #expect(map.metadata("test.string") == .string("héllo \"gguf\"\n"))
    #expect(map.metadata("test.u64") == .uint64(18_000_000_000_000_000_000))
    #expect(map.metadata("test.i64") == .int64(-9_000_000_000_000_000_000))
    #expect(map.metadata("test.f64") == .float64(-2.25))
    #expect(
      map.metadata("test.array.nested")
        == .array(
          ModelMetadataArray(
            elementType: .array, count: 2,
            first: [
              .array(ModelMetadataArray(elementType: .int32, count: 2, first: [.int32(1), .int32(2)])),
              .array(ModelMetadataArray(elementType: .int32, count: 3, first: [.int32(3), .int32(4), .int32(5)])),
            ])))
    guard case .array(let tokens) = map.metadata("tokenizer.ggml.tokens") else {
      Issue.record("no tokens")
      return
    }
    #expect(tokens.count == 32)
    #expect(tokens.first.count == ModelMetadataArray.keptLimit)
    #expect(!tokens.isComplete)
    #expect(map.alignment == 64)
    #expect(map.dataStart % 64 == 0)
  }

  @Test func versionTwoAndBigEndianFiles() throws {
    let llama2 = try ModelFixtures.map("llama2-7b-q4km-order.gguf")
    #expect(llama2.version == 2)
    let big = try ModelFixtures.map("tiny-bigendian.gguf")
    #expect(big.byteOrder == .big)
    #expect(big.version == 3)
    #expect(big.metadata("test.u64") == .uint64(0x0102_0304_0506_0708))
    #expect(big.metadata("llama.block_count") == .uint32(1))
  }

  // MARK: - Reading a growing prefix

  /// Splitting the file anywhere before the end of the header gives `.needMoreBytes(n)` with
  /// n past the split and inside the file; the full header gives the same map.
  @Test(arguments: ModelFixtures.all)
  func prefixSplitAnywhere(name: String) throws {
    let bytes = try ModelFixtures.bytes(name)
    let whole = try ModelFixtures.map(name)
    let fileSize = UInt64(bytes.count)
    var readerSatisfiedAt: Int?
    for length in 0...Int(whole.dataStart) {
      switch try ModelFileReader.read(prefix: Array(bytes[0..<length]), fileSize: fileSize) {
      case .needMoreBytes(let needed):
        #expect(needed > UInt64(length) && needed <= fileSize, "at \(length)")
        #expect(readerSatisfiedAt == nil, "asked for more at \(length) after being satisfied at \(readerSatisfiedAt ?? -1)")
      case .done(let map):
        #expect(map == whole, "at \(length)")
        if readerSatisfiedAt == nil { readerSatisfiedAt = length }
      }
    }
    #expect(readerSatisfiedAt != nil)
  }

  /// The growing-prefix driver gives the whole-file result from any starting size and reads
  /// no more than twice the header.
  @Test(arguments: ModelFixtures.all)
  func growingPrefixProtocol(name: String) throws {
    let bytes = try ModelFixtures.bytes(name)
    let whole = try ModelFixtures.map(name)
    for initial in [UInt64(0), 1, 5, 9, 24, 100, 1000, 1 << 20] {
      var largest: UInt64 = 0
      let map = try ModelFileReader.read(fileSize: UInt64(bytes.count), initialPrefix: initial) { count in
        largest = max(largest, count)
        return Array(bytes[0..<Int(min(count, UInt64(bytes.count)))])
      }
      #expect(map == whole)
      #expect(largest <= max(initial, 2 * whole.dataStart, 9))
    }
  }

  // MARK: - Damaged files

  /// A file cut anywhere before its last tensor's end is refused (never a crash).
  @Test(arguments: ModelFixtures.all)
  func truncatedFilesAreRefused(name: String) throws {
    let bytes = try ModelFixtures.bytes(name)
    let whole = try ModelFixtures.map(name)
    let lastEnd = Int(whole.tensors.map(\.fileEnd).max() ?? whole.dataStart)
    var lengths = Array(0...Int(whole.dataStart))
    lengths += stride(from: Int(whole.dataStart) + 1, to: lastEnd, by: 61)
    lengths.append(lastEnd - 1)
    for length in lengths {
      let cut = Array(bytes[0..<length])
      #expect(throws: ModelFileError.self, "cut at \(length)") { try ModelFileReader.read(prefix: cut, fileSize: UInt64(length)) }
    }
  }

  /// Random byte damage in the header never crashes: the reader returns a map or throws.
  @Test func randomDamageNeverCrashes() throws {
    var random = SplitMix64(seed: 7)
    for name in ModelFixtures.all {
      let bytes = try ModelFixtures.bytes(name)
      let header = Int(try ModelFixtures.map(name).dataStart)
      for _ in 0..<400 {
        var damaged = bytes
        for _ in 0...random.below(4) {
          let at = Int(random.below(UInt64(header)))
          damaged[at] = random.chance(0.5) ? UInt8(truncatingIfNeeded: random.next()) : 0xFF
        }
        _ = try? ModelFileReader.read(prefix: damaged, fileSize: UInt64(damaged.count))
      }
    }
  }

  static func header(tensors: UInt64 = 1, kvs: UInt64 = 0) -> GGUFBuilder { GGUFBuilder(tensorCount: tensors, kvCount: kvs) }

  static func read(_ builder: GGUFBuilder, fileSize: UInt64? = nil) throws -> ModelMap {
    try ModelMap.parse(builder.bytes, fileSize: fileSize)
  }

  @Test func aValidHandBuiltFile() throws {
    var file = Self.header(tensors: 2, kvs: 1)
    file.kvString("general.architecture", "llama")
    file.tensorInfo("a", ne: [8], type: 0, offset: 0)
    file.tensorInfo("blk.3.b", ne: [32, 2], type: 8, offset: 32)
    file.data(32 + 68)
    let map = try Self.read(file)
    #expect(map.tensors.map(\.byteSize) == [32, 68])
    #expect(map.tensors[1].layer == 3)
    #expect(map.dataOffset(ofTensor: 1) == 32)
    #expect(map.dataStart == 160)  // 24 + 45 (KV) + 33 + 47 (infos) = 149, aligned to 32
    #expect(map.architecture.name == "llama")
  }

  @Test func hugeCountsAreRefused() {
    var file = GGUFBuilder(tensorCount: .max, kvCount: 0)
    file.data(64)
    #expect(modelErrorReason { _ = try Self.read(file) } == .countTooLarge(what: "tensor_count", count: .max, limit: 3))
    file = GGUFBuilder(tensorCount: 0, kvCount: 1 << 60)
    file.data(64)
    #expect(modelErrorReason { _ = try Self.read(file) } == .countTooLarge(what: "kv_count", count: 1 << 60, limit: 5))
  }

  @Test func hugeArrayCountIsRefusedBeforeReading() {
    var file = Self.header(tensors: 0, kvs: 1)
    file.string("tokenizer.ggml.tokens")
    file.u32(GGUFValueType.array.rawValue)
    file.u32(GGUFValueType.string.rawValue)
    file.u64(1 << 40)
    file.data(100)
    guard case .countTooLarge(let what, let count, _) = modelErrorReason({ _ = try Self.read(file) }) else {
      Issue.record("not countTooLarge")
      return
    }
    #expect(what.contains("tokenizer.ggml.tokens"))
    #expect(count == 1 << 40)
  }

  @Test func stringLengthPastTheEndIsRefused() {
    var file = Self.header(tensors: 0, kvs: 1)
    file.string("general.name")
    file.u32(GGUFValueType.string.rawValue)
    file.u64(1 << 50)
    file.data(10)
    guard case .pastEndOfFile(let what, _) = modelErrorReason({ _ = try Self.read(file) }) else {
      Issue.record("not pastEndOfFile")
      return
    }
    #expect(what.contains("general.name"))
    var name = Self.header(tensors: 0, kvs: 1)
    name.u64(UInt64.max)
    name.data(64)
    #expect(modelErrorReason { _ = try Self.read(name) } == .nameTooLong(what: "metadata key", length: .max, limit: 65_535))
  }

  @Test func overlappingTensorsAreRefused() {
    var file = Self.header(tensors: 2)
    file.tensorInfo("a", ne: [16], type: 0, offset: 0)  // 64 bytes
    file.tensorInfo("b", ne: [8], type: 0, offset: 32)
    file.data(128)
    #expect(modelErrorReason { _ = try Self.read(file) } == .overlappingTensors(tensor: "b", other: "a"))
  }

  @Test func misalignedTensorIsRefused() {
    var file = Self.header(tensors: 1)
    file.tensorInfo("a", ne: [8], type: 0, offset: 4)
    file.data(64)
    #expect(modelErrorReason { _ = try Self.read(file) } == .misalignedTensor(tensor: "a", offset: 4, alignment: 32))
  }

  @Test func tensorPastTheEndIsRefused() {
    var file = Self.header(tensors: 1)
    file.tensorInfo("a", ne: [1024], type: 0, offset: 0)
    file.data(64)
    let size = UInt64(file.bytes.count)
    #expect(modelErrorReason { _ = try Self.read(file) } == .tensorPastEndOfFile(tensor: "a", end: size - 64 + 4096, fileSize: size))
    var far = Self.header(tensors: 1)
    far.tensorInfo("a", ne: [8], type: 0, offset: UInt64.max - 31)
    far.data(64)
    #expect(modelErrorReason { _ = try Self.read(far) } == .tensorPastEndOfFile(tensor: "a", end: .max, fileSize: UInt64(far.bytes.count)))
  }

  @Test func unknownAndRemovedTypesAreRefused() {
    var file = Self.header(tensors: 1)
    file.tensorInfo("w", ne: [32], type: 42, offset: 0)
    file.data(64)
    #expect(modelErrorReason { _ = try Self.read(file) } == .unknownTensorType(id: 42, tensor: "w"))
    var removed = Self.header(tensors: 1)
    removed.tensorInfo("w", ne: [32], type: 4, offset: 0)
    removed.data(64)
    #expect(modelErrorReason { _ = try Self.read(removed) } == .removedTensorType(id: 4, name: "Q4_2", tensor: "w"))
  }

  @Test func unknownTypeMessageNamesTheId() throws {
    var file = Self.header(tensors: 1)
    file.tensorInfo("w", ne: [32], type: 42, offset: 0)
    file.data(64)
    do {
      _ = try Self.read(file)
      Issue.record("accepted")
    } catch let error as ModelFileError {
      #expect(error.description.contains("type 42"))
      #expect(error.byteOffset == 24 + 9 + 4 + 8)
    }
  }

  @Test func fiveDimensionsAreRefused() {
    var file = Self.header(tensors: 1)
    file.tensorInfo("w", ne: [1, 1, 1, 1, 1], type: 0, offset: 0)
    file.data(64)
    #expect(modelErrorReason { _ = try Self.read(file) } == .tooManyDimensions(count: 5, tensor: "w"))
  }

  @Test func overflowingDimensionsAreRefused() {
    for ne: [UInt64] in [[1 << 32, 1 << 32], [1 << 63], [256, 1 << 40, 1 << 30]] {
      var file = Self.header(tensors: 1)
      file.tensorInfo("w", ne: ne, type: 0, offset: 0)
      file.data(64)
      #expect(modelErrorReason { _ = try Self.read(file) } == .dimensionsOverflow(tensor: "w"), "\(ne)")
    }
  }

  @Test func rowsThatDoNotFillBlocksAreRefused() {
    var file = Self.header(tensors: 1)
    file.tensorInfo("w", ne: [100, 2], type: 12, offset: 0)
    file.data(1024)
    #expect(modelErrorReason { _ = try Self.read(file) } == .rowNotDivisible(tensor: "w", ne0: 100, type: "Q4_K", blockSize: 256))
  }

  @Test func versionOneAndOthersAreRefused() {
    for version: UInt32 in [1, 4, 0, 0x0001_0000] {
      var file = GGUFBuilder(version: version, tensorCount: 0, kvCount: 0)
      file.data(64)
      let expected: UInt32 = version == 0x0001_0000 ? 0x0000_0100 : version
      #expect(modelErrorReason { _ = try Self.read(file) } == .unsupportedGGUFVersion(expected), "\(version)")
    }
  }

  @Test func badValueTypesAndDeepNestingAreRefused() {
    var file = Self.header(tensors: 0, kvs: 1)
    file.string("k")
    file.u32(13)
    file.data(64)
    #expect(modelErrorReason { _ = try Self.read(file) } == .badValueType(13))
    var nested = Self.header(tensors: 0, kvs: 1)
    nested.string("k")
    nested.u32(GGUFValueType.array.rawValue)
    for _ in 0..<20 {
      nested.u32(GGUFValueType.array.rawValue)
      nested.u64(1)
    }
    nested.data(64)
    #expect(modelErrorReason { _ = try Self.read(nested) } == .nestingTooDeep(limit: 8))
  }

  @Test func duplicatesAreRefused() {
    var keys = Self.header(tensors: 0, kvs: 2)
    keys.kvU32("k", 1)
    keys.kvU32("k", 2)
    keys.data(64)
    #expect(modelErrorReason { _ = try Self.read(keys) } == .duplicateKey("k"))
    var tensors = Self.header(tensors: 2)
    tensors.tensorInfo("t", ne: [8], type: 0, offset: 0)
    tensors.tensorInfo("t", ne: [8], type: 0, offset: 32)
    tensors.data(64)
    #expect(modelErrorReason { _ = try Self.read(tensors) } == .duplicateTensor("t"))
  }

  @Test(arguments: [UInt32(0), 4, 48, 100])
  func badAlignmentIsRefused(value: UInt32) {
    var file = Self.header(tensors: 0, kvs: 1)
    file.kvU32("general.alignment", value)
    file.data(64)
    guard case .badAlignment = modelErrorReason({ _ = try Self.read(file) }) else {
      Issue.record("alignment \(value) accepted")
      return
    }
  }

  @Test func alignmentOfAnotherIntegerTypeIsAccepted() throws {
    var file = Self.header(tensors: 1, kvs: 1)
    file.string("general.alignment")
    file.u32(GGUFValueType.uint64.rawValue)
    file.u64(64)
    file.tensorInfo("w", ne: [8], type: 0, offset: 0)
    file.data(32, alignment: 64)
    let map = try Self.read(file)
    #expect(map.alignment == 64)
    #expect(map.dataStart % 64 == 0)
  }

  @Test func invalidUTF8NamesAreRefused() {
    var file = Self.header(tensors: 1)
    file.u64(2)
    file.bytes += [0xC3, 0x28]
    file.u32(1)
    file.u64(8)
    file.u32(0)
    file.u64(0)
    file.data(64)
    #expect(modelErrorReason { _ = try Self.read(file) } == .invalidUTF8(what: "tensor name"))
  }

  @Test func headerLargerThanTheLimitIsRefused() {
    var file = Self.header(tensors: 0, kvs: 1)
    file.kvString("general.name", String(repeating: "x", count: 5000))
    file.data(64)
    var limits = ModelReadLimits()
    limits.maxHeaderBytes = 1024
    #expect(throws: ModelFileError.self) {
      _ = try ModelFileReader.read(prefix: Array(file.bytes[0..<100]), fileSize: UInt64(file.bytes.count), limits: limits)
    }
  }

  @Test func notAModelFile() {
    #expect(modelErrorReason { _ = try ModelMap.parse(Array("hello, this is text\n".utf8)) } == .unknownFormat)
    #expect(modelErrorReason { _ = try ModelMap.parse([0x47, 0x47]) } == .unknownFormat)
    #expect(modelErrorReason { _ = try ModelMap.parse([]) } == .unknownFormat)
  }

  @Test func bigEndianHandBuiltFile() throws {
    var file = GGUFBuilder(tensorCount: 1, kvCount: 1, bigEndian: true)
    file.kvU32("llama.block_count", 7)
    file.tensorInfo("blk.0.w", ne: [32, 3], type: 8, offset: 0)
    file.data(102)
    let map = try Self.read(file)
    #expect(map.byteOrder == .big)
    #expect(map.metadata("llama.block_count") == .uint32(7))
    #expect(map.tensors[0].byteSize == 102)
    #expect(map.tensors[0].shape == [32, 3])
  }
}
