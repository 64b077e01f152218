import Logging
import Synchronization

/// The bearer token a client sends: the config's (its token file and exec
/// plugin are read for every request), replaced by the one its kubeconfig
/// holds now when the server answers 401 — a token rotated, or a server
/// restarted with new credentials. Reloaded at most once a second.
final class Credentials: Sendable {
    private struct State {
        var token: String?
        var reloadedAt: ContinuousClock.Instant?
    }
    private let config: ClusterConfig
    private let state = Mutex(State())
    private let logger: Logger

    init(config: ClusterConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    func token() throws -> String? {
        if let t = state.withLock({ $0.token }) { return t }
        return try config.currentToken()
    }

    /// Reads the kubeconfig again (if the config came from one) after a 401.
    func reload() {
        guard let source = config.reload else { return }
        let due = state.withLock { s -> Bool in
            if let at = s.reloadedAt, ContinuousClock.now - at < .seconds(1) { return false }
            s.reloadedAt = .now
            return true
        }
        guard due else { return }
        do {
            let fresh = try source()
            let token = try fresh.currentToken()
            let previous = try? self.token()
            state.withLock { $0.token = token }
            if previous != token { logger.notice("read a new token from the kubeconfig after a 401", metadata: ["server": "\(config.server)"]) }
        } catch {
            logger.warning("cannot read the kubeconfig again after a 401", metadata: ["error": "\(error)"])
        }
    }
}
