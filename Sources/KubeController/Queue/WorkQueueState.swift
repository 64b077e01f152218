/// The work queue's decisions as a value type: which key a worker takes next,
/// what happens to a key added while it is being processed, how long a
/// failing key waits. The `WorkQueue` actor only executes them.
struct WorkQueueState<Key: Hashable & Sendable>: Sendable {
    private(set) var order: [Key] = []
    private var head = 0
    private(set) var queued: Set<Key> = []
    private(set) var processing: Set<Key> = []
    /// Keys added again while being processed: they go back in line when done.
    private(set) var dirty: Set<Key> = []
    private(set) var failures: [Key: Int] = [:]
    private(set) var shuttingDown = false

    var depth: Int { order.count - head }

    /// Adds a key unless it is already waiting; returns whether a worker should wake.
    mutating func add(_ key: Key) -> Bool {
        guard !shuttingDown else { return false }
        if processing.contains(key) {
            dirty.insert(key)
            return false
        }
        guard queued.insert(key).inserted else { return false }
        order.append(key)
        return true
    }

    /// The next key for a worker; it is processing until `done`.
    mutating func next() -> Key? {
        while head < order.count {
            let k = order[head]
            head += 1
            if head > 1024 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
            guard queued.remove(k) != nil else { continue }
            processing.insert(k)
            return k
        }
        return nil
    }

    /// A worker finished a key; returns true when it was re-added meanwhile and is queued again.
    mutating func done(_ key: Key) -> Bool {
        processing.remove(key)
        if dirty.remove(key) != nil {
            return add(key)
        }
        return false
    }

    /// client-go's per-item exponential backoff: base·2^failures, capped.
    mutating func failureDelay(_ key: Key, base: Duration = .milliseconds(5), cap: Duration = .seconds(1000)) -> Duration {
        let n = failures[key, default: 0]
        failures[key] = n + 1
        if n >= 40 { return cap }
        let d = base * (1 << n)
        return d > cap ? cap : d
    }

    mutating func forget(_ key: Key) { failures[key] = nil }
    func retries(_ key: Key) -> Int { failures[key, default: 0] }

    mutating func shutDown() { shuttingDown = true }
    var drained: Bool { shuttingDown && depth == 0 && processing.isEmpty }
}
