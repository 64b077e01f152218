import Foundation
import TestHelpers

/// A real `bpfman-operator` process against the cluster's kubesim, with its
/// own metrics port and log; templates from the repository's config/.
final class OperatorProcess: @unchecked Sendable {
    let name: String
    let logPath: String
    let metricsPort: Int
    let healthPort: Int
    private let process = Process()

    init(_ cluster: ClusterNode, name: String = "operator", arguments: [String] = []) throws {
        self.name = name
        logPath = "\(cluster.dir)/\(name).log"
        metricsPort = NodeAgent.freePort()
        healthPort = NodeAgent.freePort()
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: TestPaths.binary("bpfman-operator"))
        process.arguments = ["--kubeconfig", cluster.operatorKubeconfig, "--config-dir", TestPaths.root + "/config",
                             "--metrics-bind-address", "127.0.0.1:\(metricsPort)",
                             "--health-probe-bind-address", "127.0.0.1:\(healthPort)"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
    }

    deinit { kill(SIGKILL) }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM; the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal); process.waitUntilExit() }
    }

    /// Resident memory in MiB.
    var rssMiB: Double {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let kb = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?.split(separator: " ").dropFirst().first.flatMap { Double($0) }
        return (kb ?? 0) / 1024
    }

    func metric(_ name: String, _ label: String? = nil) throws -> Double {
        try NodeAgent.metric(port: metricsPort, name, label)
    }
}
