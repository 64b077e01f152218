import AsyncHTTPClient
import Foundation
import KubeClient
import KubeController
import KubeSim
import NIOCore
import NIOHTTP1

/// `make bench` for the Kubernetes side: kubesim create throughput, list
/// latency at 10k objects and watch fan-out to 50 watchers; the client's
/// informer memory per object and list+watch setup time; work-queue
/// throughput. Prints figures; asserts nothing.
@main
struct KubeBench {
    static func main() async throws {
        var o = KubeSim.Options()
        o.tls = false
        o.historySize = 50_000
        let sim = try await KubeSim.start(o)
        var cfg = HTTPClient.Configuration()
        cfg.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 128
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: cfg)
        let base = sim.url + "/api/v1/namespaces/default/configmaps"
        print("kubesim bench (plain HTTP on loopback; build with -c release for figures worth comparing)")

        func cm(_ name: String) -> ByteBuffer {
            ByteBuffer(bytes: JSON.object(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": ["bench": "yes"]],
                                           "data": ["key": "value"]]).serialized())
        }
        func send(_ method: HTTPMethod, _ url: String, _ body: ByteBuffer? = nil) async throws -> (UInt, Int) {
            var r = HTTPClientRequest(url: url)
            r.method = method
            if let body { r.headers.add(name: "Content-Type", value: "application/json"); r.body = .bytes(body) }
            let resp = try await http.execute(r, timeout: .seconds(120))
            let b = try await resp.body.collect(upTo: 1 << 30)
            return (resp.status.code, b.readableBytes)
        }

        // 1. Create throughput over HTTP, 8 clients in parallel.
        let creates = 10_000
        var t0 = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { g in
            for c in 0..<8 {
                g.addTask {
                    for i in stride(from: c, to: creates, by: 8) {
                        let (code, _) = try await send(.POST, base, cm(String(format: "cm-%05d", i)))
                        if code != 201 { throw NSError(domain: "bench", code: Int(code)) }
                    }
                }
            }
            try await g.waitForAll()
        }
        var dt = ContinuousClock.now - t0
        print(String(format: "create: %d ConfigMaps over HTTP (8 clients) in %.2f s = %.0f creates/s", creates, seconds(dt), Double(creates) / seconds(dt)))

        // 2. List latency at 10k objects.
        var full: [Double] = []
        var bytes = 0
        for _ in 0..<5 {
            t0 = ContinuousClock.now
            let (_, n) = try await send(.GET, base)
            full.append(seconds(ContinuousClock.now - t0) * 1000)
            bytes = n
        }
        var paged: [Double] = []
        for _ in 0..<5 {
            t0 = ContinuousClock.now
            var cont = ""
            repeat {
                var r = HTTPClientRequest(url: base + "?limit=500" + (cont.isEmpty ? "" : "&continue=" + (cont.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")))
                r.method = .GET
                let resp = try await http.execute(r, timeout: .seconds(120))
                let b = try await resp.body.collect(upTo: 1 << 30)
                cont = (try? JSON.parse(b.readableBytesView))?["metadata"]?["continue"]?.string ?? ""
            } while !cont.isEmpty
            paged.append(seconds(ContinuousClock.now - t0) * 1000)
        }
        print(String(format: "list: 10000 objects, one page: median %.1f ms (%d KiB); 20 pages of 500: median %.1f ms", median(full), bytes / 1024, median(paged)))
        let sel = ContinuousClock.now
        _ = try await send(.GET, base + "?labelSelector=bench%3Dno")
        print(String(format: "list: label selector matching none of 10000: %.1f ms", seconds(ContinuousClock.now - sel) * 1000))

        // 3. Watch fan-out: 50 watchers, 1000 events each.
        let watchers = 50, events = 1000
        let startRV = sim.store.currentResourceVersion
        let ready = AsyncStream<Void>.makeStream()
        t0 = ContinuousClock.now
        let finished = try await withThrowingTaskGroup(of: ContinuousClock.Instant.self) { g in
            for _ in 0..<watchers {
                g.addTask {
                    var r = HTTPClientRequest(url: base + "?watch=true&resourceVersion=\(startRV)")
                    r.method = .GET
                    let resp = try await http.execute(r, timeout: .seconds(300))
                    ready.continuation.yield()
                    var seen = 0
                    for try await chunk in resp.body {
                        seen += chunk.readableBytesView.reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) }
                        if seen >= events { break }
                    }
                    return ContinuousClock.now
                }
            }
            var n = 0
            for await _ in ready.stream { n += 1; if n == watchers { break } }
            t0 = ContinuousClock.now
            let t = sim.store.type(group: "", version: "v1", plural: "configmaps")!
            for i in 0..<events {
                _ = try sim.store.create(t, namespace: "default", body: JSON.parse(Array(cm(String(format: "w-%05d", i)).readableBytesView)))
            }
            var last = t0
            for try await d in g { last = max(last, d) }
            return last
        }
        dt = finished - t0
        let delivered = Double(watchers * events)
        print(String(format: "watch: %d events to each of %d watchers: all delivered in %.2f s = %.0f events/s delivered", events, watchers, seconds(dt), delivered / seconds(dt)))

        print("memory: RSS \(rssKB()) kB with \(creates + events) objects and their event history")
        try await authorizationFigures(sim, http: http, base: base)
        try await http.shutdown()

        try await clientFigures(sim)
        await sim.stop()
        try await queueFigures()
    }

    /// What RBAC costs a request: the same GETs unchecked (no user: the
    /// insecure port) and as a ServiceAccount authorized among 50 ClusterRoles
    /// and bindings, and a few namespaced ones.
    static func authorizationFigures(_ sim: KubeSim, http: HTTPClient, base: String) async throws {
        func post(_ url: String, _ body: JSON) async throws -> JSON {
            var r = HTTPClientRequest(url: url)
            r.method = .POST
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(bytes: body.serialized()))
            let resp = try await http.execute(r, timeout: .seconds(60))
            return try JSON.parse(try await resp.body.collect(upTo: 1 << 20).readableBytesView)
        }
        let rbac = sim.url + "/apis/rbac.authorization.k8s.io/v1"
        for i in 0..<50 {
            _ = try await post(rbac + "/clusterroles", ["metadata": ["name": .string("noise-\(i)")],
                                                        "rules": [["apiGroups": [.string("x\(i).io")], "resources": ["things"], "verbs": ["get"]]]])
            _ = try await post(rbac + "/clusterrolebindings", [
                "metadata": ["name": .string("noise-\(i)")],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string("noise-\(i)")],
                "subjects": [["kind": "ServiceAccount", "name": .string("other-\(i)"), "namespace": "default"]]])
        }
        _ = try await post(rbac + "/clusterroles", ["metadata": ["name": "bench-reader"],
                                                    "rules": [["apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]]]])
        _ = try await post(rbac + "/clusterrolebindings", [
            "metadata": ["name": "bench-reader"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "bench-reader"],
            "subjects": [["kind": "ServiceAccount", "name": "bench", "namespace": "default"]]])
        _ = try await post(sim.url + "/api/v1/namespaces/default/serviceaccounts", ["metadata": ["name": "bench"]])
        let tr = try await post(sim.url + "/api/v1/namespaces/default/serviceaccounts/bench/token", ["spec": [:]])
        let token = tr["status"]?["token"]?.string ?? ""
        func gets(_ token: String?) async throws -> Double {
            let n = 500
            let t0 = ContinuousClock.now
            for _ in 0..<n {
                var r = HTTPClientRequest(url: base + "/cm-00001")
                if let token { r.headers.add(name: "Authorization", value: "Bearer \(token)") }
                let resp = try await http.execute(r, timeout: .seconds(60))
                guard resp.status == .ok else { throw NSError(domain: "bench", code: Int(resp.status.code)) }
                _ = try await resp.body.collect(upTo: 1 << 20)
            }
            return Double(n) / seconds(ContinuousClock.now - t0)
        }
        // Rounds alternate so drift in the machine's speed hits both alike; medians of 9.
        _ = try await gets(nil)
        var open: [Double] = [], checked: [Double] = []
        for _ in 0..<9 {
            open.append(try await gets(nil))
            checked.append(try await gets(token))
        }
        print(String(format: "authorization: GET of one ConfigMap, one client, median of 9 rounds of 500: %.0f/s unchecked, %.0f/s as a ServiceAccount under RBAC (51 ClusterRoleBindings): %+.1f%%",
                     median(open), median(checked), (median(checked) / median(open) - 1) * 100))
    }

    static func rssKB() -> Int {
        let s = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = s.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    struct CM: KubeResource {
        static let resource = ResourceInfo(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true)
        var metadata: ObjectMeta
        var data: [String: String]?
    }

    /// Informer memory per cached object and list+watch setup time.
    static func clientFigures(_ sim: KubeSim) async throws {
        var config = ClusterConfig(server: sim.url)
        config.qps = 0
        let client = try KubeClient(config: config)
        let t = sim.store.type(group: "", version: "v1", plural: "configmaps")!
        for (ns, n) in [("bench-1k", 1000), ("bench-10k", 10_000)] {
            _ = try sim.store.create(sim.store.type(group: "", version: "v1", plural: "namespaces")!, namespace: "",
                                     body: ["metadata": ["name": .string(ns)]])
            for i in 0..<n {
                _ = try sim.store.create(t, namespace: ns, body: ["metadata": ["name": .string("o\(i)"), "labels": ["app": "bench"]],
                                                                  "data": ["key": "value"]])
            }
            let before = rssKB()
            let start = ContinuousClock.now
            let informer = Informer<CM>(client: client, namespace: ns)
            let run = Task { try await informer.run() }
            await informer.waitForSync()
            let setup = ContinuousClock.now - start
            let after = rssKB()
            print(String(format: "informer: %d objects listed and watched in %.0f ms; about %d bytes of memory per cached object (RSS delta)",
                         n, seconds(setup) * 1000, max(after - before, 0) * 1024 / n))
            run.cancel()
        }
        try await client.shutdown()
    }

    /// Work-queue throughput: adds and get/done cycles with 4 workers.
    static func queueFigures() async throws {
        let q = WorkQueue<Int>(name: "bench", qps: 1e9, burst: 1_000_000)
        let n = 100_000
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { g in
            g.addTask { for i in 0..<n { await q.add(i % 1000) } ; await q.shutDown() }
            for _ in 0..<4 {
                g.addTask { while let k = await q.get() { await q.done(k) } }
            }
        }
        let dt = ContinuousClock.now - start
        print(String(format: "work queue: %d adds of 1000 keys through 4 workers in %.2f s = %.0f adds/s", n, seconds(dt), Double(n) / seconds(dt)))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
}
