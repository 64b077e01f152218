import Foundation
@testable import KubeSim
import Testing

/// kubesim's data directory: a snapshot plus a log of changes, so a flush
/// costs what changed (as etcd writes the keys a request touched), and a
/// store loaded from it has every object and the resourceVersion counter.
@Suite("kubesim persistence")
struct PersistenceTests {
    let dir = NSTemporaryDirectory() + "kubesim-persist-\(UUID())"

    func fileSize(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }

    /// A store persisted in `dir`, loaded from what is there.
    func open() throws -> (ObjectStore, Persistence) {
        let store = ObjectStore()
        let p = try Persistence(directory: dir, store: store)
        try p.load()
        return (store, p)
    }

    static func configMap(_ name: String, blob: Int = 0) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)],
         "data": ["blob": .string(String(repeating: "x", count: blob))]]
    }

    @Test("a change after the snapshot is one appended line, not the store again; a reopened store has it all")
    func flushWritesWhatChanged() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (store, p) = try open()
        let cm = try #require(store.type(group: "", version: "v1", plural: "configmaps"))
        for i in 0..<20 { _ = try store.create(cm, namespace: "default", body: Self.configMap("big-\(i)", blob: 64 * 1024)) }
        p.flush()
        #expect(fileSize(p.changesFile) > 20 * 64 * 1024, "the 20 creates are in the change log")
        _ = try store.create(cm, namespace: "default", body: Self.configMap("first"))
        p.flush()
        #expect(fileSize(p.changesFile) == 0, "a log of more than 1 MiB and more than the snapshot is folded into it")
        let snapshot = fileSize(p.snapshotFile)
        #expect(snapshot > 20 * 64 * 1024)

        _ = try store.create(cm, namespace: "default", body: Self.configMap("small"))
        _ = try store.delete(cm, namespace: "default", name: "big-3")
        p.flush()
        let added = fileSize(p.changesFile)
        #expect(added > 0 && added < 4096, "two small changes appended \(added) bytes")
        #expect(fileSize(p.snapshotFile) == snapshot, "the snapshot was rewritten for a small change")
        p.flush()
        #expect(fileSize(p.changesFile) == added, "a flush with nothing new wrote something")

        let (again, _) = try open()
        #expect(again.currentResourceVersion == store.currentResourceVersion)
        #expect(try again.get(cm, namespace: "default", name: "small")["data"]?["blob"] == "")
        #expect(throws: APIError.self) { try again.get(cm, namespace: "default", name: "big-3") }
        #expect(try again.get(cm, namespace: "default", name: "big-19")["data"]?["blob"]?.string?.count == 64 * 1024)
    }

    @Test("a log grown past its snapshot is folded into a new one; lines a crash left behind the snapshot are skipped, a torn last line ends the replay")
    func compactionAndCrashes() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (store, p) = try open()
        let cm = try #require(store.type(group: "", version: "v1", plural: "configmaps"))
        // Rewrite one object of 256 KiB until the log outgrows the snapshot and 1 MiB.
        _ = try store.create(cm, namespace: "default", body: Self.configMap("churn", blob: 256 * 1024))
        p.flush()
        var folded = false
        for i in 0..<8 {
            var o = try store.get(cm, namespace: "default", name: "churn")
            o["data"] = ["blob": .string(String(repeating: "\(i)", count: 256 * 1024))]
            _ = try store.update(cm, namespace: "default", name: "churn", body: o)
            p.flush()
            if fileSize(p.changesFile) == 0 { folded = true }
        }
        #expect(folded, "the change log was never folded into a snapshot")
        #expect(fileSize(p.changesFile) < 2 << 20)

        // A crash between the snapshot's rename and the log's truncation leaves old lines: replay skips them.
        let stale = #"{"key":"default/churn","rv":1,"storageKey":"/configmaps","deleted":true}"# + "\n"
        // Then a line cut short, and a good line after it that was never acknowledged.
        let torn = #"{"key":"default/late","rv":999999,"storageKey":"/configmaps","object":{"#
        let log = try #require(FileHandle(forWritingAtPath: p.changesFile))
        log.seekToEndOfFile()
        log.write(Data((stale + torn + "\n").utf8))
        try log.close()
        let (again, _) = try open()
        #expect(try again.get(cm, namespace: "default", name: "churn")["data"]?["blob"]?.string?.first == "7")
        #expect(throws: APIError.self) { try again.get(cm, namespace: "default", name: "late") }
        #expect(again.currentResourceVersion == store.currentResourceVersion)
    }
}
