import Foundation
import TestHelpers

/// kubesim and local nodes (`hack/local-node`: each a network and mount
/// namespace with its own containerd and kubesim-kubelet), as `make
/// run-local` makes them; everything removed on `stop`.
final class LocalNodes: @unchecked Sendable {
    let kubesim: KubeSimProcess
    let state: String
    private(set) var nodes: [String] = []
    static let script = TestPaths.root + "/hack/local-node"
    static var bin: String { (TestPaths.binary("kubesim-kubelet") as NSString).deletingLastPathComponent }

    /// kubesim on the nodes' bridge, with `arguments` (kubesim's own).
    init(kubesimArguments: [String] = []) async throws {
        _ = try Shell.run(Self.script, ["bridge"])
        kubesim = try await KubeSimProcess(prefix: "local-nodes", arguments: kubesimArguments, host: "10.212.0.1")
        state = NSTemporaryDirectory() + "local-nodes-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    }

    /// Node `name` up (its index picks its addresses), registered and ready.
    func up(_ name: String, index: Int, labels: [String] = []) async throws {
        let r = try Shell.run(Self.script, ["up", name, "\(index)", state, kubesim.kubeconfig, Self.bin] + labels.flatMap { ["--label", $0] })
        guard r.ok else { throw Shell.ShellError(command: "local-node up \(name)", result: r) }
        nodes.append(name)
        try await eventually("node \(name) registered") { try await self.kubectl(["get", "node", name]).ok }
    }

    func exec(_ node: String, _ command: [String]) throws -> Shell.Result {
        try Shell.run(Self.script, ["exec", node, state, "--"] + command)
    }

    /// `ctr` against the node's containerd, in the CRI's namespace.
    func ctr(_ node: String, _ args: [String]) throws -> Shell.Result {
        try exec(node, ["ctr", "--address", "/run/containerd/containerd.sock", "-n", "k8s.io"] + args)
    }

    func kubectl(_ args: [String], stdin: String? = nil) async throws -> Shell.Result { try await kubesim.kubectl(args, stdin: stdin) }

    /// The object as JSON.
    func json(_ args: [String]) async throws -> [String: Any] {
        let r = try await kubectl(["get"] + args + ["-o", "json"])
        guard r.ok, let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else { return [:] }
        return o
    }

    func podStatus(_ name: String, namespace: String = "default") async throws -> [String: Any] {
        (try await json(["pod", name, "-n", namespace]))["status"] as? [String: Any] ?? [:]
    }

    func eventually(_ what: String, timeout: Double = 60, _ check: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        func tail(_ node: String, _ file: String, _ count: Int) -> String {
            "\(node) \(file): " + ((try? String(contentsOfFile: "\(state)/nodes/\(node)/\(file)", encoding: .utf8)) ?? "").suffix(count)
        }
        let logs = nodes.flatMap { [tail($0, "kubelet.log", 1500), tail($0, "containerd.log", 1500)] }
        throw Shell.ShellError(command: "waiting for \(what)", result: .init(status: 1, stdout: "", stderr: logs.joined(separator: "\n")))
    }

    func down(_ name: String) throws {
        _ = try Shell.run(Self.script, ["down", name, state, Self.bin])
        nodes.removeAll { $0 == name }
    }

    func stop() {
        for n in nodes { try? down(n) }
        kubesim.stop()
        try? FileManager.default.removeItem(atPath: state)
    }

    /// The node's containerd socket as the machine sees it (for an agent run outside the node).
    func criSocket(_ node: String) -> String { "\(state)/nodes/\(node)/run-containerd/containerd.sock" }

    /// The pid of a pod's container, from the node's containerd.
    func containerPid(_ node: String, containerID: String) throws -> Int32 {
        let out = try ctr(node, ["tasks", "ls"]).stdout
        for line in out.split(separator: "\n") where line.hasPrefix(containerID) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 1, let pid = Int32(fields[1]) { return pid }
        }
        return 0
    }
}
