import FuzzSupport
import ParamTraceCore

// libFuzzer entry point (built with -sanitize=fuzzer -parse-as-library; see Fuzz/Package.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  fuzzDecoder(data, size, skipsCountedOnly: true) { BlktraceBinaryDecoder(options: $0) }
  return 0
}

// The process's entry point: SwiftPM links `main` to `fuzz_blktrace_binary_main` (see Package.swift).
@_cdecl("fuzz_blktrace_binary_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
