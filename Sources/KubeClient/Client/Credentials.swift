import Logging
import Synchronization

/// Where a client's bearer token comes from: its config (a token file or an
/// exec plugin is read for every request), replaced by what its kubeconfig
/// says now when the server answers 401 — a token rotated, or a server
/// restarted with new credentials. Reloaded at most once a second.
final class Credentials: Sendable {
    private struct State {
        var source: ClusterConfig
        var reloadedAt: ContinuousClock.Instant?
    }
    private let reloader: (@Sendable () throws -> ClusterConfig)?
    private let state: Mutex<State>
    private let logger: Logger

    init(config: ClusterConfig, logger: Logger) {
        reloader = config.reload
        state = Mutex(State(source: config))
        self.logger = logger
    }

    func token() throws -> String? { try state.withLock { $0.source }.currentToken() }

    /// Reads the kubeconfig again (if the config came from one) after a 401.
    func reload() {
        guard let reloader else { return }
        let due = state.withLock { s -> Bool in
            if let at = s.reloadedAt, ContinuousClock.now - at < .seconds(1) { return false }
            s.reloadedAt = .now
            return true
        }
        guard due else { return }
        do {
            let fresh = try reloader()
            let changed = state.withLock { s -> Bool in
                defer { s.source = fresh }
                return s.source.token != fresh.token || s.source.tokenFile != fresh.tokenFile
            }
            if changed { logger.notice("read new credentials from the kubeconfig after a 401", metadata: ["server": "\(fresh.server)"]) }
        } catch {
            logger.warning("cannot read the kubeconfig again after a 401", metadata: ["error": "\(error)"])
        }
    }
}
