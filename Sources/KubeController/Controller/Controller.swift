import KubeClient
import Logging
import Metrics

/// What a reconcile asks for next.
public enum ReconcileResult: Sendable, Equatable {
    case done
    case requeueAfter(Duration)
    /// Try again with the key's backoff.
    case requeue
}

/// One kind's reconcile: read current state for the key, make it right.
/// A thrown error backs the key off.
public protocol Reconciler: Sendable {
    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult
}

/// Runs a reconciler over a work queue fed by informers. Its watches are
/// declared in one place: the primary kind, owned kinds (mapped through their
/// controller owner reference) and other kinds through mapping functions.
public final class Controller: Sendable {
    public let name: String
    public let queue: WorkQueue<ObjectKey>
    public let workers: Int
    let reconciler: any Reconciler
    let logger: Logger
    let reconciles: Counter
    let errors: Counter
    let timer: Metrics.Timer

    public init(name: String, reconciler: any Reconciler, workers: Int = 1, logger: Logger? = nil, backoff: Backoff = .controllerRuntime) {
        self.name = name
        self.reconciler = reconciler
        self.workers = max(workers, 1)
        self.queue = WorkQueue(name: name, backoff: backoff)
        self.logger = logger ?? Logger(label: "controller.\(name)")
        reconciles = Counter(label: "controller_runtime_reconcile_total", dimensions: [("controller", name)])
        errors = Counter(label: "controller_runtime_reconcile_errors_total", dimensions: [("controller", name)])
        timer = Metrics.Timer(label: "controller_runtime_reconcile_time_seconds", dimensions: [("controller", name)],
                              preferredDisplayUnit: .seconds)
    }

    /// The primary kind: each object's own key.
    public func watches<T: KubeResource>(_ informer: Informer<T>) {
        watches(informer) { [ObjectKey(namespace: $0.metadata.namespace, name: $0.metadata.name ?? "")] }
    }

    /// Owned objects: the key of their controlling owner of `ownerKind`.
    /// `added` and `updated` filter which adds and updates enqueue it.
    public func owns<T: KubeResource>(_ informer: Informer<T>, ownerKind: String, ownerNamespaced: Bool,
                                      added: (@Sendable (T) -> Bool)? = nil, updated: (@Sendable (T, T) -> Bool)? = nil) {
        watches(informer, added: added, updated: updated) { o in
            (o.metadata.ownerReferences ?? []).filter { $0.kind == ownerKind && $0.controller == true }
                .map { ObjectKey(namespace: ownerNamespaced ? o.metadata.namespace : nil, name: $0.name) }
        }
    }

    /// Any kind, mapped to the keys it concerns. `added` and `updated` filter
    /// adds and updates: only those they accept enqueue; deletes always do.
    public func watches<T: KubeResource>(_ informer: Informer<T>, added: (@Sendable (T) -> Bool)? = nil,
                                         updated: (@Sendable (T, T) -> Bool)? = nil,
                                         map: @escaping @Sendable (T) -> [ObjectKey]) {
        let q = queue
        let enqueue: @Sendable (T) -> Void = { o in
            let keys = map(o)
            Task { for k in keys { await q.add(k) } }
        }
        informer.addHandler(.init(onAdd: { o in
            if let added, !added(o) { return }
            enqueue(o)
        }, onUpdate: { old, new in
            if let updated, !updated(old, new) { return }
            enqueue(new)
            if old.metadata.resourceVersion != new.metadata.resourceVersion { enqueue(old) }
        }, onDelete: enqueue))
    }

    /// Queues one key: for an object no watch will report (one that went
    /// away while the process was down).
    public func enqueue(_ key: ObjectKey) {
        let q = queue
        Task { await q.add(key) }
    }

    /// Queues every object `informer` holds: for a change elsewhere (a Node's
    /// labels, where a daemon runs) that concerns all objects of the kind.
    public func enqueueAll<T: KubeResource>(_ informer: Informer<T>) {
        let q = queue
        Task { for o in informer.list() { await q.add(Informer<T>.key(o)) } }
    }

    /// Runs the workers until the task is cancelled; then lets them finish what is queued.
    public func run() async {
        let q = queue
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { g in
                for _ in 0..<workers { g.addTask { await self.work() } }
            }
        } onCancel: {
            Task { await q.shutDown() }
        }
    }

    private func work() async {
        while let key = await queue.get() {
            let start = ContinuousClock.now
            reconciles.increment()
            do {
                switch try await reconciler.reconcile(key) {
                case .done: await queue.forget(key)
                case .requeueAfter(let d):
                    await queue.forget(key)
                    queue.addAfter(key, d)
                case .requeue: await queue.addRateLimited(key)
                }
            } catch {
                errors.increment()
                logger.warning("reconcile failed, backing off", metadata: ["key": "\(key)", "error": "\(error)"])
                await queue.addRateLimited(key)
            }
            timer.recordNanoseconds(nanoseconds(ContinuousClock.now - start))
            await queue.done(key, started: start)
        }
    }
}
