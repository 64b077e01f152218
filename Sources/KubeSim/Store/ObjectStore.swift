import Foundation
import NIOConcurrencyHelpers

/// All objects kubesim holds, with one global resourceVersion counter, a
/// bounded event history for watch resumption, and the registered watchers.
/// Every operation runs under one lock, so each write is atomic and events
/// reach each watcher in resourceVersion order.
public final class ObjectStore: @unchecked Sendable {
    let lock = NIOLock()
    var rv: Int64 = 0
    /// Served types by "group/version/plural".
    var types: [String: ResourceType] = [:]
    /// Objects by storage key ("group/plural"), then "namespace/name".
    var buckets: [String: [String: JSON]] = [:]
    var history: [StoredEvent] = []
    var historyCapacity: Int
    /// Events with a resourceVersion at or below this are gone from the history.
    var compactedThrough: Int64 = 0
    var watchers: [Int: Watcher] = [:]
    var nextWatcherID = 0
    /// Owner uid → dependents (storage key, object key).
    var dependents: [String: Set<ObjectRef>] = [:]
    /// uid → where the object lives.
    var byUID: [String: ObjectRef] = [:]
    var snapshots: [String: ListSnapshot] = [:]
    var snapshotOrder: [String] = []
    let openShift: Bool
    /// The compiled RBAC objects; nil after any of them changes.
    var rbacCache: RBACPolicy?
    /// Every change since persistence last took them, in order; nil when
    /// nothing persists the store.
    var journal: [Change]?

    /// One committed change, as persistence writes it: the object now, or nil once deleted.
    struct Change {
        var rv: Int64
        var storageKey: String
        var key: String
        var object: JSON?
    }

    struct ObjectRef: Hashable {
        var storageKey: String
        var key: String
    }

    struct ListSnapshot {
        var rv: Int64
        var keys: [String]
        var bucket: [String: JSON]
    }

    public init(openShift: Bool = false, historyCapacity: Int = 10_000) {
        self.openShift = openShift
        self.historyCapacity = max(historyCapacity, 1)
        for t in BuiltinTypes.all(openShift: openShift) { register(t) }
        for ns in BuiltinTypes.initialNamespaces {
            var o: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]]
            o = prepareNew(o, type: types["/v1/namespaces"]!, namespace: "")
            commit(storageKey: "/namespaces", key: ns, type: "ADDED", object: o, old: nil)
        }
    }

    // MARK: types

    func register(_ t: ResourceType) {
        types["\(t.group)/\(t.version)/\(t.plural)"] = t
        if buckets[t.storageKey] == nil { buckets[t.storageKey] = [:] }
    }

    /// The served type for a URL's group, version and resource.
    public func type(group: String, version: String, plural: String) -> ResourceType? {
        lock.withLock { types["\(group)/\(version)/\(plural)"] }
    }

    public func allTypes() -> [ResourceType] {
        lock.withLock { Array(types.values) }
    }

    /// The current global resourceVersion.
    public var currentResourceVersion: Int64 { lock.withLock { rv } }

    public func setHistoryCapacity(_ n: Int) {
        lock.withLock {
            historyCapacity = max(n, 1)
            trimHistory()
        }
    }

    // MARK: the write path

    /// Stores (or removes, for DELETED) one object under a new resourceVersion,
    /// records the event and delivers it to watchers.
    @discardableResult
    func commit(storageKey: String, key: String, type: String, object: JSON, old: JSON?) -> JSON {
        rv += 1
        if storageKey.hasPrefix("rbac.authorization.k8s.io/") { rbacCache = nil }
        var o = object
        var m = o["metadata"] ?? [:]
        m["resourceVersion"] = .string(String(rv))
        o["metadata"] = m
        if type == "DELETED" {
            buckets[storageKey]?[key] = nil
        } else {
            buckets[storageKey, default: [:]][key] = o
        }
        updateDependents(storageKey: storageKey, key: key, old: old ?? (type == "DELETED" ? o : nil),
                         new: type == "DELETED" ? nil : o)
        let ns = ObjectMeta.namespace(o)
        history.append(StoredEvent(rv: rv, storageKey: storageKey, namespace: ns, type: type, object: o, old: old))
        journal?.append(Change(rv: rv, storageKey: storageKey, key: key, object: type == "DELETED" ? JSON?.none : o))
        trimHistory()
        var encoded: [String: [UInt8]] = [:]
        for w in watchers.values where w.storageKey == storageKey {
            deliver(to: w, type: type, object: o, old: old, cache: &encoded)
        }
        return o
    }

    func trimHistory() {
        if history.count > historyCapacity {
            let drop = history.count - historyCapacity
            compactedThrough = history[drop - 1].rv
            history.removeFirst(drop)
        }
    }

    /// Translates a change into what this watcher should see: a MODIFIED object
    /// that leaves its selection is DELETED for it, one that enters is ADDED.
    func deliver(to w: Watcher, type: String, object: JSON, old: JSON?) {
        var cache: [String: [UInt8]] = [:]
        deliver(to: w, type: type, object: object, old: old, cache: &cache)
    }

    /// `cache` holds each event type's encoded line, so fan-out encodes once.
    func deliver(to w: Watcher, type: String, object: JSON, old: JSON?, cache: inout [String: [UInt8]]) {
        let now = w.selects(object)
        var seen: String? = nil
        switch type {
        case "MODIFIED":
            let before = old.map(w.selects) ?? false
            if now && before { seen = "MODIFIED" } else if now { seen = "ADDED" } else if before { seen = "DELETED" }
        default:
            if now { seen = type }
        }
        guard let seen else { return }
        var e = WatchEvent(type: seen, object: object)
        if let c = cache[seen] { e.encoded = c } else {
            let l = e.line
            cache[seen] = l
            e.encoded = l
        }
        w.sink.yield(e)
    }

    func updateDependents(storageKey: String, key: String, old: JSON?, new: JSON?) {
        let ref = ObjectRef(storageKey: storageKey, key: key)
        if let new { byUID[ObjectMeta.uid(new)] = ref } else if let old { byUID[ObjectMeta.uid(old)] = nil }
        for u in old.map(ObjectMeta.ownerUIDs) ?? [] {
            dependents[u]?.remove(ref)
            if dependents[u]?.isEmpty == true { dependents[u] = nil }
        }
        for u in new.map(ObjectMeta.ownerUIDs) ?? [] { dependents[u, default: []].insert(ref) }
    }

    // MARK: reads

    public func get(_ t: ResourceType, namespace: String, name: String) throws -> JSON {
        try lock.withLock {
            guard let o = buckets[t.storageKey]?[ObjectMeta.key(namespace: t.namespaced ? namespace : "", name: name)] else {
                throw APIError.notFound(t, name)
            }
            return o
        }
    }

    /// One page of a list.
    public struct ListResult: Sendable {
        public var items: [JSON]
        public var resourceVersion: Int64
        public var continueToken: String?
        public var remaining: Int?
    }

    public func list(_ t: ResourceType, namespace: String?, labels: LabelSelector, fields: FieldSelector?,
                     limit: Int?, continueToken: String?) throws -> ListResult
    {
        try lock.withLock {
            var snap: ListSnapshot
            var start = 0
            var id: String
            if let continueToken, !continueToken.isEmpty {
                guard let data = Data(base64Encoded: continueToken), let tok = try? JSON.parse(data),
                    let sid = tok["id"]?.string, let s = tok["start"]?.int
                else { throw APIError.badRequest("continue key is not valid: \(continueToken)") }
                guard let found = snapshots[sid] else {
                    throw APIError(code: 410, reason: "Expired",
                                   message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
                }
                snap = found
                start = Int(s)
                id = sid
            } else {
                let bucket = buckets[t.storageKey] ?? [:]
                let keys: [String]
                if let namespace, t.namespaced {
                    let prefix = namespace + "/"
                    keys = bucket.keys.filter { $0.hasPrefix(prefix) }.sorted()
                } else {
                    keys = bucket.keys.sorted()
                }
                snap = ListSnapshot(rv: rv, keys: keys, bucket: bucket)
                id = ""
            }
            var items: [JSON] = []
            var i = start
            let max = (limit ?? 0) > 0 ? limit! : Int.max
            while i < snap.keys.count && items.count < max {
                let o = snap.bucket[snap.keys[i]]!
                i += 1
                if !labels.isEverything && !labels.matches(ObjectMeta.labels(o)) { continue }
                if let fields, !fields.matches(o) { continue }
                items.append(o)
            }
            var token: String? = nil
            if i < snap.keys.count {
                if id.isEmpty {
                    id = UUID().uuidString
                    snapshots[id] = snap
                    snapshotOrder.append(id)
                    if snapshotOrder.count > 32 { snapshots[snapshotOrder.removeFirst()] = nil }
                }
                let tok: JSON = ["id": .string(id), "start": .int(Int64(i)), "rv": .int(snap.rv)]
                token = Data(tok.serialized()).base64EncodedString()
            }
            return ListResult(items: items, resourceVersion: snap.rv, continueToken: token,
                              remaining: token == nil ? nil : snap.keys.count - i)
        }
    }

    // MARK: watch

    /// Registers a watch and returns its id, the events it must see first and
    /// the stream of what follows. A resourceVersion older than the history
    /// throws 410 Gone.
    public func watch(_ t: ResourceType, namespace: String?, labels: LabelSelector, fields: FieldSelector?,
                      resourceVersion: String?) throws -> (id: Int, stream: AsyncStream<WatchEvent>)
    {
        let (stream, cont) = AsyncStream<WatchEvent>.makeStream(bufferingPolicy: .unbounded)
        let w = Watcher(storageKey: t.storageKey, namespace: t.namespaced ? namespace : nil, labels: labels,
                        fields: fields, sink: cont)
        let id: Int = try lock.withLock {
            if let rvText = resourceVersion, !rvText.isEmpty, rvText != "0" {
                guard let from = Int64(rvText) else { throw APIError.badRequest("invalid resourceVersion \"\(rvText)\"") }
                if from < compactedThrough {
                    throw APIError.gone("too old resource version: \(from) (\(compactedThrough + 1))")
                }
                if from > rv { throw APIError.tooLargeResourceVersion(from, current: rv) }
                let startIdx = history.firstIndex { $0.rv > from } ?? history.count
                for e in history[startIdx...] where e.storageKey == t.storageKey {
                    deliver(to: w, type: e.type, object: e.object, old: e.old)
                }
            } else {
                let bucket = buckets[t.storageKey] ?? [:]
                for k in bucket.keys.sorted() {
                    let o = bucket[k]!
                    if w.selects(o) { cont.yield(WatchEvent(type: "ADDED", object: o)) }
                }
            }
            nextWatcherID += 1
            watchers[nextWatcherID] = w
            return nextWatcherID
        }
        return (id, stream)
    }

    public func stopWatch(_ id: Int) {
        let w = lock.withLock { watchers.removeValue(forKey: id) }
        w?.sink.finish()
    }

    /// Sends a BOOKMARK carrying the current resourceVersion, in order with the watch's events.
    public func bookmark(_ id: Int, kind: String, apiVersion: String) {
        lock.withLock {
            guard let w = watchers[id] else { return }
            w.sink.yield(WatchEvent(type: "BOOKMARK", object: [
                "kind": .string(kind), "apiVersion": .string(apiVersion),
                "metadata": ["resourceVersion": .string(String(rv))],
            ]))
        }
    }

    /// Ends every open watch (fault injection: the client must resume).
    public func cutAllWatches() {
        let all = lock.withLock { () -> [Watcher] in
            let a = Array(watchers.values)
            watchers.removeAll()
            return a
        }
        for w in all { w.sink.finish() }
    }

    public var watcherCount: Int { lock.withLock { watchers.count } }
}
