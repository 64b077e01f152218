// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "bpfman-swift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bpfman", targets: ["bpfman"]),
        .library(name: "Bpfman", targets: ["Bpfman"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // libbpf, libelf and zlib from the system (Debian's libbpf-dev 1.1).
        .systemLibrary(
            name: "CLibbpf",
            pkgConfig: "libbpf",
            providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]
        ),
        // The few calls that are simpler in C: libbpf's option macros, the
        // print callback (va_list), raw bpf(2) for TCX, BTF walks for globals.
        .target(name: "CBpfShim", dependencies: ["CLibbpf"]),
        .target(
            name: "BpfKernel",
            dependencies: [
                "CLibbpf", "CBpfShim",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Bpfman",
            dependencies: [
                "BpfKernel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BpfmanCLI",
            dependencies: [
                "Bpfman",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "bpfman", dependencies: ["BpfmanCLI"]),
        .executableTarget(
            name: "bpfman-bench",
            dependencies: [
                "Bpfman", "BpfKernel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BpfmanTests",
            dependencies: [
                "Bpfman", "BpfKernel", "BpfmanCLI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
