// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "bpfman-swift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bpfman", targets: ["bpfman"]),
        .executable(name: "bpfman-image", targets: ["bpfman-image"]),
        .executable(name: "bpfman-rpc", targets: ["bpfman-rpc"]),
        .executable(name: "bpfman-agent", targets: ["bpfman-agent"]),
        .executable(name: "bpfman-operator", targets: ["bpfman-operator"]),
        .executable(name: "kubesim", targets: ["kubesim"]),
        .executable(name: "kubesim-kubelet", targets: ["kubesim-kubelet"]),
        .library(name: "KubeSim", targets: ["KubeSim"]),
        .library(name: "KubeClient", targets: ["KubeClient"]),
        .library(name: "BpfmanAPI", targets: ["BpfmanAPI"]),
        .library(name: "Bpfman", targets: ["Bpfman"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // SHA-256 for OCI digests (already in the graph through gRPC's TLS stack).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // kubesim's throwaway CA, serving and client certificates (already in the graph through gRPC).
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // YAML: server-side apply bodies (application/apply-patch+yaml), manifests.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Work-queue and reconcile metrics, served as Prometheus text.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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
        // The value types every side shares (requests, attach info, errors): no kernel, no I/O.
        .target(name: "BpfmanModel"),
        .target(
            name: "Bpfman",
            dependencies: [
                "BpfmanModel", "BpfKernel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Bytecode images: OCI distribution client, cache, builder.
        .target(
            name: "BpfmanImages",
            dependencies: [
                "Bpfman", "BpfKernel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Signature verification: X.509 chains of keyless signatures, PEM keys (already in the graph).
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // bpfman.v1 on the wire: generated protobuf + gRPC code, conversion to the model, the client.
        // What a client (the agent) links: no core, no libbpf.
        .target(
            name: "BpfmanProto",
            dependencies: [
                "BpfmanModel",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The bpfman.v1 service and daemon, and the CSI plugin, on the core and images.
        .target(
            name: "BpfmanRPC",
            dependencies: [
                "BpfmanProto", "Bpfman", "BpfmanImages", "BpfKernel",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
        ),
        .executableTarget(
            name: "bpfman-rpc",
            dependencies: [
                "BpfmanRPC", "Bpfman", "BpfmanImages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
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
        // `bpfman image …` and `bpfman load image …`: the registry client, TLS, X.509 and signatures, kept out of
        // `bpfman` itself (which runs this beside it for those) so every other command starts without them.
        .target(
            name: "BpfmanImageCLI",
            dependencies: [
                "BpfmanCLI", "Bpfman", "BpfmanImages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "bpfman-image", dependencies: ["BpfmanImageCLI"]),
        .executableTarget(
            name: "bpfman-bench",
            dependencies: [
                "Bpfman", "BpfKernel", "BpfmanRPC", "BpfmanImages",
                .product(name: "Logging", package: "swift-log"),
                // The signature check's figures sign an image with a key made here.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ]
        ),
        // Our own Kubernetes REST/watch client (no generated SDK).
        .target(
            name: "KubeClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Controller runtime: informers, work queue, controllers, leader
        // election, events, health and metrics.
        .target(
            name: "KubeController",
            dependencies: [
                "KubeClient",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // Each daemon's parts run as one ServiceGroup; their shared options.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // bpfman.io/v1alpha1: the 16 kinds, their schemas, CRD and RBAC generation.
        .target(
            name: "BpfmanAPI",
            dependencies: ["KubeClient", .product(name: "Yams", package: "Yams")]
        ),
        // CRDs, RBAC and the OLM bundle from the API types.
        .executableTarget(name: "bpfman-manifests", dependencies: ["BpfmanAPI", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "bpfman-agent", dependencies: [
            "BpfmanAgent", "BpfmanProto", "KubeClient", "KubeController",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // The Kubernetes CRI (runtime.v1) on the wire: generated protobuf + gRPC code, the part the
        // agent (finding containers) and the kubelet stand-in (running pods) call.
        .target(name: "CRI", dependencies: [
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // The agent: pure plans (attach points, BpfProgram objects, what to ask bpfman), their executor,
        // the reconcilers, and the CRI client. bpfman only over the wire.
        .target(name: "BpfmanAgent", dependencies: [
            "BpfmanModel", "BpfmanProto", "BpfmanAPI", "KubeClient", "KubeController", "CRI",
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // The operator: status aggregation, the node daemon from bpfman-config.
        .target(name: "BpfmanOperator", dependencies: [
            "BpfmanAPI", "KubeClient", "KubeController",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "bpfman-operator", dependencies: [
            "BpfmanOperator", "KubeClient", "KubeController",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // An in-process Kubernetes API server for tests and `make run-local`.
        // Deliberately independent of the project's Kubernetes client.
        .target(
            name: "KubeSim",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "kubesim",
            dependencies: [
                "KubeSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The kubelet stand-in of local nodes: runs pods bound to one node under its containerd (CRI).
        // Development and test tooling beside kubesim; never in an image.
        .target(
            name: "KubeletStandIn",
            dependencies: [
                "CRI", "KubeClient", "KubeController",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "kubesim-kubelet",
            dependencies: [
                "KubeletStandIn", "KubeClient", "KubeController",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "kube-bench",
            dependencies: [
                "KubeSim", "KubeClient", "KubeController",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Test helper: a process that campaigns for a Lease (leader-election tests).
        .executableTarget(name: "leader-election-probe", dependencies: ["KubeClient", "KubeController"]),
        // Helpers the test targets share (running processes).
        .target(name: "TestHelpers"),
        .testTarget(
            name: "BpfmanAgentTests",
            dependencies: ["BpfmanAgent", "BpfmanModel", "BpfmanAPI", "KubeClient"]
        ),
        // The kubelet stand-in's plans and status (pure) and its pod syncer against an in-memory runtime.
        .testTarget(name: "KubeletStandInTests", dependencies: ["KubeletStandIn", "CRI", "KubeClient"]),
        // bpfman.v1 on the wire and the model (pure).
        .testTarget(name: "BpfmanProtoTests", dependencies: ["BpfmanProto", "BpfmanModel"]),
        .testTarget(
            name: "BpfmanOperatorTests",
            dependencies: ["BpfmanOperator", "BpfmanAPI", "KubeClient"]
        ),
        .testTarget(
            name: "BpfmanAPITests",
            dependencies: [
                "BpfmanAPI", "KubeClient", "KubeSim", "TestHelpers",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The client tested against kubesim (the two share no code).
        .testTarget(
            name: "KubeClientTests",
            dependencies: [
                "KubeClient", "KubeController", "KubeSim", "TestHelpers", "BpfmanAPI",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "KubeSimTests",
            dependencies: [
                "KubeSim", "TestHelpers",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "BpfmanTests",
            dependencies: [
                "Bpfman", "BpfKernel", "BpfmanCLI", "BpfmanRPC", "BpfmanImages", "BpfmanAgent", "CRI", "TestHelpers",
                .product(name: "Yams", package: "Yams"),
                // Signing tests make their own CA, keys and signatures.
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
