import ArgumentParser
import Foundation
import Logging

/// The command-line options the agent and the operator share (upstream's
/// names), and what starting a daemon from them takes: logging and metrics
/// bootstrapped, then the `DaemonBase` (client, bound probe and metrics server).
public struct DaemonOptions: ParsableArguments {
    @Option(name: .customLong("metrics-bind-address"), help: "Metrics endpoint (/metrics).") public var metrics = ":8174"
    @Option(name: .customLong("health-probe-bind-address"), help: "Probe endpoint (/healthz, /readyz).") public var health = ":8175"
    @Flag(name: .customLong("enable-http2"), help: "Accepted for compatibility; the endpoints speak HTTP/1.1.") public var http2 = false
    @Option(name: .customLong("kubeconfig"), help: "Kubeconfig for running outside the cluster.") public var kubeconfig: String?
    @Option(name: .customLong("log-level"), help: "info, debug or trace (default: GO_LOG, else info).") public var logLevel: String?
    @Option(name: .customLong("kube-api-qps"),
            help: "Client-side limit on API requests per second; 0 or less: none, the API server's priority and fairness limits (controller-runtime's default).")
    public var kubeAPIQPS: Double = 0
    @Option(name: .customLong("kube-api-burst"), help: "Requests allowed at once above --kube-api-qps.") public var kubeAPIBurst = 30
    @Flag(name: .customLong("keep-startup-code"),
          help: "Keep the start-up code's pages mapped once ready (by default they go back to the kernel; what runs again returns).")
    public var keepStartupCode = false

    public init() {}

    /// Logging and metrics for `label`, then the client and the endpoints; an
    /// endpoint that cannot be bound is a usage error naming it.
    public func start(label: String) async throws -> (Logger, DaemonBase) {
        let (logger, registry) = DaemonBootstrap.start(label: label, logLevel: logLevel, environment: ProcessInfo.processInfo.environment)
        do {
            return (logger, try await DaemonBase.start(kubeconfig: kubeconfig, qps: kubeAPIQPS, burst: kubeAPIBurst, health: health, metrics: metrics, registry: registry, logger: logger, releaseStartupCode: !keepStartupCode))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
