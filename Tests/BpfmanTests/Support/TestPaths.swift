import Foundation
import TestHelpers

/// Where the build puts what the tests use.
enum TestPaths {
    /// The package root (tests run from it under `swift test`).
    static let root: String = {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { dir.deleteLastPathComponent() }
        return dir.path
    }()

    static var bpfDirectory: String {
        ProcessInfo.processInfo.environment["BPFMAN_TEST_BPF_DIR"] ?? root + "/.build/bpf"
    }

    static func example(_ name: String) -> String { "\(bpfDirectory)/examples/\(name).bpf.o" }
    static func testdata(_ name: String) -> String { "\(bpfDirectory)/testdata/\(name)" }

    /// The `bpfman` binary built beside the tests.
    static var bpfman: String {
        if let p = ProcessInfo.processInfo.environment["BPFMAN_BIN"] { return p }
        return binary("bpfman")
    }

    /// An executable product built beside the tests.
    static func binary(_ name: String) -> String { BuiltBinary.path(name) }
}
