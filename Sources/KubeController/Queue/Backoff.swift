/// How a failing key backs off: base·2^failures, capped (client-go's per-item
/// exponential rate limiter). `controllerRuntime` is client-go's default.
public struct Backoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration, cap: Duration) {
        self.base = base
        self.cap = cap
    }

    public static let controllerRuntime = Backoff(base: .milliseconds(5), cap: .seconds(1000))
}
