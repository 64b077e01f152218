import Foundation

extension ObjectStore {
    public enum Propagation: String, Sendable { case background = "Background", foreground = "Foreground", orphan = "Orphan" }

    /// Preconditions a delete may carry.
    public struct DeletePreconditions: Sendable {
        public var uid: String?
        public var resourceVersion: String?
        public init(uid: String? = nil, resourceVersion: String? = nil) {
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }

    /// Deletes an object. With finalizers (or foreground propagation, or a
    /// namespace or CRD with contents) it is only marked: deletionTimestamp is
    /// set and it goes once the last finalizer is removed.
    public func delete(_ t: ResourceType, namespace: String, name: String, propagation: Propagation? = nil,
                       preconditions: DeletePreconditions = DeletePreconditions(), dryRun: Bool = false) throws -> JSON
    {
        let r: JSON = try lock.withLock {
            let key = bucketKey(t, namespace, name)
            guard let old = buckets[t.storageKey]?[key] else { throw APIError.notFound(t, name) }
            if let u = preconditions.uid, u != ObjectMeta.uid(old) {
                throw APIError.conflict(t, name, "Precondition failed: UID in precondition: \(u), UID in object meta: \(ObjectMeta.uid(old))")
            }
            if let v = preconditions.resourceVersion, v != ObjectMeta.resourceVersion(old) {
                throw APIError.conflict(t, name, "Precondition failed: ResourceVersion in precondition: \(v), ResourceVersion in object meta: \(ObjectMeta.resourceVersion(old))")
            }
            if dryRun { return dryRunDeleted(old, storageKey: t.storageKey) }
            return deleteLocked(t.storageKey, key: key, propagation: propagation ?? .background)
        }
        return r
    }

    /// What a delete would answer, stored nowhere: an object the delete would
    /// only mark comes back marked (deletionTimestamp, generation bumped).
    func dryRunDeleted(_ old: JSON, storageKey: String) -> JSON {
        let waits = !ObjectMeta.finalizers(old).isEmpty || storageKey == "/namespaces"
            || storageKey == "apiextensions.k8s.io/customresourcedefinitions"
        guard waits, !ObjectMeta.isDeleting(old) else { return old }
        return Self.markedForDeletion(old)
    }

    /// An object whose deletion starts: deletionTimestamp set, and, as the real
    /// server does so generation-filtering consumers see it, the generation of
    /// an object that has one bumped; no grace period (only Pods have one).
    static func markedForDeletion(_ old: JSON) -> JSON {
        var o = old
        o.set(.string(ObjectMeta.now()), at: ["metadata", "deletionTimestamp"])
        if let g = old["metadata"]?["generation"]?.int, g > 0 { o.set(.int(g + 1), at: ["metadata", "generation"]) }
        o.set(.int(0), at: ["metadata", "deletionGracePeriodSeconds"])
        return o
    }

    func deleteLocked(_ storageKey: String, key: String, propagation: Propagation) -> JSON {
        guard let old = buckets[storageKey]?[key] else { return .null }
        var finalizers = ObjectMeta.finalizers(old)
        let uid = ObjectMeta.uid(old)
        let hasDependents = !(dependents[uid]?.isEmpty ?? true)
        if propagation == .foreground && hasDependents && !finalizers.contains("foregroundDeletion") {
            finalizers.append("foregroundDeletion")
        }
        if propagation == .orphan && hasDependents && !finalizers.contains("orphan") { finalizers.append("orphan") }
        let isNamespace = storageKey == "/namespaces"
        let isCRD = storageKey == "apiextensions.k8s.io/customresourcedefinitions"
        if isCRD && !finalizers.contains("customresourcecleanup.apiextensions.k8s.io") {
            finalizers.append("customresourcecleanup.apiextensions.k8s.io")
        }
        if finalizers.isEmpty && !isNamespace {
            return removeObject(storageKey: storageKey, key: key, last: old)
        }
        var o = old
        if !ObjectMeta.isDeleting(old) || finalizers != ObjectMeta.finalizers(old) {
            if !ObjectMeta.isDeleting(old) { o = Self.markedForDeletion(old) }
            o.set(finalizers.isEmpty ? nil : .array(finalizers.map(JSON.string)), at: ["metadata", "finalizers"])
            if isNamespace { o.set("Terminating", at: ["status", "phase"]) }
            o = commit(storageKey: storageKey, key: key, type: "MODIFIED", object: o, old: old)
        }
        // Work the deletion may start right away.
        if isNamespace { drainNamespace(ObjectMeta.name(o)) }
        if isCRD { drainCRD(o) }
        if finalizers.contains("orphan") { orphanDependents(of: o, storageKey: storageKey, key: key) }
        if finalizers.contains("foregroundDeletion") {
            for d in dependents[uid] ?? [] { deleteLocked(d.storageKey, key: d.key, propagation: .foreground) }
            finishForeground(storageKey: storageKey, key: key)
        }
        return buckets[storageKey]?[key] ?? o
    }

    /// Removes an object for good and lets its removal cascade.
    @discardableResult
    func removeObject(storageKey: String, key: String, last: JSON) -> JSON {
        let old = buckets[storageKey]?[key]
        let gone = commit(storageKey: storageKey, key: key, type: "DELETED", object: last, old: old)
        let uid = ObjectMeta.uid(gone)
        // Background garbage collection of dependents whose every owner is gone.
        for d in dependents[uid] ?? [] {
            guard let dep = buckets[d.storageKey]?[d.key] else { continue }
            let liveOwners = ObjectMeta.ownerUIDs(dep).filter { $0 != uid && ownerExists($0) }
            if liveOwners.isEmpty {
                deleteLocked(d.storageKey, key: d.key, propagation: .background)
            }
        }
        // Owners waiting in foreground deletion for this one.
        for ownerUID in ObjectMeta.ownerUIDs(gone) {
            if let ref = findByUID(ownerUID) { finishForeground(storageKey: ref.storageKey, key: ref.key) }
        }
        let ns = ObjectMeta.namespace(gone)
        if !ns.isEmpty, let nso = buckets["/namespaces"]?[ns], ObjectMeta.isDeleting(nso) { finishNamespace(ns) }
        if let crd = crdName(forStorageKey: storageKey),
            let c = buckets["apiextensions.k8s.io/customresourcedefinitions"]?[crd], ObjectMeta.isDeleting(c)
        {
            finishCRD(c)
        }
        if storageKey == "apiextensions.k8s.io/customresourcedefinitions" { unserveCRD(gone) }
        return gone
    }

    func ownerExists(_ uid: String) -> Bool { findByUID(uid) != nil }

    func findByUID(_ uid: String) -> ObjectRef? { byUID[uid] }

    func removeFinalizer(_ f: String, storageKey: String, key: String) {
        guard let o = buckets[storageKey]?[key], ObjectMeta.finalizers(o).contains(f) else { return }
        let rest = ObjectMeta.finalizers(o).filter { $0 != f }
        var n = o
        n.set(rest.isEmpty ? nil : .array(rest.map(JSON.string)), at: ["metadata", "finalizers"])
        if rest.isEmpty && ObjectMeta.isDeleting(n) {
            removeObject(storageKey: storageKey, key: key, last: n)
        } else {
            commit(storageKey: storageKey, key: key, type: "MODIFIED", object: n, old: o)
        }
    }

    func finishForeground(storageKey: String, key: String) {
        guard let o = buckets[storageKey]?[key], ObjectMeta.finalizers(o).contains("foregroundDeletion") else { return }
        if dependents[ObjectMeta.uid(o)]?.isEmpty ?? true {
            removeFinalizer("foregroundDeletion", storageKey: storageKey, key: key)
        }
    }

    func orphanDependents(of owner: JSON, storageKey: String, key: String) {
        let uid = ObjectMeta.uid(owner)
        for d in dependents[uid] ?? [] {
            guard let dep = buckets[d.storageKey]?[d.key] else { continue }
            var n = dep
            let refs = (dep["metadata"]?["ownerReferences"]?.array ?? []).filter { $0["uid"]?.string != uid }
            n.set(refs.isEmpty ? nil : .array(refs), at: ["metadata", "ownerReferences"])
            commit(storageKey: d.storageKey, key: d.key, type: "MODIFIED", object: n, old: dep)
        }
        removeFinalizer("orphan", storageKey: storageKey, key: key)
    }

    // MARK: namespaces

    func drainNamespace(_ ns: String) {
        let prefix = ns + "/"
        for (sk, bucket) in buckets {
            for k in bucket.keys where k.hasPrefix(prefix) {
                if let o = buckets[sk]?[k], !ObjectMeta.isDeleting(o) { deleteLocked(sk, key: k, propagation: .background) }
            }
        }
        finishNamespace(ns)
    }

    func finishNamespace(_ ns: String) {
        let prefix = ns + "/"
        let empty = buckets.values.allSatisfy { b in !b.keys.contains { $0.hasPrefix(prefix) } }
        guard empty, let nso = buckets["/namespaces"]?[ns] else { return }
        removeObject(storageKey: "/namespaces", key: ns, last: nso)
    }

    /// deletecollection: deletes every selected object, one by one.
    public func deleteCollection(_ t: ResourceType, namespace: String?, labels: LabelSelector, fields: FieldSelector?,
                                 propagation: Propagation? = nil, dryRun: Bool = false) throws -> [JSON]
    {
        let items = try list(t, namespace: namespace, labels: labels, fields: fields, limit: nil, continueToken: nil).items
        var out: [JSON] = []
        for o in items {
            if let d = try? delete(t, namespace: ObjectMeta.namespace(o), name: ObjectMeta.name(o), propagation: propagation,
                                   dryRun: dryRun)
            {
                out.append(d)
            }
        }
        return out
    }
}
