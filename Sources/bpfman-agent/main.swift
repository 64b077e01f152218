import ArgumentParser
import BpfmanAgent
import BpfmanProto
import Dispatch
import Foundation
import KubeClient
import KubeController
import Logging

/// bpfman-agent: the node side of the operator. Turns program objects into
/// BpfPrograms for this node and programs loaded through bpfman-rpc.
@main
struct BpfmanAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bpfman-agent",
                                                    abstract: "Load the programs that bpfman.io objects select on this node.")

    @OptionGroup var daemon: DaemonOptions
    @Option(name: .customLong("profiling-bind-address"), help: "Accepted for compatibility; no profiling endpoint.") var profiling = ""
    @Option(name: .customLong("bpfman-socket"), help: "bpfman-rpc's socket.") var socket = "/run/bpfman-sock/bpfman.sock"
    @Option(name: .customLong("proc-root"), help: "Where the host's /proc is seen (/host/proc in the DaemonSet).") var procRoot = "/proc"
    @Option(name: .customLong("cri-socket"), help: "The node's CRI runtime socket, for container selectors (default: the first of containerd's and CRI-O's that exists).")
    var criSocket: String?
    @Option(name: .customLong("resync-seconds"), help: "Reconcile every object again this often (0: only on events).") var resync = 300

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let node = env["KUBE_NODE_NAME"], !node.isEmpty else {
            throw ValidationError("KUBE_NODE_NAME is not set: the agent must know which node it runs on")
        }
        let (logger, base) = try await daemon.start(label: "bpfman-agent")

        let client = base.client
        let bpfman: BpfmanClient
        let cri: CRIContainerFinder?
        do {
            bpfman = try BpfmanClient(socketPath: socket)
            let criPath = criSocket ?? ["/run/containerd/containerd.sock", "/var/run/crio/crio.sock"].first { FileManager.default.fileExists(atPath: $0) }
            cri = try criPath.map { try CRIContainerFinder(socketPath: $0) }
        } catch {
            await base.stop()
            throw error
        }
        let ctx = AgentContext(client: client, bpfman: bpfman, nodeName: node, procRoot: procRoot,
                               resyncPeriod: resync > 0 ? .seconds(resync) : nil, cri: cri, logger: logger)
        let agent = Agent(ctx)
        logger.info("bpfman-agent starting", metadata: ["node": "\(node)", "socket": "\(socket)",
                                                         "health": "\(base.healthPort)", "metrics": "\(base.metricsPort)"])

        // Stopped from the last to the first: the controllers, then the connections they use, then probes and client.
        var services = base.services + [.connection("bpfman-rpc", run: { try await bpfman.run() }, close: { bpfman.close() })]
        if let cri { services.append(.connection("cri", run: { try await cri.run() }, close: { cri.close() })) }
        services.append(.work("controllers") {
            try await agent.run { base.markReady(); logger.info("caches synced; reconciling") }
            logger.info("bpfman-agent stopping")
        })
        try await Daemon.run(services, logger: logger)
    }
}
