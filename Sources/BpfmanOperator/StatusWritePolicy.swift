import BpfmanAPI

/// When a user object's condition is written, given the one it shows: a new
/// type at once (an end state — success, a failure, deletion trouble — is
/// never held back), a new message under the same type at most once per
/// `interval`, and the last such message when the interval is over (the
/// reconciler comes back then). On 1,000 nodes reporting over 20 s that is a
/// NotYetLoaded write every interval instead of one per node. An object that
/// shows no condition yet gets NotYetLoaded only once `firstReportGrace` has
/// passed since the operator first saw it: agents that report within it
/// leave one condition write (the end state) instead of two. Pure.
public struct StatusWritePolicy: Sendable, Equatable {
    public enum Verdict: Equatable, Sendable {
        case unchanged
        case write
        /// Not yet: come back after this long.
        case later(Duration)
    }

    public var interval: Duration
    public var firstReportGrace: Duration

    public init(interval: Duration = .seconds(2), firstReportGrace: Duration = .seconds(2)) {
        self.interval = interval
        self.firstReportGrace = firstReportGrace
    }

    /// `firstSeen`: when this operator first reconciled the object (nil: no grace).
    public func decide(shown: (type: String, message: String)?, desired: (type: String, message: String),
                       lastWrite: ContinuousClock.Instant?, firstSeen: ContinuousClock.Instant? = nil,
                       now: ContinuousClock.Instant) -> Verdict {
        guard let shown else {
            if desired.type == ProgramConditionType.notYetLoaded.rawValue, let firstSeen {
                let due = firstSeen.advanced(by: firstReportGrace)
                if now < due { return .later(due - now) }
            }
            return .write
        }
        if shown == desired { return .unchanged }
        guard shown.type == desired.type, let lastWrite else { return .write }
        let due = lastWrite.advanced(by: interval)
        return now >= due ? .write : .later(due - now)
    }

    /// Whether a change of condition type is worth an Event: a failure, or
    /// the end of one. The ordinary way in (none or NotYetLoaded, then
    /// ReconcileSuccess) is told by the condition alone.
    public static func isEventWorthy(from old: String?, to new: ProgramConditionType) -> Bool {
        guard old != new.rawValue else { return false }
        let failures: Set<String> = [ProgramConditionType.reconcileError.rawValue, ProgramConditionType.deleteError.rawValue]
        return failures.contains(new.rawValue) || old.map(failures.contains) == true
    }
}
