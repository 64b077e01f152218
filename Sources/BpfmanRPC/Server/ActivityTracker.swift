import Synchronization

/// Counts calls in flight and remembers when the last one ended, for the
/// inactivity timeout (reset by every request, unlike upstream's timer that
/// starts once at process start).
public final class ActivityTracker: Sendable {
    private struct State { var inFlight = 0; var lastActivity = ContinuousClock.now }
    private let state = Mutex(State())

    public init() {}

    public func begin() { state.withLock { $0.inFlight += 1; $0.lastActivity = .now } }

    public func end() { state.withLock { $0.inFlight -= 1; $0.lastActivity = .now } }

    /// How long nothing has happened (zero while a call runs).
    public var idleFor: Duration {
        state.withLock { $0.inFlight > 0 ? .zero : ContinuousClock.now - $0.lastActivity }
    }
}
