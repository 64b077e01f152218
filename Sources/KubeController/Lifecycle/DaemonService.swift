import ServiceLifecycle

/// One long-running part of a daemon, as a `Service` of its `ServiceGroup`,
/// with how it stops on a graceful shutdown: work (controllers, a leader
/// campaign) is cancelled; a connection is closed and its run returns; a
/// resource (the probe server, the API client) is released once everything
/// after it in the group has stopped.
public struct DaemonService: Service, CustomStringConvertible {
    enum Stop: Sendable {
        case cancel(@Sendable () async throws -> Void)
        case close(run: @Sendable () async throws -> Void, close: @Sendable () -> Void)
        case release(@Sendable () async -> Void)
    }

    public let description: String
    let stop: Stop

    /// Runs `body` until it returns or the group shuts down, which cancels it.
    public static func work(_ name: String, _ body: @escaping @Sendable () async throws -> Void) -> DaemonService {
        DaemonService(description: name, stop: .cancel(body))
    }

    /// Runs `run` until it returns; a graceful shutdown calls `close`, which makes it return.
    public static func connection(_ name: String, run: @escaping @Sendable () async throws -> Void,
                                  close: @escaping @Sendable () -> Void) -> DaemonService {
        DaemonService(description: name, stop: .close(run: run, close: close))
    }

    /// Holds something already started; a graceful shutdown releases it.
    public static func resource(_ name: String, release: @escaping @Sendable () async -> Void) -> DaemonService {
        DaemonService(description: name, stop: .release(release))
    }

    public func run() async throws {
        switch stop {
        case .cancel(let body):
            do { try await cancelWhenGracefulShutdown { try await body() } } catch is CancellationError {}
        case .close(let run, let close):
            do { try await withGracefulShutdownHandler { try await run() } onGracefulShutdown: { close() } } catch is CancellationError {}
        case .release(let release):
            try? await gracefulShutdown()
            await release()
        }
    }
}
