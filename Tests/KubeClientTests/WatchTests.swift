import Foundation
@testable import KubeClient
import KubeController
import KubeSim
import TestHelpers
import Testing

/// Watch framing, and a list-watch loop that keeps an exact mirror through
/// cut watches and a compacted history.
@Suite("KubeClient watches", .serialized)
struct WatchTests {
    @Test func linesSplitAtEveryByteBoundaryDecodeTheSame() throws {
        let text = #"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}"# + "\n"
            + #"{"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"9"}}}"# + "\n"
            + #"{"type":"DELETED","object":{"metadata":{"name":"é","resourceVersion":"10"}}}"#
        let bytes = Array(text.utf8)
        func decodeAll(_ chunks: [[UInt8]]) throws -> [String] {
            var d = WatchLineDecoder()
            var lines: [[UInt8]] = []
            for c in chunks { lines += d.feed(c) }
            if let last = d.finish() { lines.append(last) }
            return lines.map { String(decoding: $0, as: UTF8.self) }
        }
        let whole = try decodeAll([bytes])
        #expect(whole.count == 3)
        // And the lines decode to the events they carry.
        let events = try whole.map { try WatchEvent<DynamicObject>.decode(Array($0.utf8)) }
        guard events.count == 3, case .added(let a) = events[0], case .bookmark(let rv) = events[1], case .deleted(let d) = events[2] else {
            Issue.record("wrong events: \(events)")
            return
        }
        #expect(a.name == "a" && rv == "9" && d.name == "é" && d.resourceVersion == "10")
        for i in 0...bytes.count {
            for j in i...bytes.count {
                let parts = [Array(bytes[..<i]), Array(bytes[i..<j]), Array(bytes[j...])]
                #expect(try decodeAll(parts) == whole, "split at \(i),\(j)")
            }
        }
    }

    @Test func listWatchKeepsAnExactMirror() async throws {
        try await ClientHarness.with({ $0.historySize = 300; $0.bookmarkInterval = .milliseconds(500) }) { h in
            let store = h.sim.store
            let t = store.type(group: "", version: "v1", plural: "configmaps")!
            func cm(_ i: Int, _ v: Int) -> JSON {
                ["metadata": ["name": .string("m\(i)")], "data": ["v": .string(String(v))]]
            }
            for i in 0..<1000 { _ = try store.create(t, namespace: "default", body: cm(i, 0)) }

            var lw = ListWatcher<ConfigMap>(client: h.client, resource: ConfigMap.resource, namespace: "default")
            lw.watchTimeoutSeconds = 30
            let events = lw.events()
            let mirror = MirrorCache()
            let consumer = Task {
                for try await e in events { try mirror.apply(e) }
            }
            // An informer over the same objects, whose handlers must never see an object go backwards.
            let informer = Informer<ConfigMap>(client: h.client, namespace: "default")
            let backwards = Tracker()
            informer.addHandler(.init(onUpdate: { old, new in
                if (Int(new.resourceVersion) ?? 0) < (Int(old.resourceVersion) ?? 0) { backwards.begin(new.name); backwards.end(new.name) }
            }))
            let informerRun = Task { try await informer.run() }
            // Churn: creates, updates and deletes, cutting the watch five times and
            // letting the small history compact so a resume gets 410 and relists.
            for round in 0..<6 {
                for i in (round * 200)..<(round * 200 + 200) { _ = try store.create(t, namespace: "default", body: cm(1000 + i, 0)) }
                for i in stride(from: round, to: 1000, by: 7) {
                    guard var o = try? store.get(t, namespace: "default", name: "m\(i)") else { continue }
                    o["data"] = ["v": .string(String(round + 1))]
                    _ = try store.update(t, namespace: "default", name: "m\(i)", body: o)
                }
                for i in stride(from: round * 11, to: 1000, by: 97) { _ = try? store.delete(t, namespace: "default", name: "m\(i)") }
                if round < 5 { store.cutAllWatches() }
                if round == 3 {
                    // Keep the watch down (500s, which it backs off from) while its
                    // resourceVersion is pushed out of the history; its resume gets 410.
                    h.sim.faults.add(.init(watch: true, status: 500))
                    store.cutAllWatches()
                    for i in 0..<400 { _ = try store.create(t, namespace: "default", body: cm(5000 + i, 0)) }
                    try await Task.sleep(for: .milliseconds(300))
                    h.sim.faults.clear()
                }
                try await Task.sleep(for: .milliseconds(300))
            }
            let truth = try store.list(t, namespace: "default", labels: .init(), fields: nil, limit: nil, continueToken: nil)
            let want = Dictionary(uniqueKeysWithValues: truth.items.map {
                ($0["metadata"]!["name"]!.string!, $0["metadata"]!["resourceVersion"]!.string!)
            })
            var converged = false
            for _ in 0..<300 {
                if mirror.snapshot() == want { converged = true; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            var informerConverged = false
            for _ in 0..<300 {
                let have = Dictionary(uniqueKeysWithValues: informer.list().map { ($0.name, $0.resourceVersion) })
                if have == want { informerConverged = true; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            consumer.cancel()
            informerRun.cancel()
            #expect(informerConverged, "the informer's cache equals a fresh list (\(informer.count) vs \(want.count))")
            #expect(informer.lists >= 2 && backwards.processed.isEmpty, "relisted \(informer.lists) times; backwards: \(backwards.processed.prefix(3))")
            #expect(converged, "mirror has \(mirror.snapshot().count) objects, truth \(want.count)")
            #expect(mirror.relists >= 2, "the compacted history forced a relist (\(mirror.relists) lists)")
            #expect(mirror.wentBackwards.isEmpty, "no object went backwards: \(mirror.wentBackwards.prefix(5))")
        }
    }
}

/// A test mirror fed by ListWatcher events.
final class MirrorCache: @unchecked Sendable {
    private let lock = NSLock()
    private var objects: [String: String] = [:]
    private(set) var relists = 0
    private(set) var wentBackwards: [String] = []

    func apply(_ e: ListWatchEvent<ConfigMap>) throws {
        lock.lock(); defer { lock.unlock() }
        switch e {
        case .listed(let items, _):
            relists += 1
            objects = Dictionary(uniqueKeysWithValues: items.map { ($0.name, $0.resourceVersion) })
        case .event(.added(let o)), .event(.modified(let o)):
            if let old = objects[o.name], (Int(old) ?? 0) > (Int(o.resourceVersion) ?? 0) { wentBackwards.append(o.name) }
            objects[o.name] = o.resourceVersion
        case .event(.deleted(let o)):
            objects[o.name] = nil
        case .event(.bookmark):
            break
        }
    }

    func snapshot() -> [String: String] {
        lock.lock(); defer { lock.unlock() }
        return objects
    }
}

@Suite("ListWatcher against a server whose watches end at once")
struct WatchBackoffTests {
    /// A plain HTTP server that lists one empty ConfigMapList and ends every
    /// watch the moment it starts (as a server going down does); it counts the watches.
    static let server = #"""
    import http.server, json, sys, threading
    count = 0
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        def log_message(self, *a): pass
        def do_GET(self):
            global count
            if "watch=" in self.path:
                count += 1
                self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers(); return
            if self.path.startswith("/count"):
                body = str(count).encode()
            else:
                body = json.dumps({"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": []}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body)
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(s.server_address[1], flush=True)
    s.serve_forever()
    """#

    @Test("watches that end straight away are retried with backoff, not in a hot loop")
    func backoff() async throws {
        let server = try ScriptServer(Self.server)
        defer { server.stop() }
        let client = try server.client()
        let lw = ListWatcher<ConfigMap>(client: client, resource: ConfigMap.resource, namespace: "default")
        let task = Task { for try await _ in lw.events() {} }
        try await Task.sleep(for: .seconds(3))
        task.cancel()
        let counted = try await client.send(.GET, "/count")
        try await client.shutdown()
        let watches = Int(String(decoding: counted, as: UTF8.self)) ?? -1
        print("watches in 3 s against a server that ends each at once: \(watches)")
        // Backoff from 100 ms doubling: about five; a hot loop makes hundreds.
        #expect(watches > 0 && watches < 20, "\(watches) watches")
    }
}

@Suite("ListWatcher against a server behind the resourceVersion it holds")
struct WatchTooLargeTests {
    /// A plain HTTP server whose list says resourceVersion 1000 and whose
    /// every watch answers 504 "Too large resource version", as an API server
    /// whose data was reset does; it counts the lists.
    static let server = #"""
    import http.server, json, sys
    lists = 0
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        def log_message(self, *a): pass
        def reply(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body)
        def do_GET(self):
            global lists
            if "watch=" in self.path:
                self.reply(504, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Timeout", "code": 504,
                                 "message": "Timeout: Too large resource version: 1000, current: 3",
                                 "details": {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}], "retryAfterSeconds": 1}})
            elif self.path.startswith("/count"):
                self.reply(200, lists)
            else:
                lists += 1
                self.reply(200, {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {"resourceVersion": "1000"}, "items": []})
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(s.server_address[1], flush=True)
    s.serve_forever()
    """#

    @Test("a watch refused as 'Too large resource version' makes the list-watch relist, not retry the same resourceVersion")
    func relistsOnTooLarge() async throws {
        let server = try ScriptServer(Self.server)
        defer { server.stop() }
        let client = try server.client()
        let lw = ListWatcher<ConfigMap>(client: client, resource: ConfigMap.resource, namespace: "default")
        let listed = Counter()
        let task = Task { for try await e in lw.events() { if case .listed = e { listed.add() } } }
        try await eventually(within: .seconds(5), every: .milliseconds(100)) { listed.value >= 3 }
        task.cancel()
        let counted = try await client.send(.GET, "/count")
        try await client.shutdown()
        #expect(listed.value >= 3, "the list-watch listed \(listed.value) times; the server counted \(String(decoding: counted, as: UTF8.self))")
    }
}

/// A count shared between tasks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    func add() { lock.lock(); n += 1; lock.unlock() }
}

/// A Python HTTP server run for one test: it prints its port on its first
/// line; `stop` kills it (SIGKILL: children of the test runner may ignore SIGTERM).
struct ScriptServer {
    let process: Process
    let port: Int

    init(_ script: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let line = String(data: out.fileHandleForReading.availableData, encoding: .utf8) ?? ""
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(p.processIdentifier, SIGKILL)
            throw TestServerError.didNotStart
        }
        self.port = port
    }

    /// A client for it, without rate limits.
    func client() throws -> KubeClient {
        var config = ClusterConfig(server: "http://127.0.0.1:\(port)")
        config.qps = 0
        return try KubeClient(config: config)
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    enum TestServerError: Error { case didNotStart }
}
