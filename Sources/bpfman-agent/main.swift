import ArgumentParser
import BpfmanAgent
import BpfmanProto
import Dispatch
import Foundation
import KubeClient
import KubeController
import Logging
import Metrics
import Prometheus
import Synchronization

/// bpfman-agent: the node side of the operator. Turns program objects into
/// BpfPrograms for this node and programs loaded through bpfman-rpc.
@main
struct BpfmanAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bpfman-agent",
                                                    abstract: "Load the programs that bpfman.io objects select on this node.")

    @Option(name: .customLong("metrics-bind-address"), help: "Metrics endpoint (/metrics).") var metrics = ":8174"
    @Option(name: .customLong("health-probe-bind-address"), help: "Probe endpoint (/healthz, /readyz).") var health = ":8175"
    @Flag(name: .customLong("enable-http2"), help: "Accepted for compatibility; the endpoints speak HTTP/1.1.") var http2 = false
    @Option(name: .customLong("profiling-bind-address"), help: "Accepted for compatibility; no profiling endpoint.") var profiling = ""
    @Option(name: .customLong("kubeconfig"), help: "Kubeconfig for running outside the cluster.") var kubeconfig: String?
    @Option(name: .customLong("bpfman-socket"), help: "bpfman-rpc's socket.") var socket = "/run/bpfman-sock/bpfman.sock"
    @Option(name: .customLong("proc-root"), help: "Where the host's /proc is seen (/host/proc in the DaemonSet).") var procRoot = "/proc"
    @Option(name: .customLong("cri-socket"), help: "The node's CRI runtime socket, for container selectors (default: the first of containerd's and CRI-O's that exists).")
    var criSocket: String?
    @Option(name: .customLong("resync-seconds"), help: "Reconcile every object again this often (0: only on events).") var resync = 300
    @Option(name: .customLong("log-level"), help: "info, debug or trace (default: GO_LOG, else info).") var logLevel: String?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let node = env["KUBE_NODE_NAME"], !node.isEmpty else {
            throw ValidationError("KUBE_NODE_NAME is not set: the agent must know which node it runs on")
        }
        let (logger, registry) = DaemonBootstrap.start(label: "bpfman-agent", logLevel: logLevel, environment: env)

        let ready = Atomic<Bool>(false)
        let config = try kubeconfig.map { try KubeConfigLoader.load(path: $0) } ?? (try KubeConfigLoader.inCluster())
        let client = try KubeClient(config: config, logger: logger)
        // Ready: caches synced and the API server serving us.
        let probes = HealthServer(registry: registry, ready: { ready.load(ordering: .acquiring) && client.health.isServing })
        // Bound first: an address in use is a clear error before anything else is made.
        let (healthPort, metricsPort): (Int, Int)
        do { (healthPort, metricsPort) = try await probes.start(health: health, metrics: metrics) } catch {
            try? await client.shutdown()
            throw ValidationError("\(error)")
        }
        let bpfman: BpfmanClient
        let cri: CRIContainerFinder?
        do {
            bpfman = try BpfmanClient(socketPath: socket)
            let criPath = criSocket ?? ["/run/containerd/containerd.sock", "/var/run/crio/crio.sock"].first { FileManager.default.fileExists(atPath: $0) }
            cri = try criPath.map { try CRIContainerFinder(socketPath: $0) }
        } catch {
            try? await client.shutdown()
            await probes.stop()
            throw error
        }
        let ctx = AgentContext(client: client, bpfman: bpfman, nodeName: node, procRoot: procRoot,
                               resyncPeriod: resync > 0 ? .seconds(resync) : nil, cri: cri, logger: logger)
        let agent = Agent(ctx)
        logger.info("bpfman-agent starting", metadata: ["node": "\(node)", "socket": "\(socket)",
                                                         "health": "\(healthPort)", "metrics": "\(metricsPort)"])

        // Stopped from the last to the first: the controllers, then the connections they use, then probes and client.
        var services: [DaemonService] = [
            .resource("kube-client") { try? await client.shutdown() },
            .resource("probes") { await probes.stop() },
            .connection("bpfman-rpc", run: { try await bpfman.run() }, close: { bpfman.close() }),
        ]
        if let cri { services.append(.connection("cri", run: { try await cri.run() }, close: { cri.close() })) }
        services.append(.work("controllers") {
            try await agent.run { ready.store(true, ordering: .releasing); logger.info("caches synced; reconciling") }
            logger.info("bpfman-agent stopping")
        })
        try await Daemon.run(services, logger: logger)
    }
}
