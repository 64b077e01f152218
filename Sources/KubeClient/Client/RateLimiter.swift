import Synchronization

/// A token bucket (client-go's QPS and burst): each request, or each work
/// queue add, takes a token; tokens refill at `qps` per second up to `burst`.
public final class RateLimiter: Sendable {
    private struct State { var tokens: Double; var last: ContinuousClock.Instant }
    private let qps: Double
    private let burst: Double
    private let state: Mutex<State>

    public init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = Double(max(burst, 1))
        self.state = Mutex(State(tokens: Double(max(burst, 1)), last: .now))
    }

    /// Takes a token; how long to wait before using it (zero when one was free).
    public func reserve() -> Duration {
        guard qps > 0 else { return .zero }
        return state.withLock { s in
            let now = ContinuousClock.now
            let elapsed = now - s.last
            let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            s.tokens = min(burst, s.tokens + secs * qps)
            s.last = now
            s.tokens -= 1
            return s.tokens >= 0 ? .zero : .milliseconds(Int64(-s.tokens / qps * 1000))
        }
    }

    /// Waits until a token is free.
    public func acquire() async throws {
        let wait = reserve()
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}
