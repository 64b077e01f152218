import Foundation
import Testing
import TestHelpers

/// The cluster tier on one machine: a real `kubesim` process with the
/// project's CRDs, a Node object, and for it a real `bpfman-rpc` and a real
/// `bpfman-agent`, all over real sockets; kubectl is the client.
final class ClusterNode: @unchecked Sendable {
    let dir: String
    let kubeconfig: String
    let node: String
    let box: Sandbox
    let rpc: RPCServerProcess
    private let sim = Process()
    private let agent = Process()
    private let agentLog: String
    let metricsPort: Int

    init(node: String = "node-a", labels: [String: String] = [:], internalIP: String) async throws {
        dir = NSTemporaryDirectory() + "cluster-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        kubeconfig = dir + "/kubeconfig"
        agentLog = dir + "/agent.log"
        metricsPort = Self.freePort()
        self.node = node
        box = try Sandbox()
        rpc = try RPCServerProcess(box)

        sim.executableURL = URL(fileURLWithPath: TestPaths.binary("kubesim"))
        sim.arguments = ["--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig, "--data-dir", dir + "/data"]
        sim.standardOutput = FileHandle.nullDevice
        sim.standardError = FileHandle.nullDevice
        try sim.run()
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(100)) }

        let crds = try await kubectl(["apply", "-f", TestPaths.root + "/config/crd/bases"])
        guard crds.ok else { throw Failure("CRDs: \(crds.stderr)") }
        let labelYAML = ([("kubernetes.io/hostname", node)] + labels.sorted { $0.key < $1.key }).map { "    \($0.0): \"\($0.1)\"" }.joined(separator: "\n")
        let made = try await kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: Node\nmetadata:\n  name: \(node)\n  labels:\n\(labelYAML)\n")
        guard made.ok else { throw Failure("node: \(made.stderr)") }
        let status = try await kubectl(["patch", "node", node, "--subresource=status", "--type=merge", "-p",
                                        #"{"status":{"addresses":[{"type":"InternalIP","address":"\#(internalIP)"}]}}"#])
        guard status.ok else { throw Failure("node status: \(status.stderr)") }

        FileManager.default.createFile(atPath: agentLog, contents: nil)
        agent.executableURL = URL(fileURLWithPath: TestPaths.binary("bpfman-agent"))
        agent.arguments = ["--kubeconfig", kubeconfig, "--bpfman-socket", rpc.socketPath,
                           "--metrics-bind-address", "127.0.0.1:\(metricsPort)", "--health-probe-bind-address", "127.0.0.1:\(Self.freePort())"]
        var env = ProcessInfo.processInfo.environment
        env["KUBE_NODE_NAME"] = node
        agent.environment = env
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle(forWritingAtPath: agentLog)
        try agent.run()
    }

    deinit {
        for p in [agent, sim] where p.isRunning { p.terminate(); p.waitUntilExit() }
        rpc.terminate()
        try? FileManager.default.removeItem(atPath: dir)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func freePort() -> Int {
        let r = try? Shell.run("/usr/bin/env", ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        return Int(r?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 18174
    }

    func kubectl(_ args: [String], stdin: String? = nil) async throws -> Shell.Result {
        try await Shell.runAsync(Which.path("kubectl"), ["--kubeconfig", kubeconfig] + args, stdin: stdin)
    }

    var log: String { (try? String(contentsOfFile: agentLog, encoding: .utf8)) ?? "" }

    /// The agent's metric `name` (summed over its label sets), from /metrics.
    func metric(_ name: String, _ label: String? = nil) throws -> Double {
        let r = try Shell.run("/usr/bin/env", ["python3", "-c",
            "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:\(metricsPort)/metrics', timeout=5).read().decode())"])
        return r.stdout.split(separator: "\n").filter { $0.hasPrefix(name) && (label == nil || $0.contains(label!)) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    /// The BpfPrograms of an owner, as JSON objects.
    func bpfPrograms(ownedBy owner: String) async throws -> [[String: Any]] {
        let r = try await kubectl(["get", "bpfprograms", "-l", "bpfman.io/ownedByProgram=\(owner)", "-o", "json"])
        guard r.ok, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else { return [] }
        return json["items"] as? [[String: Any]] ?? []
    }

    static func condition(_ bp: [String: Any]) -> (type: String, message: String)? {
        guard let c = ((bp["status"] as? [String: Any])?["conditions"] as? [[String: Any]])?.first else { return nil }
        return (c["type"] as? String ?? "", c["message"] as? String ?? "")
    }

    /// Waits until the owner's BpfPrograms number `count` and all carry condition `type`.
    @discardableResult
    func waitFor(_ owner: String, count: Int = 1, condition type: String, timeout: Double = 60) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [[String: Any]] = []
        while Date() < deadline {
            last = try await bpfPrograms(ownedBy: owner)
            if last.count == count, last.allSatisfy({ Self.condition($0)?.type == type }) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failure("\(owner): wanted \(count) BpfProgram(s) \(type); have \(last.map { Self.condition($0).map { "\($0.type): \($0.message)" } ?? "no condition" }); agent log:\n\(log.suffix(3000))")
    }
}
