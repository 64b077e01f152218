import Foundation
import TestHelpers
import Testing

/// The `kubesim` executable as `make run-local` uses it: a kubeconfig kubectl
/// takes unchanged, state kept in --data-dir, a clean exit on SIGTERM.
@Suite("kubesim executable", .serialized)
struct ExecutableTests {
    static var binary: String { BuiltBinary.path("kubesim") }

    func launch(_ dir: String) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["--listen", "127.0.0.1:0", "--kubeconfig", dir + "/kubeconfig", "--data-dir", dir + "/data"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try? FileManager.default.removeItem(atPath: dir + "/kubeconfig")
        try p.run()
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: dir + "/kubeconfig") { usleep(100_000) }
        return (p, out)
    }

    func kubectl(_ dir: String, _ args: [String], stdin: String? = nil) async throws -> Shell.Result {
        try await Shell.runAsync(SimHarness.kubectlPath, ["--kubeconfig", dir + "/kubeconfig"] + args, stdin: stdin)
    }

    func stop(_ p: Process, _ out: Pipe) async throws -> (Int32, String) {
        p.terminate()
        return try await SimHarness.collect(p, out)
    }

    @Test func servesKubectlKeepsStateAndStopsOnSIGTERM() async throws {
        let dir = NSTemporaryDirectory() + "kubesim-exe-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        var (p, out) = try launch(dir)
        let crd = try await kubectl(dir, ["apply", "-f", "-"], stdin: Fixtures.crd)
        #expect(crd.ok, "\(crd.stderr)")
        let obj = try await kubectl(dir, ["apply", "-f", "-"], stdin: Fixtures.xdp("persisted", priority: 7))
        #expect(obj.ok, "\(obj.stderr)")
        var (status, text) = try await stop(p, out)
        #expect(status == 0 && text.contains("kubesim serving on https://127.0.0.1:") && text.contains("kubesim stopped"), "\(text)")

        let firstConfig = try String(contentsOfFile: dir + "/kubeconfig", encoding: .utf8)
        (p, out) = try launch(dir)
        let secondConfig = try String(contentsOfFile: dir + "/kubeconfig", encoding: .utf8)
        let caData = { (s: String) in s.components(separatedBy: "certificate-authority-data").dropFirst().first?.prefix(200) }
        #expect(caData(firstConfig) != nil && caData(firstConfig) == caData(secondConfig), "the CA in <data-dir>/pki is reused")
        let got = try await kubectl(dir, ["get", "xdpprogram", "persisted", "-o", "jsonpath={.spec.priority}"])
        #expect(got.ok && got.stdout == "7", "state survived the restart: \(got.stdout)\(got.stderr)")
        (status, text) = try await stop(p, out)
        #expect(status == 0, "\(text)")
    }

    @Test func refusesABadListenAddress() async throws {
        let r = try await Shell.runAsync(Self.binary, ["--listen", "nonsense"])
        #expect(!r.ok && (r.stderr + r.stdout).contains("--listen must be host:port"), "\(r.stderr)")
    }
}
