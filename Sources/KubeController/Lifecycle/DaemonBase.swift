import KubeClient
import Logging
import Prometheus
import Synchronization

/// What the agent and the operator both start with: the API client, and the
/// probe and metrics server already bound (an address in use is a clear
/// error before anything else is made), ready when the daemon says so and
/// the API server is serving it. Its services go last in the daemon's group,
/// so they stop after everything that uses them.
public final class DaemonBase: Sendable {
    public let client: KubeClient
    public let probes: HealthServer
    public let healthPort: Int
    public let metricsPort: Int
    private let ready: Flag
    private let releaseStartupCode: Bool
    private let logger: Logger

    /// Set once; read by the probe.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        /// Whether this call set it.
        @discardableResult func set() -> Bool { !value.exchange(true, ordering: .acquiringAndReleasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    /// Loads the kubeconfig (in-cluster without one), makes the client, binds the endpoints.
    /// `releaseStartupCode`: once ready, hand the start-up code's pages back (`StartupCode`).
    public static func start(kubeconfig: String?, qps: Double = 0, burst: Int = 0, health: String, metrics: String,
                             registry: PrometheusCollectorRegistry, logger: Logger, releaseStartupCode: Bool = false) async throws -> DaemonBase {
        var config = try kubeconfig.map { try KubeConfigLoader.load(path: $0) } ?? (try KubeConfigLoader.inCluster())
        config.qps = qps
        config.burst = burst
        let client = try KubeClient(config: config, logger: logger)
        let ready = Flag()
        let probes = HealthServer(registry: registry, ready: { ready.isSet && client.health.isServing })
        do {
            let (h, m) = try await probes.start(health: health, metrics: metrics)
            return DaemonBase(client: client, probes: probes, healthPort: h, metricsPort: m, ready: ready,
                              releaseStartupCode: releaseStartupCode, logger: logger)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private init(client: KubeClient, probes: HealthServer, healthPort: Int, metricsPort: Int, ready: Flag,
                 releaseStartupCode: Bool, logger: Logger) {
        self.client = client
        self.probes = probes
        self.healthPort = healthPort
        self.metricsPort = metricsPort
        self.ready = ready
        self.releaseStartupCode = releaseStartupCode
        self.logger = logger
    }

    /// From now on /readyz answers ready while the API server serves us. The
    /// first call is the end of start-up: its code's pages go back (unless kept).
    public func markReady() {
        guard ready.set(), releaseStartupCode else { return }
        let bytes = StartupCode.release()
        logger.debug("start-up code released", metadata: ["mapped-bytes": "\(bytes)"])
    }

    /// Stops both, for a daemon that fails before its group runs.
    public func stop() async {
        await probes.stop()
        try? await client.shutdown()
    }

    /// The client and the probe server, to be listed first (stopped last).
    public var services: [DaemonService] {
        let client = client, probes = probes
        return [.resource("kube-client") { try? await client.shutdown() }, .resource("probes") { await probes.stop() }]
    }
}
