import Foundation
import NIOConcurrencyHelpers

/// Keeps the store in `<dir>/state.json` so a restarted kubesim has the same
/// objects and resourceVersion. Writes are batched (at most a few a second)
/// and done atomically (write + rename).
final class Persistence: Sendable {
    let file: String
    let store: ObjectStore
    private let dirty = NIOLockedValueBox(false)
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(directory: String, store: ObjectStore) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.file = directory + "/state.json"
        self.store = store
        store.onChange = { [dirty] in dirty.withLockedValue { $0 = true } }
    }

    func load() throws {
        guard let data = FileManager.default.contents(atPath: file) else { return }
        try store.importState(try JSON.parse(data))
    }

    func startFlushing() {
        let t = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                self?.flushIfDirty()
            }
        }
        task.withLockedValue { $0 = t }
    }

    func flushIfDirty() {
        let was = dirty.withLockedValue { d -> Bool in let w = d; d = false; return w }
        if was { flush() }
    }

    func flush() {
        let state = store.exportState()
        let tmp = file + ".tmp"
        if FileManager.default.createFile(atPath: tmp, contents: Data(state.serialized())) {
            _ = rename(tmp, file)
        }
    }

    deinit { task.withLockedValue { $0?.cancel() } }
}

extension ObjectStore {
    /// Every object with its storage key, plus the resourceVersion counter.
    func exportState() -> JSON {
        lock.withLock {
            var objects: [JSON] = []
            for (sk, bucket) in buckets {
                for (k, o) in bucket { objects.append(["storageKey": .string(sk), "key": .string(k), "object": o]) }
            }
            return ["resourceVersion": .int(rv), "objects": .array(objects)]
        }
    }

    func importState(_ state: JSON) throws {
        lock.withLock {
            let objects = state["objects"]?.array ?? []
            buckets = [:]
            byUID = [:]
            dependents = [:]
            for t in types.values { buckets[t.storageKey] = [:] }
            // CRDs first, so their resources are served when the rest arrive.
            let crdKey = "apiextensions.k8s.io/customresourcedefinitions"
            for e in objects.sorted(by: { ($0["storageKey"]?.string == crdKey ? 0 : 1) < ($1["storageKey"]?.string == crdKey ? 0 : 1) }) {
                guard let sk = e["storageKey"]?.string, let k = e["key"]?.string, let o = e["object"] else { continue }
                buckets[sk, default: [:]][k] = o
                updateDependents(storageKey: sk, key: k, old: nil, new: o)
                if sk == crdKey { serveCRD(o) }
            }
            rv = state["resourceVersion"]?.int ?? rv
            compactedThrough = rv
            history = []
        }
    }
}
