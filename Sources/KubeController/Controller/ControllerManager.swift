import KubeClient

/// A process's caches and controllers (controller-runtime's manager): every
/// informer starts, all of them sync, then the controllers run, until the
/// task is cancelled.
public struct ControllerManager: Sendable {
    private var starts: [@Sendable () async throws -> Void] = []
    private var syncs: [@Sendable () async -> Void] = []
    private var controllers: [Controller] = []

    public init() {}

    /// An informer whose cache must be filled before any controller runs.
    public mutating func cache<T: KubeResource>(_ informer: Informer<T>) {
        starts.append { try await informer.run() }
        syncs.append { await informer.waitForSync() }
    }

    public mutating func add(_ controller: Controller) { controllers.append(controller) }

    /// Runs until cancelled; `ready` is called once every cache has synced.
    public func run(ready: @escaping @Sendable () -> Void = {}) async throws {
        try await withThrowingTaskGroup(of: Void.self) { g in
            for start in starts { g.addTask { try await start() } }
            for sync in syncs { await sync() }
            ready()
            for c in controllers { g.addTask { await c.run() } }
            try await g.next()
            g.cancelAll()
        }
    }
}
