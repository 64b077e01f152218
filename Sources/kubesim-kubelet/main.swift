import ArgumentParser
import Foundation
import KubeClient
import KubeController
import KubeletStandIn
import Logging

/// kubesim-kubelet: the kubelet of one local node (run inside the node's
/// network and mount namespaces, as kind's kubelet runs in its node
/// container): registers the Node, runs its pods under the node's
/// containerd through the CRI, and writes their status. A development and
/// test tool beside kubesim; never in an image.
@main
struct KubesimKubeletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubesim-kubelet",
                                                    abstract: "A kubelet stand-in for kubesim's local nodes.",
                                                    subcommands: [RunNode.self, RemoveAllPods.self], defaultSubcommand: RunNode.self)
}

/// Removes every pod sandbox (and its containers) the runtime holds, through
/// the CRI so the runtime tears their networks down: a node going away.
struct RemoveAllPods: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-all-pods", abstract: "Remove every pod sandbox of the node's CRI runtime.")
    @Option(name: .customLong("cri-socket"), help: "The node's CRI runtime socket.") var criSocket = "/run/containerd/containerd.sock"

    func run() async throws {
        let runtime = try CRIRuntime(socketPath: criSocket)
        try await withThrowingTaskGroup(of: Void.self) { g in
            g.addTask { try await runtime.run() }
            let syncer = PodSyncer(runtime: runtime, node: NodeFacts(nodeName: "", nodeIP: "", podsRoot: "/var/lib/kubelet/pods"),
                                   ports: .init(configMap: { _, _ in nil }, writeStatus: { _, _ in }), logger: Logger(label: "kubesim-kubelet"))
            for uid in try await syncer.runtimePodUIDs() { try await syncer.kill(uid: uid) }
            runtime.close()
            try await g.waitForAll()
        }
    }
}

struct RunNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
                                                    abstract: "Run the pods of one local node under its CRI runtime.")

    @Option(name: .customLong("kubeconfig"), help: "Kubeconfig of the API server (kubesim).") var kubeconfig: String
    @Option(name: .customLong("node-name"), help: "The Node this kubelet registers and runs pods for.") var nodeName: String
    @Option(name: .customLong("node-ip"), help: "The node's InternalIP (its eth0 address).") var nodeIP: String
    @Option(name: .customLong("cri-socket"), help: "The node's CRI runtime socket.") var criSocket = "/run/containerd/containerd.sock"
    @Option(name: .customLong("pods-root"), help: "Where pods' volumes and logs go on the node.") var podsRoot = "/var/lib/kubelet/pods"
    @Option(name: .customLong("node-label"), help: "A label of the Node, key=value (repeatable).") var nodeLabels: [String] = []
    @Option(name: .customLong("log-level"), help: "info, debug or trace.") var logLevel = "info"

    func validate() throws {
        for l in nodeLabels where !l.contains("=") { throw ValidationError("--node-label \(l): expected key=value") }
    }

    func run() async throws {
        var logger = Logger(label: "kubesim-kubelet")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let config = try KubeConfigLoader.load(path: kubeconfig)
        let client = try KubeClient(config: config, logger: logger)
        // Pods' in-cluster clients reach the API server where this kubelet does.
        var serviceEnv: [String: String] = [:]
        if let url = URL(string: config.server), let host = url.host {
            serviceEnv = ["KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": "\(url.port ?? 443)"]
        }
        let labels = Dictionary(nodeLabels.map { l -> (String, String) in
            let parts = l.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }, uniquingKeysWith: { _, b in b })
        let runtime = try CRIRuntime(socketPath: criSocket)
        var kubeletConfig = Kubelet.Config(node: NodeFacts(nodeName: nodeName, nodeIP: nodeIP, podsRoot: podsRoot, serviceEnv: serviceEnv),
                                           labels: labels)
        kubeletConfig.caPEM = config.caPEM
        let kubelet = Kubelet(client: client, config: kubeletConfig, runtime: runtime, logger: logger)
        try await Daemon.run([
            .resource("kube-client") { try? await client.shutdown() },
            .connection("cri", run: { try await runtime.run() }, close: { runtime.close() }),
            .work("kubelet") { try await kubelet.run() },
        ], logger: logger)
    }
}
