import Foundation
import NIOConcurrencyHelpers

/// A client-side token bucket (client-go's QPS and burst): each request takes
/// a token; tokens refill at `qps` per second up to `burst`.
public final class RateLimiter: Sendable {
    private struct State { var tokens: Double; var last: ContinuousClock.Instant }
    private let qps: Double
    private let burst: Double
    private let state: NIOLockedValueBox<State>

    public init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = Double(max(burst, 1))
        self.state = NIOLockedValueBox(State(tokens: Double(max(burst, 1)), last: .now))
    }

    /// Waits until a token is free.
    public func acquire() async throws {
        guard qps > 0 else { return }
        let wait: Double = state.withLockedValue { s in
            let now = ContinuousClock.now
            let elapsed = now - s.last
            let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            s.tokens = min(burst, s.tokens + secs * qps)
            s.last = now
            s.tokens -= 1
            return s.tokens >= 0 ? 0 : -s.tokens / qps
        }
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
    }
}
