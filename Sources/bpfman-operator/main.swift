import ArgumentParser
import BpfmanOperator
import Dispatch
import Foundation
import KubeClient
import KubeController
import Logging

/// bpfman-operator: status of every bpfman.io object from its per-node
/// BpfPrograms, and the node daemon from the `bpfman-config` ConfigMap.
@main
struct BpfmanOperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bpfman-operator",
                                                    abstract: "Run the bpfman operator: node daemon from bpfman-config, status on bpfman.io objects.")

    @OptionGroup var daemon: DaemonOptions
    @Flag(name: .customLong("leader-elect"), help: "Run only while holding the Lease 8730d955.bpfman.io.") var leaderElect = false
    @Option(name: .customLong("leader-election-namespace"), help: "The Lease's namespace (default: the pod's, else bpfman).")
    var leaseNamespace: String?
    @Option(name: .customLong("leader-election-id"), help: "Identity in the Lease (default: host name and pid).") var identity: String?
    @Option(name: .customLong("config-dir"), help: "Where bpfman-deployment/ and openshift/ templates are (the image has /config).")
    var configDir = "./config"
    @Option(name: .customLong("resync-seconds"), help: "Reconcile every object again this often (0: only on events).") var resync = 600

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let templates = try OperatorTemplates(root: configDir)
        let (logger, base) = try await daemon.start(label: "bpfman-operator")
        let client = base.client
        let resyncPeriod: Duration? = resync > 0 ? .seconds(resync) : nil
        logger.info("bpfman-operator starting", metadata: ["health": "\(base.healthPort)", "metrics": "\(base.metricsPort)", "leader-elect": "\(leaderElect)"])

        // One term of work: everything it builds (informers, their handlers,
        // queues) is its own, and goes when the term ends, so a lost lease
        // never leaves a former term's handlers on a cache the next one uses.
        let operatorRun: @Sendable (Bool) async -> Void = { openShift in
            let ctx = OperatorContext(client: client, logger: logger, resyncPeriod: resyncPeriod)
            let op = Operator(ctx, templates: templates, openShift: openShift)
            do {
                try await op.run { base.markReady(); logger.info("caches synced; reconciling") }
            } catch is CancellationError {
            } catch {
                logger.error("operator stopped", metadata: ["error": "\(error)"])
            }
        }
        let leaseNamespace = leaseNamespace ?? env["POD_NAMESPACE"]
            ?? (try? String(contentsOfFile: "/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "bpfman"
        let id = identity ?? "\(ProcessInfo.processInfo.hostName)_\(getpid())"
        let leaderElect = leaderElect
        let work: @Sendable () async throws -> Void = {
            guard let openShift = await ClusterFlavor.discover(client, logger: logger) else { return }
            logger.info("discovered the API server's groups", metadata: ["openshift": "\(openShift)"])
            if leaderElect {
                let elector = LeaderElector(client: client, config: .init(name: "8730d955.bpfman.io", namespace: leaseNamespace, identity: id),
                                            logger: logger)
                // Not leading is still healthy: ready means "would serve".
                base.markReady()
                while !Task.isCancelled { await elector.run { await operatorRun(openShift) } }
            } else {
                // A term ends only when cancelled or on an error it cannot go on
                // from; the process itself leaves only on SIGTERM.
                while !Task.isCancelled {
                    await operatorRun(openShift)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            logger.info("bpfman-operator stopping")
        }
        // Stopped from the last to the first: the controllers (and the lease), then probes and client.
        try await Daemon.run(base.services + [.work("controllers", work)], logger: logger)
    }
}
