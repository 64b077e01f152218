import Foundation
import KubeSim
import TestHelpers
import Testing

/// kubesim driven by a second, independent client: Debian's python3-kubernetes
/// (the official Python client), as a user's script would use it.
@Suite("kubesim with the official Python client", .serialized)
struct OfficialClientTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("python/official_client_suite.py").path

    @Test func officialPythonClientSuite() async throws {
        // Debian's interpreter: its python3-kubernetes, not a pip one (make deps installs it).
        let python = "/usr/bin/python3"
        let probe = try await Shell.runAsync(python, ["-c", "import kubernetes; print(kubernetes.__version__)"])
        try #require(probe.ok, "python3-kubernetes is missing (make deps installs it): \(probe.stderr)")
        try await SimHarness.with { h in
            try await h.installCRD()
            let r = try await Shell.runAsync(python, [Self.script, h.kubeconfig])
            print("official Python client \(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)):\n\(r.stdout)")
            #expect(r.ok, "the Python client suite failed:\n\(r.stdout)\n\(r.stderr)")
            #expect(r.stdout.contains("all passed"))
            let checks = r.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count
            #expect(checks >= 30, "the suite ran only \(checks) checks")
        }
    }
}
