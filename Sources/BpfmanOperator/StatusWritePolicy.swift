import BpfmanAPI

/// When a user object's condition is written, given the one it shows: a new
/// type at once (an end state — success, a failure, deletion trouble — is
/// never held back); a new message under the same type (progress: "412 of
/// 1000 nodes reported") only once the interval since this operator's last
/// write has passed, an interval that doubles with each such write (2 s, 4 s,
/// 8 s … up to `maxInterval`), and the last message when it is over (the
/// reconciler comes back then). So the writes on one object grow with the
/// logarithm of how long its nodes take to report, not with the number of
/// nodes. An object that shows no condition yet gets NotYetLoaded only once
/// `firstReportGrace` has passed since the operator first saw it: agents that
/// report within it leave one condition write (the end state). Pure.
public struct StatusWritePolicy: Sendable, Equatable {
    public enum Verdict: Equatable, Sendable {
        case unchanged
        case write
        /// Not yet: come back after this long.
        case later(Duration)
    }

    /// What the policy remembers of one object: when this operator first saw
    /// it, and its last write of the object's condition.
    public struct Pace: Sendable, Equatable {
        public var firstSeen: ContinuousClock.Instant
        public var lastWrite: LastWrite?

        public init(firstSeen: ContinuousClock.Instant, lastWrite: LastWrite? = nil) {
            self.firstSeen = firstSeen; self.lastWrite = lastWrite
        }

        /// After writing `type` at `now`.
        public mutating func wrote(_ type: String, at now: ContinuousClock.Instant) {
            lastWrite = lastWrite?.next(type, at: now) ?? LastWrite(at: now, type: type)
        }
    }

    /// This operator's last write of an object's condition.
    public struct LastWrite: Sendable, Equatable {
        public var at: ContinuousClock.Instant
        public var type: String
        /// Writes in a row under `type`, this one included.
        public var count: Int

        public init(at: ContinuousClock.Instant, type: String, count: Int = 1) {
            self.at = at; self.type = type; self.count = count
        }

        /// The record after writing `type` at `now`.
        public func next(_ type: String, at now: ContinuousClock.Instant) -> LastWrite {
            LastWrite(at: now, type: type, count: type == self.type ? count + 1 : 1)
        }
    }

    public var interval: Duration
    public var maxInterval: Duration
    public var firstReportGrace: Duration

    public init(interval: Duration = .seconds(2), maxInterval: Duration = .seconds(32), firstReportGrace: Duration = .seconds(2)) {
        self.interval = interval
        self.maxInterval = maxInterval
        self.firstReportGrace = firstReportGrace
    }

    /// `firstSeen`: when this operator first reconciled the object (nil: no grace).
    public func decide(shown: (type: String, message: String)?, desired: (type: String, message: String),
                       lastWrite: LastWrite?, firstSeen: ContinuousClock.Instant? = nil,
                       now: ContinuousClock.Instant) -> Verdict {
        guard let shown else {
            if desired.type == ProgramConditionType.notYetLoaded.rawValue, let firstSeen {
                let due = firstSeen.advanced(by: firstReportGrace)
                if now < due { return .later(due - now) }
            }
            return .write
        }
        if shown == desired { return .unchanged }
        guard shown.type == desired.type, let lastWrite, lastWrite.type == desired.type else { return .write }
        let due = lastWrite.at.advanced(by: wait(after: lastWrite.count))
        return now >= due ? .write : .later(due - now)
    }

    /// How long a new message waits after the `count`-th write in a row under one type.
    func wait(after count: Int) -> Duration {
        min(interval * (1 << min(max(count - 1, 0), 20)), maxInterval)
    }

    /// Whether a change of condition type is worth an Event: a failure, or
    /// the end of one. The ordinary way in (none or NotYetLoaded, then
    /// ReconcileSuccess) is told by the condition alone.
    public static func isEventWorthy(from old: String?, to new: ProgramConditionType) -> Bool {
        guard old != new.rawValue else { return false }
        return new.isFailure || old.flatMap(ProgramConditionType.init(rawValue:))?.isFailure == true
    }
}
