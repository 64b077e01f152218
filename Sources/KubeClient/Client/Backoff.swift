/// Exponential backoff with jitter: each failure doubles the delay up to a cap;
/// the delay is drawn from [base/2, base] so clients do not retry in step.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    private(set) var failures = 0

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait before the next attempt; counts one more failure.
    public mutating func next() -> Duration {
        let base = min(initial * (1 << min(failures, 30)), maximum)
        failures += 1
        let ms = Double(base.components.seconds) * 1000 + Double(base.components.attoseconds) / 1e15
        return .milliseconds(Int64(Double.random(in: (ms / 2)...max(ms, ms / 2 + 0.001))))
    }

    public mutating func reset() { failures = 0 }
}
