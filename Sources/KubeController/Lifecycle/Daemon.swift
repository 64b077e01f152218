import Logging
import ServiceLifecycle
import UnixSignals

/// A daemon's services run as one `ServiceGroup`: SIGTERM or SIGINT shuts
/// them down one at a time from the last listed to the first, each waited
/// for (so the controllers stop before the connections they use, and those
/// before the probe server and the API client). A service that ends or fails
/// on its own shuts the rest down the same way; its error is the daemon's.
public enum Daemon {
    public static func run(_ services: [DaemonService], logger: Logger) async throws {
        try await group(services, signals: [.sigterm, .sigint], logger: logger).run()
    }

    /// The group `run` runs (tests shut it down without a signal).
    public static func group(_ services: [DaemonService], signals: [UnixSignal], logger: Logger) -> ServiceGroup {
        ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                                           failureTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: signals, logger: logger))
    }
}
