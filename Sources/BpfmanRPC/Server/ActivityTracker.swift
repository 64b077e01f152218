import Foundation

/// Counts calls in flight and remembers when the last one ended, for the
/// inactivity timeout (reset by every request, unlike upstream's timer that
/// starts once at process start).
public final class ActivityTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var inFlight = 0
    private var lastActivity = ContinuousClock.now

    public init() {}

    public func begin() {
        lock.lock(); inFlight += 1; lastActivity = .now; lock.unlock()
    }

    public func end() {
        lock.lock(); inFlight -= 1; lastActivity = .now; lock.unlock()
    }

    /// How long nothing has happened (zero while a call runs).
    public var idleFor: Duration {
        lock.lock(); defer { lock.unlock() }
        return inFlight > 0 ? .zero : ContinuousClock.now - lastActivity
    }
}
