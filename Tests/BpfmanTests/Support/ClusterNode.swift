import Foundation
import Testing
import TestHelpers

/// The cluster tier on one machine: a real `kubesim` process with the
/// project's CRDs, a Node object, and for it a real `bpfman-rpc` and a real
/// `bpfman-agent`, all over real sockets; kubectl is the client. kubesim
/// enforces RBAC, and the agents and the operator run as their
/// ServiceAccounts with exactly the RBAC `make manifests` generates
/// (config/rbac); kubectl and the tests use the admin kubeconfig.
final class ClusterNode: @unchecked Sendable {
    let sim: KubeSimProcess
    var dir: String { sim.dir }
    var kubeconfig: String { sim.kubeconfig }
    /// The bpfman-daemon ServiceAccount's kubeconfig (the agents').
    private(set) var agentKubeconfig = ""
    /// The bpfman-operator ServiceAccount's kubeconfig.
    private(set) var operatorKubeconfig = ""
    private(set) var nodes: [NodeAgent] = []
    /// The first node's.
    var node: String { nodes[0].node }
    var box: Sandbox { nodes[0].box }
    var rpc: RPCServerProcess { nodes[0].rpc }
    var log: String { nodes[0].log }
    func metric(_ name: String, _ label: String? = nil) throws -> Double { try nodes[0].metric(name, label) }

    /// With `sim`, on that kubesim (local nodes' kubesim on their bridge), else on one of its own.
    init(node: String = "node-a", labels: [String: String] = [:], internalIP: String, agentArguments: [String] = [],
         simArguments: [String] = [], sim: KubeSimProcess? = nil) async throws {
        if let sim { self.sim = sim } else { self.sim = try await KubeSimProcess(prefix: "cluster", arguments: simArguments) }
        let crds = try await kubectl(["apply", "-f", TestPaths.root + "/config/crd/bases"])
        guard crds.ok else { throw Failure("CRDs: \(crds.stderr)") }
        _ = try await kubectl(["create", "namespace", "bpfman"])
        let rbac = try await kubectl(["apply", "-k", TestPaths.root + "/config/rbac"])
        guard rbac.ok else { throw Failure("RBAC: \(rbac.stderr)") }
        agentKubeconfig = try await serviceAccountKubeconfig("bpfman-daemon")
        operatorKubeconfig = try await serviceAccountKubeconfig("bpfman-operator")
        try await addNode(node, labels: labels, internalIP: internalIP, agentArguments: agentArguments)
    }

    /// A kubeconfig that authenticates as ServiceAccount `name` in `namespace`,
    /// with a token from `kubectl create token` (TokenRequest), as a pod's
    /// projected token would.
    func serviceAccountKubeconfig(_ name: String, namespace: String = "bpfman") async throws -> String {
        let token = try await kubectl(["create", "token", name, "-n", namespace, "--duration=24h"])
        guard token.ok else { throw Failure("token for \(namespace)/\(name): \(token.stderr)") }
        let path = "\(dir)/\(namespace)-\(name).kubeconfig"
        try FileManager.default.copyItem(atPath: kubeconfig, toPath: path)
        for args in [["set-credentials", name, "--token=" + token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)],
                     ["set-context", "kubesim", "--user=" + name], ["unset", "users.kubesim-admin"]] {
            let r = try await Shell.runAsync(Which.path("kubectl"), ["--kubeconfig", path, "config"] + args)
            guard r.ok else { throw Failure("kubeconfig for \(namespace)/\(name): \(r.stderr)") }
        }
        return path
    }

    /// Another node on the same kernel: its own Node object, sandbox, bpfman-rpc and agent.
    @discardableResult
    func addNode(_ node: String, labels: [String: String] = [:], internalIP: String, agentArguments: [String] = []) async throws -> NodeAgent {
        let labelYAML = ([("kubernetes.io/hostname", node)] + labels.sorted { $0.key < $1.key }).map { "    \($0.0): \"\($0.1)\"" }.joined(separator: "\n")
        let made = try await kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: Node\nmetadata:\n  name: \(node)\n  labels:\n\(labelYAML)\n")
        guard made.ok else { throw Failure("node: \(made.stderr)") }
        let status = try await kubectl(["patch", "node", node, "--subresource=status", "--type=merge", "-p",
                                        #"{"status":{"addresses":[{"type":"InternalIP","address":"\#(internalIP)"}]}}"#])
        guard status.ok else { throw Failure("node status: \(status.stderr)") }
        let agent = try NodeAgent(node: node, dir: dir, kubeconfig: agentKubeconfig, arguments: agentArguments)
        nodes.append(agent)
        return agent
    }

    /// Plays the DaemonSet controller and kubelet kubesim does not have: a
    /// Running pod of the node daemon on `node` (the operator waits for the
    /// nodes that have one).
    func daemonPod(on node: String, namespace: String = "bpfman") async throws {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bpfman-daemon-\(node)\n  namespace: \(namespace)\n  labels: {name: bpfman-daemon}\nspec:\n  nodeName: \(node)\n  containers: [{name: bpfman, image: bpfman}]\n"
        let made = try await kubectl(["apply", "-f", "-"], stdin: yaml)
        guard made.ok else { throw Failure("daemon pod: \(made.stderr)") }
        let running = try await kubectl(["patch", "pod", "bpfman-daemon-\(node)", "-n", namespace, "--subresource=status", "--type=merge",
                                          "-p", #"{"status":{"phase":"Running"}}"#])
        guard running.ok else { throw Failure("daemon pod status: \(running.stderr)") }
    }

    /// The `bpfman-config` ConfigMap (upstream's keys, in namespace bpfman).
    func applyConfig(_ data: [String: String] = [:], namespace: String = "bpfman") async throws {
        _ = try await kubectl(["create", "namespace", namespace])
        var all = ["bpfman.agent.image": "quay.io/bpfman/bpfman-agent:latest", "bpfman.image": "quay.io/bpfman/bpfman:latest",
                   "bpfman.agent.log.level": "info", "bpfman.log.level": "info", "bpfman.agent.healthprobe.addr": ":8175",
                   "bpfman.agent.metric.addr": "127.0.0.1:8174"]
        all.merge(data) { $1 }
        let body = all.sorted { $0.key < $1.key }.map { "  \($0.key): \"\($0.value)\"" }.joined(separator: "\n")
        let r = try await kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bpfman-config\n  namespace: \(namespace)\ndata:\n\(body)\n")
        guard r.ok else { throw Failure("bpfman-config: \(r.stderr)") }
    }

    /// The user object's one condition (type, message), or nil.
    func objectCondition(_ resource: String, _ name: String, namespace: String? = nil) async throws -> (type: String, message: String)? {
        let r = try await kubectl(["get", resource, name, "-o", "json"] + (namespace.map { ["-n", $0] } ?? []))
        guard r.ok, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else { return nil }
        return Self.condition(json)
    }

    /// Waits for a user object's condition; returns its message.
    @discardableResult
    /// Waits for a user object's condition of `type` (and, if given, a message
    /// `settled` accepts: status messages are coalesced, so a passing one may show first).
    func waitForObject(_ resource: String, _ name: String, condition type: String, namespace: String? = nil, timeout: Double = 60,
                       settled: (String) -> Bool = { _ in true }) async throws -> String {
        let last = try await eventually(within: .seconds(timeout), { try await objectCondition(resource, name, namespace: namespace) },
                                        until: { $0.map { $0.type == type && settled($0.message) } ?? false })
        if let last, last.type == type, settled(last.message) { return last.message }
        throw Failure("\(resource)/\(name): wanted \(type), have \(last.map { "\($0.type): \($0.message)" } ?? "no condition")")
    }

    deinit {
        nodes.removeAll()
        sim.stop()
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    func kubectl(_ args: [String], stdin: String? = nil) async throws -> Shell.Result {
        try await sim.kubectl(args, stdin: stdin)
    }

    /// The BpfPrograms of an owner, as JSON objects.
    func bpfPrograms(ownedBy owner: String, node: String? = nil, resource: String = "bpfprograms") async throws -> [[String: Any]] {
        let selector = "bpfman.io/ownedByProgram=\(owner)" + (node.map { ",kubernetes.io/hostname=\($0)" } ?? "")
        let r = try await kubectl(["get", resource, "-A", "-l", selector, "-o", "json"])
        guard r.ok, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else { return [] }
        return json["items"] as? [[String: Any]] ?? []
    }

    /// Waits until the first node's agent serves metrics (its caches may still be syncing).
    func waitForAgent() async throws {
        for _ in 0..<100 {
            if (try? metric("bpfman_agent_api_writes_total")) != nil, log.contains("caches synced") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure("the agent did not start: \(log)")
    }

    static func condition(_ bp: [String: Any]) -> (type: String, message: String)? {
        guard let c = ((bp["status"] as? [String: Any])?["conditions"] as? [[String: Any]])?.first else { return nil }
        return (c["type"] as? String ?? "", c["message"] as? String ?? "")
    }

    /// Waits until the owner's BpfPrograms number `count` and all carry condition `type`.
    @discardableResult
    func waitFor(_ owner: String, node: String? = nil, resource: String = "bpfprograms", count: Int = 1, condition type: String,
                 timeout: Double = 60) async throws -> [[String: Any]] {
        func done(_ bps: [[String: Any]]) -> Bool { bps.count == count && bps.allSatisfy { Self.condition($0)?.type == type } }
        let last = try await eventually(within: .seconds(timeout), { try await bpfPrograms(ownedBy: owner, node: node, resource: resource) },
                                        until: done)
        if done(last) { return last }
        throw Failure("\(owner): wanted \(count) BpfProgram(s) \(type); have \(last.map { Self.condition($0).map { "\($0.type): \($0.message)" } ?? "no condition" }); agent log:\n\(log.suffix(3000))")
    }
}

/// One node's bpfman side: a sandbox, a real bpfman-rpc and a real bpfman-agent.
final class NodeAgent: @unchecked Sendable {
    let node: String
    let box: Sandbox
    private(set) var rpc: RPCServerProcess
    private var agent: Process
    private let agentLog: String
    private let agentArguments: [String]
    let metricsPort: Int
    let healthPort: Int

    init(node: String, dir: String, kubeconfig: String, arguments: [String]) throws {
        self.node = node
        box = try Sandbox()
        // As the DaemonSet runs it: the CSI node plugin beside bpfman.v1.
        box.extraEnv["KUBE_NODE_NAME"] = node
        rpc = try RPCServerProcess(box, arguments: Self.rpcArguments(box))
        agentLog = "\(dir)/agent-\(node).log"
        metricsPort = Self.freePort()
        healthPort = Self.freePort()
        FileManager.default.createFile(atPath: agentLog, contents: nil)
        agentArguments = ["--kubeconfig", kubeconfig, "--bpfman-socket", rpc.socketPath,
                          "--metrics-bind-address", "127.0.0.1:\(metricsPort)", "--health-probe-bind-address", "127.0.0.1:\(healthPort)"]
            + arguments
        agent = Process()
        try startAgent()
    }

    /// Starts the agent (again, after `stopAgent`), its log appended to the same file.
    func startAgent() throws {
        agent = Process()
        agent.executableURL = URL(fileURLWithPath: TestPaths.binary("bpfman-agent"))
        agent.arguments = agentArguments
        var env = ProcessInfo.processInfo.environment
        env["KUBE_NODE_NAME"] = node
        agent.environment = env
        agent.standardOutput = FileHandle.nullDevice
        let log = FileHandle(forWritingAtPath: agentLog)
        log?.seekToEndOfFile()
        agent.standardError = log
        try agent.run()
    }

    deinit {
        if agent.isRunning { agent.terminate(); agent.waitUntilExit() }
        rpc.terminate()
    }

    /// Stops bpfman-rpc (SIGTERM); `startRPC` brings a new one up on the same socket.
    func stopRPC() { rpc.terminate() }
    func startRPC() throws { rpc = try RPCServerProcess(box, socketPath: rpc.socketPath, arguments: Self.rpcArguments(box)) }

    var csiSocket: String { box.base + "/csi/csi.sock" }

    static func rpcArguments(_ box: Sandbox) -> [String] {
        ["--timeout", "0", "--csi-support", "--csi-socket", box.base + "/csi/csi.sock"]
    }

    /// SIGTERM to the agent; its exit status.
    func stopAgent() -> Int32 {
        agent.terminate()
        agent.waitUntilExit()
        return agent.terminationStatus
    }

    static func freePort() -> Int {
        let r = try? Shell.run("/usr/bin/env", ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        return Int(r?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 18174
    }

    var log: String { (try? String(contentsOfFile: agentLog, encoding: .utf8)) ?? "" }

    /// The agent's metric `name` (summed over its label sets), from /metrics.
    func metric(_ name: String, _ label: String? = nil) throws -> Double { try Self.metric(port: metricsPort, name, label) }

    var isRunning: Bool { agent.isRunning }

    /// The HTTP status of a process's `/readyz` (0 when it does not answer).
    static func readyz(port: Int) -> Int {
        let r = try? Shell.run("/usr/bin/env", ["python3", "-c", """
            import urllib.request, urllib.error
            try: print(urllib.request.urlopen('http://127.0.0.1:\(port)/readyz', timeout=5).status)
            except urllib.error.HTTPError as e: print(e.code)
            except Exception: print(0)
            """])
        return Int(r?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    /// Metric `name` (summed over the label sets containing `label`) from a process's /metrics.
    static func metric(port: Int, _ name: String, _ label: String? = nil) throws -> Double {
        let r = try Shell.run("/usr/bin/env", ["python3", "-c",
            "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:\(port)/metrics', timeout=5).read().decode())"])
        return r.stdout.split(separator: "\n").filter { $0.hasPrefix(name) && (label == nil || $0.contains(label!)) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }
}
