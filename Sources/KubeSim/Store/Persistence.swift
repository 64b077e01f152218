import Foundation
import Glibc
import NIOConcurrencyHelpers

/// Keeps the store in a data directory so a restarted kubesim has the same
/// objects and resourceVersion, writing what changed rather than everything,
/// as etcd writes the keys a request touched:
/// - `state.json`, a snapshot of every object and the resourceVersion
///   counter, written whole (temporary file + rename);
/// - `changes.jsonl`, one line per change after it (`rv`, `storageKey`,
///   `key`, and `object`, or `deleted`), appended at most a few times a
///   second. It is folded into a new snapshot once it outgrows the last one.
/// Loading reads the snapshot, then the lines newer than it; a line cut short
/// by a crash ends the replay.
final class Persistence: Sendable {
    let directory: String
    let store: ObjectStore
    var snapshotFile: String { directory + "/state.json" }
    var changesFile: String { directory + "/changes.jsonl" }
    /// Bytes of the last snapshot and of the change log since (the log is
    /// folded in when it is bigger than the snapshot and than 1 MiB).
    private let sizes = NIOLockedValueBox((snapshot: 0, changes: 0))
    private let writing = NIOLock()
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(directory: String, store: ObjectStore) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.store = store
        store.lock.withLock { store.journal = [] }
    }

    /// Restores what the directory holds; without a snapshot, writes one of
    /// the store as it is (its built-in namespaces), for changes to follow.
    func load() throws {
        guard let snapshot = FileManager.default.contents(atPath: snapshotFile) else {
            unlink(changesFile)
            writeSnapshot()
            return
        }
        var state = try JSON.parse(snapshot)
        let changes = FileManager.default.contents(atPath: changesFile) ?? Data()
        Self.replay(changes, onto: &state)
        try store.importState(state)
        store.lock.withLock { store.journal = [] }
        sizes.withLockedValue { $0 = (snapshot.count, changes.count) }
    }

    func startFlushing() {
        let t = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                self?.flush()
            }
        }
        task.withLockedValue { $0 = t }
    }

    /// Writes the changes made since the last flush, if any.
    func flush() {
        writing.withLock {
            let changes = store.lock.withLock { () -> [ObjectStore.Change] in
                defer { store.journal = [] }
                return store.journal ?? []
            }
            guard !changes.isEmpty else { return }
            let size = sizes.withLockedValue { $0 }
            if size.changes > max(size.snapshot, 1 << 20) {
                // The snapshot exported now holds every change drained above.
                writeSnapshot()
                return
            }
            var bytes: [UInt8] = []
            for e in changes {
                var line: [String: JSON] = ["rv": .int(e.rv), "storageKey": .string(e.storageKey), "key": .string(e.key)]
                if let o = e.object { line["object"] = o } else { line["deleted"] = .bool(true) }
                bytes += JSON.object(line).serialized()
                bytes.append(UInt8(ascii: "\n"))
            }
            let fd = open(changesFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return }
            defer { close(fd) }
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written > 0 { sizes.withLockedValue { $0.changes += written } }
        }
    }

    /// Everything, whole; the change log starts again empty.
    private func writeSnapshot() {
        let bytes = store.exportState().serialized()
        let tmp = snapshotFile + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)), rename(tmp, snapshotFile) == 0 else { return }
        // Lines left behind by a crash here are at or below the snapshot's resourceVersion: replay skips them.
        _ = truncate(changesFile, 0)
        sizes.withLockedValue { $0 = (bytes.count, 0) }
    }

    /// Applies the change lines newer than `state`'s resourceVersion, in order.
    static func replay(_ changes: Data, onto state: inout JSON) {
        let since = state["resourceVersion"]?.int ?? 0
        var rv = since
        var objects: [String: JSON] = [:]
        var order: [String] = []
        for e in state["objects"]?.array ?? [] {
            guard let sk = e["storageKey"]?.string, let k = e["key"]?.string else { continue }
            let id = sk + "\u{0}" + k
            if objects.updateValue(e, forKey: id) == nil { order.append(id) }
        }
        for line in changes.split(separator: UInt8(ascii: "\n")) {
            guard let e = try? JSON.parse(line), let r = e["rv"]?.int, let sk = e["storageKey"]?.string, let k = e["key"]?.string else {
                break  // cut short by a crash: nothing after it was written
            }
            guard r > since else { continue }
            rv = max(rv, r)
            let id = sk + "\u{0}" + k
            if e["deleted"]?.bool == true {
                // (A CRD goes after its objects: their deletions come first.)
                objects.removeValue(forKey: id)
            } else if let o = e["object"] {
                if objects.updateValue(["storageKey": .string(sk), "key": .string(k), "object": o], forKey: id) == nil { order.append(id) }
            }
        }
        state = ["resourceVersion": .int(rv), "objects": .array(order.compactMap { objects[$0] })]
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
