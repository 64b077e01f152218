import Foundation
import TestHelpers

/// A `kubesim` process in a directory of its own (kubeconfig, data), for
/// kubectl: alone for the deployment tests, under ClusterNode for the cluster tier.
final class KubeSimProcess: @unchecked Sendable {
    let dir: String
    let kubeconfig: String
    private let process = Process()

    init(prefix: String = "kubesim", arguments: [String] = []) async throws {
        dir = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        kubeconfig = dir + "/kubeconfig"
        process.executableURL = URL(fileURLWithPath: TestPaths.binary("kubesim"))
        process.arguments = ["--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig, "--data-dir", dir + "/data"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(100)) }
    }

    func kubectl(_ args: [String], stdin: String? = nil) async throws -> Shell.Result {
        try await Shell.runAsync(Which.path("kubectl"), ["--kubeconfig", kubeconfig] + args, stdin: stdin)
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
