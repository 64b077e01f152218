import Foundation
import TestHelpers

/// A `kubesim` process in a directory of its own (kubeconfig, data), for
/// kubectl: alone for the deployment tests, under ClusterNode for the cluster tier.
final class KubeSimProcess: @unchecked Sendable {
    let dir: String
    let kubeconfig: String
    private var process = Process()
    private let arguments: [String]
    /// The address it listens on (local nodes reach it at their bridge's).
    let host: String

    init(prefix: String = "kubesim", arguments: [String] = [], host: String = "127.0.0.1") async throws {
        self.host = host
        dir = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        kubeconfig = dir + "/kubeconfig"
        self.arguments = arguments
        try await launch(listen: "\(host):0")
    }

    private func launch(listen: String) async throws {
        try? FileManager.default.removeItem(atPath: kubeconfig)
        process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.binary("kubesim"))
        process.arguments = ["--listen", listen, "--kubeconfig", kubeconfig, "--data-dir", dir + "/data"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(100)) }
    }

    /// The port it serves on, from the kubeconfig it wrote.
    var port: Int? {
        let text = (try? String(contentsOfFile: kubeconfig, encoding: .utf8)) ?? ""
        guard let r = text.range(of: #"https?://[0-9.]+:[0-9]+"#, options: .regularExpression) else { return nil }
        return Int(text[r].split(separator: ":").last ?? "")
    }

    /// An outage: SIGKILL, keeping the data directory.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    /// Back on the same port with the same data (and so the same CA and token).
    func start(port: Int) async throws { try await launch(listen: "\(host):\(port)") }

    func kubectl(_ args: [String], stdin: String? = nil) async throws -> Shell.Result {
        try await Shell.runAsync(Which.path("kubectl"), ["--kubeconfig", kubeconfig] + args, stdin: stdin)
    }

    func stop() {
        kill()
        try? FileManager.default.removeItem(atPath: dir)
    }
}
