import Foundation
import KubeClient
import Synchronization

/// A shared cache of one kind, kept by list+watch (selectors applied on the
/// server, so it holds only what the process needs), with indexes and
/// add/update/delete handlers. Deletes missed while disconnected are found
/// on relist and reported with the last known object (a tombstone).
public final class Informer<T: KubeResource>: Sendable {
    public typealias Indexer = @Sendable (T) -> [String]

    /// Callbacks for changes; all run in order on the informer's task.
    public struct Handler: Sendable {
        public var onAdd: @Sendable (T) -> Void
        public var onUpdate: @Sendable (_ old: T, _ new: T) -> Void
        public var onDelete: @Sendable (T) -> Void

        public init(onAdd: @escaping @Sendable (T) -> Void = { _ in }, onUpdate: @escaping @Sendable (T, T) -> Void = { _, _ in },
                    onDelete: @escaping @Sendable (T) -> Void = { _ in })
        {
            self.onAdd = onAdd
            self.onUpdate = onUpdate
            self.onDelete = onDelete
        }
    }

    private struct State {
        var objects: [ObjectKey: T] = [:]
        var indexes: [String: [String: Set<ObjectKey>]] = [:]
        var handlers: [Handler] = []
        var synced = false
        var lists = 0
    }

    public let client: KubeClient
    public let namespace: String?
    public let labelSelector: String?
    public let fieldSelector: String?
    public let resyncPeriod: Duration?
    private let indexers: [String: Indexer]
    private let state = Mutex(State())

    public init(client: KubeClient, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                indexers: [String: Indexer] = [:], resyncPeriod: Duration? = nil)
    {
        self.client = client
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resyncPeriod = resyncPeriod
        var all = indexers
        all["namespace"] = { [$0.metadata.namespace ?? ""] }
        self.indexers = all
    }

    public func addHandler(_ h: Handler) {
        let existing = state.withLock { s -> [T] in
            s.handlers.append(h)
            return Array(s.objects.values)
        }
        for o in existing { h.onAdd(o) }
    }

    /// True once the first list is in the cache.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    public func get(namespace: String? = nil, name: String) -> T? {
        state.withLock { $0.objects[ObjectKey(namespace: namespace, name: name)] }
    }

    public func list() -> [T] { state.withLock { Array($0.objects.values) } }

    /// Objects whose indexer gave `value` (the built-in index "namespace" is always there).
    public func byIndex(_ index: String, _ value: String) -> [T] {
        state.withLock { s in (s.indexes[index]?[value] ?? []).compactMap { s.objects[$0] } }
    }

    public var count: Int { state.withLock { $0.objects.count } }

    /// How many full lists the cache was built from (1 plus the relists).
    public var lists: Int { state.withLock { $0.lists } }

    /// Keeps the cache until the task is cancelled.
    public func run() async throws {
        let lw = ListWatcher<T>(client: client, resource: T.resource, namespace: namespace, labelSelector: labelSelector,
                                fieldSelector: fieldSelector)
        let resync: Task<Void, Never>? = resyncPeriod.map { period in
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: period)
                    self?.resyncAll()
                }
            }
        }
        defer { resync?.cancel() }
        for try await e in lw.events() {
            switch e {
            case .listed(let items, _): replace(items)
            case .event(.added(let o)), .event(.modified(let o)): upsert(o)
            case .event(.deleted(let o)): remove(o)
            case .event(.bookmark): break
            }
        }
    }

    /// Waits until the first list is in.
    public func waitForSync() async {
        while !hasSynced { try? await Task.sleep(for: .milliseconds(20)) }
    }

    static func key(_ o: T) -> ObjectKey { ObjectKey(namespace: o.metadata.namespace, name: o.metadata.name ?? "") }

    private func index(_ s: inout State, _ o: T, add: Bool) {
        let k = Informer.key(o)
        for (name, f) in indexers {
            for v in f(o) {
                if add { s.indexes[name, default: [:]][v, default: []].insert(k) } else { s.indexes[name]?[v]?.remove(k) }
            }
        }
    }

    private func upsert(_ o: T) {
        let (old, handlers) = state.withLock { s -> (T?, [Handler]) in
            let k = Informer.key(o)
            let old = s.objects[k]
            if let old { index(&s, old, add: false) }
            s.objects[k] = o
            index(&s, o, add: true)
            return (old, s.handlers)
        }
        for h in handlers { if let old { h.onUpdate(old, o) } else { h.onAdd(o) } }
    }

    private func remove(_ o: T) {
        let (last, handlers) = state.withLock { s -> (T?, [Handler]) in
            let k = Informer.key(o)
            guard let old = s.objects.removeValue(forKey: k) else { return (nil, s.handlers) }
            index(&s, old, add: false)
            return (old, s.handlers)
        }
        for h in handlers { h.onDelete(last ?? o) }
    }

    /// A (re)list: objects no longer listed were deleted while we were away.
    private func replace(_ items: [T]) {
        let fresh = Dictionary(items.map { (Informer.key($0), $0) }, uniquingKeysWith: { _, b in b })
        let gone = state.withLock { s in s.objects.filter { fresh[$0.key] == nil }.map(\.value) }
        for o in gone { remove(o) }
        for o in items {
            let same = state.withLock { $0.objects[Informer.key(o)]?.metadata.resourceVersion == o.metadata.resourceVersion }
            if !same { upsert(o) }
        }
        state.withLock {
            $0.synced = true
            $0.lists += 1
        }
    }

    private func resyncAll() {
        let (objs, handlers) = state.withLock { (Array($0.objects.values), $0.handlers) }
        for o in objs { for h in handlers { h.onUpdate(o, o) } }
    }
}
