import Logging
import Metrics
import Prometheus

/// What each daemon (agent, operator) sets up first: logging to stderr at
/// the level of its flag, else of `GO_LOG` as upstream reads it (info, debug,
/// trace), and a Prometheus registry behind swift-metrics for `/metrics`.
public enum DaemonBootstrap {
    public static func level(flag: String?, environment: [String: String]) -> Logger.Level {
        switch flag ?? environment["GO_LOG"] ?? "info" {
        case "debug": .debug
        case "trace": .trace
        default: .info
        }
    }

    /// Bootstraps logging and metrics (once per process); the daemon's logger and registry.
    public static func start(label: String, logLevel: String?, environment: [String: String]) -> (Logger, PrometheusCollectorRegistry) {
        let level = level(flag: logLevel, environment: environment)
        LoggingSystem.bootstrap { name in
            var h = StreamLogHandler.standardError(label: name)
            h.logLevel = level
            return h
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return (Logger(label: label), registry)
    }
}
