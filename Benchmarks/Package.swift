// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so `swift test` of the main package never builds them.
// Build in release: `swift build -c release --scratch-path ../.build-bench`, then run
// `../.build-bench/release/paramtrace-bench --help`.
let package = Package(
  name: "paramtrace-benchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "paramtrace", path: "..")
  ],
  targets: [
    .executableTarget(
      name: "paramtrace-bench",
      dependencies: [
        .product(name: "ParamTraceCore", package: "paramtrace"),
        .product(name: "ParamTraceSystem", package: "paramtrace"),
      ]
    )
  ]
)
