import Foundation
import KubeClient
import Metrics

/// A de-duplicating, rate-limited work queue (controller-runtime's): a key is
/// queued once however often it is added, never handed to two workers at
/// once, and a failing key backs off exponentially (5 ms → 1000 s unless
/// told otherwise) combined with a global token bucket (10 per second, burst 100).
public actor WorkQueue<Key: Hashable & Sendable> {
    private var state = WorkQueueState<Key>()
    private var waiters: [CheckedContinuation<Key?, Never>] = []
    private var addedAt: [Key: ContinuousClock.Instant] = [:]
    private let bucket: RateLimiter
    public let name: String
    public nonisolated let backoff: Backoff

    private let depthGauge: Gauge
    private let adds: Counter
    private let retries: Counter
    private let latency: Metrics.Timer
    private let workDuration: Metrics.Timer

    public init(name: String, qps: Double = 10, burst: Int = 100, backoff: Backoff = .controllerRuntime) {
        self.name = name
        self.backoff = backoff
        self.bucket = RateLimiter(qps: qps, burst: burst)
        let dims = [("name", name)]
        depthGauge = Gauge(label: "workqueue_depth", dimensions: dims)
        adds = Counter(label: "workqueue_adds_total", dimensions: dims)
        retries = Counter(label: "workqueue_retries_total", dimensions: dims)
        latency = Metrics.Timer(label: "workqueue_queue_duration_seconds", dimensions: dims, preferredDisplayUnit: .seconds)
        workDuration = Metrics.Timer(label: "workqueue_work_duration_seconds", dimensions: dims, preferredDisplayUnit: .seconds)
    }

    public func add(_ key: Key) {
        adds.increment()
        if state.add(key) {
            if addedAt[key] == nil { addedAt[key] = .now }
            wake()
        }
        depthGauge.record(state.depth)
    }

    /// Adds the key after a delay.
    public nonisolated func addAfter(_ key: Key, _ delay: Duration) {
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.add(key)
        }
    }

    /// Adds a failed key after its backoff (the longer of its own and the global bucket's).
    public func addRateLimited(_ key: Key) {
        retries.increment()
        let own = state.failureDelay(key, base: backoff.base, cap: backoff.cap)
        let global = bucket.reserve()
        addAfter(key, max(own, global))
    }

    public func forget(_ key: Key) { state.forget(key) }
    public func numRequeues(_ key: Key) -> Int { state.retries(key) }
    public var depth: Int { state.depth }

    /// The next key, waiting for one; nil once shut down and drained.
    public func get() async -> Key? {
        if let k = take() { return k }
        if state.shuttingDown { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func take() -> Key? {
        guard let k = state.next() else { return nil }
        if let t = addedAt.removeValue(forKey: k) { latency.recordNanoseconds(nanoseconds(ContinuousClock.now - t)) }
        depthGauge.record(state.depth)
        return k
    }

    /// Marks a key finished, recording how long the work took.
    public func done(_ key: Key, started: ContinuousClock.Instant? = nil) {
        if let started { workDuration.recordNanoseconds(nanoseconds(ContinuousClock.now - started)) }
        if state.done(key) {
            addedAt[key] = .now
            wake()
        }
        if state.drained { release() }
    }

    /// Stops taking new keys; workers finish what is queued, then get nil.
    public func shutDown() {
        state.shutDown()
        if state.depth == 0 { release() }
    }

    private func wake() {
        while !waiters.isEmpty, let k = take() {
            waiters.removeFirst().resume(returning: k)
        }
    }

    private func release() {
        let w = waiters
        waiters = []
        for c in w { c.resume(returning: nil) }
    }
}

/// A duration in whole nanoseconds, for swift-metrics timers.
public func nanoseconds(_ d: Duration) -> Int64 {
    d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
}
