/// When a user object's condition is written, given the one it shows: a new
/// type at once (an end state — success, a failure, deletion trouble — is
/// never held back), a new message under the same type at most once per
/// `interval`, and the last such message when the interval is over (the
/// reconciler comes back then). On 1,000 nodes reporting over 20 s that is a
/// NotYetLoaded write every interval instead of one per node. Pure.
public struct StatusWritePolicy: Sendable, Equatable {
    public enum Verdict: Equatable, Sendable {
        case unchanged
        case write
        /// Same type, new message, too soon: come back after this long.
        case later(Duration)
    }

    public var interval: Duration

    public init(interval: Duration = .seconds(2)) { self.interval = interval }

    public func decide(shown: (type: String, message: String)?, desired: (type: String, message: String),
                       lastWrite: ContinuousClock.Instant?, now: ContinuousClock.Instant) -> Verdict {
        guard let shown else { return .write }
        if shown == desired { return .unchanged }
        guard shown.type == desired.type, let lastWrite else { return .write }
        let due = lastWrite.advanced(by: interval)
        return now >= due ? .write : .later(due - now)
    }
}
