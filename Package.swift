// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "paramtrace",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "paramtrace", targets: ["paramtrace"]),
    .library(name: "ParamTraceCore", targets: ["ParamTraceCore"]),
    .library(name: "ParamTraceSystem", targets: ["ParamTraceSystem"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-system", from: "1.7.0"),
  ],
  targets: [
    .target(name: "ParamTraceCore"),
    .target(name: "CParamTraceShims"),
    .target(
      name: "ParamTraceSystem",
      dependencies: [
        "ParamTraceCore", "CParamTraceShims",
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .executableTarget(
      name: "paramtrace",
      dependencies: [
        "ParamTraceCore", "ParamTraceSystem",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "ParamTraceCoreTests",
      dependencies: ["ParamTraceCore"],
      // Golden report tables, read by path from the source tree (not bundled resources).
      exclude: ["Golden"]
    ),
    .testTarget(
      name: "ParamTraceCLITests",
      dependencies: ["paramtrace"]
    ),
    .testTarget(
      name: "ParamTraceSystemTests",
      dependencies: ["ParamTraceSystem", "ParamTraceCore"]
    ),
  ]
)
