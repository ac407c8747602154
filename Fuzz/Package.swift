// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for every reader, in their own package so the main package never builds
// them. Build and run with scripts/fuzz.sh, or by hand:
//   cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
//     --scratch-path ../.build-fuzz
//   ../.build-fuzz/debug/fuzz-blkparse-text -max_total_time=60 CORPUS_DIR
//
// SwiftPM links an executable target with `main` renamed to `<module>_main` (for testable
// executables), so libFuzzer's own `main` is not used: each target defines `<module>_main`,
// which hands the arguments to libFuzzer's LLVMFuzzerRunDriver (FuzzSupport.runLibFuzzer).
let readers = [
  "fuzz-blktrace-binary", "fuzz-kernel-blk-binary", "fuzz-blkparse-text", "fuzz-ftrace-blk-text",
  "fuzz-tracepoint-text", "fuzz-cheops-csv", "fuzz-gguf", "fuzz-safetensors", "fuzz-filefrag",
]

let package = Package(
  name: "paramtrace-fuzz",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "paramtrace", path: "..")
  ],
  targets: [
    .target(name: "CFuzzDriver"),
    .target(name: "FuzzSupport", dependencies: ["CFuzzDriver", .product(name: "ParamTraceCore", package: "paramtrace")]),
  ]
    + readers.map { name in
      .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "ParamTraceCore", package: "paramtrace")],
        path: "Sources/\(name)"
      )
    }
)
