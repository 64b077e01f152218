import Logging
import Synchronization

/// Whether the API server is serving this client: every answer from it
/// (any status but 401 and 5xx) marks it serving; a refused or broken
/// connection, a 401 or a 5xx marks it failing, with the cause. A daemon's
/// `/readyz` reads `isServing`; each change is logged once, with the cause
/// going down and the outage's length coming back.
public final class APIHealth: Sendable {
    private struct State {
        var failingSince: ContinuousClock.Instant?
        var cause = ""
        var failures = 0
    }
    private let state = Mutex(State())
    private let logger: Logger
    private let server: String

    init(server: String, logger: Logger) {
        self.server = server
        self.logger = logger
    }

    /// False from the first failure until the next answer.
    public var isServing: Bool { state.withLock { $0.failingSince == nil } }

    /// Why the server is not serving us, while it is not.
    public var cause: String? { state.withLock { $0.failingSince == nil ? nil : $0.cause } }

    /// How many failures were recorded since the process started.
    public var failures: Int { state.withLock { $0.failures } }

    /// Sleeps for `duration`, or less if the server answers someone in the
    /// meantime: a watcher backing off from an outage resumes as soon as any
    /// request of this client gets through.
    public func sleep(for duration: Duration) async throws {
        guard !isServing else { return try await Task.sleep(for: duration) }
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {
            try await Task.sleep(for: min(.milliseconds(100), end - ContinuousClock.now))
            if isServing { return }
        }
    }

    func answered() {
        let since = state.withLock { s -> ContinuousClock.Instant? in
            defer { s.failingSince = nil }
            return s.failingSince
        }
        if let since {
            logger.notice("the API server answers again", metadata: ["server": "\(server)", "after": "\(ContinuousClock.now - since)"])
        }
    }

    /// Records `error` if it says the server is not serving us; other errors
    /// (404, 409, 422, …) are answers.
    func record(_ error: KubeError) {
        guard Self.isOutage(error) else { return answered() }
        let first = state.withLock { s -> Bool in
            s.failures += 1
            s.cause = error.description
            guard s.failingSince == nil else { return false }
            s.failingSince = .now
            return true
        }
        if first {
            logger.error("the API server is not serving this client; retrying with backoff", metadata: [
                "server": "\(server)", "cause": "\(error.description)"])
        }
    }

    static func isOutage(_ e: KubeError) -> Bool {
        if e.isResourceVersionTooLarge { return false }
        switch e.reason {
        case .transport, .unauthorized, .serverError, .timeout: return true
        default: return false
        }
    }
}
