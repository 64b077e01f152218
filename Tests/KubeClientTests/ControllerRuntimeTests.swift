import Foundation
import KubeClient
@testable import KubeController
import KubeSim
import Metrics
import Prometheus
import TestHelpers
import Testing

/// One metrics system per test process (swift-metrics allows one bootstrap).
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let r = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: r))
        return r
    }()
}

/// A Pod with just what the tests need.
struct Pod: KubeResource {
    static let resource = ResourceInfo(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true)
    var apiVersion = "v1"
    var kind = "Pod"
    var metadata: ObjectMeta
    var spec: Spec
    struct Spec: Codable, Sendable { var nodeName: String?; var containers: [[String: String]] = [] }
}

@Suite("controller runtime", .serialized)
struct ControllerRuntimeTests {
    init() { _ = TestMetrics.registry }

    @Test func backoffDoublesFrom5msTo1000s() {
        var s = WorkQueueState<String>()
        let delays = (0..<5).map { _ in s.failureDelay("k") }
        #expect(delays == [.milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(80)])
        for _ in 0..<30 { _ = s.failureDelay("k") }
        #expect(s.failureDelay("k") == .seconds(1000))
        s.forget("k")
        #expect(s.failureDelay("k") == .milliseconds(5))
        // A key added while processing waits until done, then goes back in line once.
        #expect(s.add("a") && s.next() == "a")
        #expect(!s.add("a") && !s.add("a"))
        #expect(s.next() == nil)
        #expect(s.done("a") && s.next() == "a")
    }

    @Test func queueDedupesNeverRunsAKeyTwiceAtOnceAndDrains() async throws {
        let q = WorkQueue<String>(name: "test-dedupe")
        let tracker = Tracker()
        for i in 0..<1000 { await q.add("key\(i % 10)") }
        #expect(await q.depth == 10, "1000 adds of 10 keys queue 10")
        await withTaskGroup(of: Void.self) { g in
            for _ in 0..<4 {
                g.addTask {
                    while let k = await q.get() {
                        tracker.begin(k)
                        try? await Task.sleep(for: .milliseconds(2))
                        if Int.random(in: 0..<3) == 0 { await q.add(k) }   // re-added while processing
                        tracker.end(k)
                        await q.done(k)
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(300))
            await q.add("late")
            await q.shutDown()
        }
        #expect(tracker.overlaps == 0, "a key was processed by two workers at once")
        #expect(Set(tracker.processed) == Set((0..<10).map { "key\($0)" } + ["late"]), "every key processed; shutdown drained")
        #expect(await q.get() == nil)
    }

    /// Fails one key `times` times as a worker would; the waits between its turns.
    static func failEvery(_ q: WorkQueue<String>, times: Int) async -> [Duration] {
        await q.add("bad")
        var seen: [ContinuousClock.Instant] = []
        for _ in 0..<times {
            guard let k = await q.get() else { break }
            seen.append(.now)
            await q.addRateLimited(k)
            await q.done(k)
        }
        return zip(seen.dropFirst(), seen).map { $0 - $1 }
    }

    @Test func failingKeyBacksOffExponentially() async throws {
        let q = WorkQueue<String>(name: "test-backoff", qps: 1000, burst: 1000)
        let gaps = await Self.failEvery(q, times: 6)
        #expect(await q.numRequeues("bad") == 6)
        // Each wait at least the backoff for that attempt: 5, 10, 20, 40, 80 ms.
        for (i, g) in gaps.enumerated() { #expect(g >= .milliseconds(5 << i), "gap \(i): \(g)") }
        await q.shutDown()
    }

    /// A queue told to back off otherwise (the agent's: 0.5 s → 5 min) does so.
    @Test func backoffIsTheQueuesOwn() async throws {
        var s = WorkQueueState<String>()
        let agent = Backoff(base: .milliseconds(500), cap: .seconds(300))
        let delays = (0..<11).map { _ in s.failureDelay("k", base: agent.base, cap: agent.cap) }
        #expect(delays == [0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map { Duration.milliseconds(Int($0 * 1000)) })
        let q = WorkQueue<String>(name: "test-own-backoff", qps: 1000, burst: 1000, backoff: Backoff(base: .milliseconds(40), cap: .milliseconds(100)))
        #expect(q.backoff.cap == .milliseconds(100))
        let gaps = await Self.failEvery(q, times: 5)
        for (i, g) in gaps.enumerated() { #expect(g >= min(.milliseconds(40 << i), .milliseconds(100)), "gap \(i): \(g)") }
        await q.shutDown()
    }

    @Test func fieldSelectedInformerHoldsOnlyItsNodesPods() async throws {
        try await ClientHarness.with { h in
            let t = h.sim.store.type(group: "", version: "v1", plural: "pods")!
            for i in 0..<5000 {
                _ = try h.sim.store.create(t, namespace: "default", body: ["metadata": ["name": .string("other-\(i)")],
                                                                           "spec": ["nodeName": .string("node-\(i % 7)"), "containers": []]])
            }
            for i in 0..<12 {
                _ = try h.sim.store.create(t, namespace: "default", body: ["metadata": ["name": .string("mine-\(i)")],
                                                                           "spec": ["nodeName": "node-x", "containers": []]])
            }
            let informer = Informer<Pod>(client: h.client, fieldSelector: "spec.nodeName=node-x",
                                         indexers: ["node": { [$0.spec.nodeName ?? ""] }])
            let adds = Tracker()
            informer.addHandler(.init(onAdd: { adds.begin($0.name); adds.end($0.name) }, onDelete: { adds.begin("deleted:" + $0.name); adds.end("") }))
            let run = Task { try await informer.run() }
            await informer.waitForSync()
            #expect(informer.count == 12 && informer.list().allSatisfy { $0.spec.nodeName == "node-x" })
            #expect(informer.byIndex("node", "node-x").count == 12 && informer.byIndex("namespace", "default").count == 12)
            // A later pod for this node arrives through the watch; a delete is seen.
            _ = try h.sim.store.create(t, namespace: "default", body: ["metadata": ["name": "mine-late"], "spec": ["nodeName": "node-x", "containers": []]])
            _ = try h.sim.store.delete(t, namespace: "default", name: "mine-0")
            try await eventually(within: .seconds(10), every: .milliseconds(20)) {
                informer.get(namespace: "default", name: "mine-late") != nil && informer.get(namespace: "default", name: "mine-0") == nil
            }
            #expect(informer.count == 12 && informer.get(namespace: "default", name: "mine-late") != nil)
            #expect(adds.processed.contains("deleted:mine-0"))
            run.cancel()
        }
    }

    @Test func controllerReconcilesOwnerOfChangedObjects() async throws {
        try await ClientHarness.with { h in
            let seen = Tracker()
            struct R: Reconciler {
                let seen: Tracker
                func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
                    seen.begin(key.description)
                    seen.end(key.description)
                    if key.name == "flaky" && seen.count(of: key.description) < 3 { throw NotYet() }
                    return .done
                }
            }
            let cms = Informer<ConfigMap>(client: h.client, namespace: "default")
            let ctl = Controller(name: "test-owner", reconciler: R(seen: seen), workers: 2)
            ctl.watches(cms)
            ctl.owns(cms, ownerKind: "Widget", ownerNamespaced: true)
            let runs = [Task { try await cms.run() }, Task { await ctl.run(); return }]
            var owned = ConfigMap("child")
            owned.metadata.ownerReferences = [OwnerReference(apiVersion: "example.io/v1", kind: "Widget", name: "parent", uid: "u1", controller: true)]
            _ = try await h.client.create(owned)
            _ = try await h.client.create(ConfigMap("flaky"))
            try await eventually(within: .seconds(20), every: .milliseconds(20)) {
                seen.count(of: "default/flaky") >= 3 && seen.count(of: "default/parent") >= 1
            }
            #expect(seen.count(of: "default/parent") >= 1, "the owner's key was reconciled")
            #expect(seen.count(of: "default/child") >= 1)
            #expect(seen.count(of: "default/flaky") >= 3, "a failing reconcile was retried with backoff")
            for r in runs { r.cancel() }
            let text = TestMetrics.registry.emitToString()
            #expect(text.contains(#"controller_runtime_reconcile_total{controller="test-owner"}"#), "\(text.prefix(400))")
            #expect(text.contains(#"workqueue_adds_total{name="test-owner"}"#))
        }
    }

    @Test func leaderElectionHandsOver() async throws {
        let clients = ClientBag()
        defer { Task { await clients.shutdown() } }
        try await ClientHarness.with { h in
            func elector(_ id: String, release: Bool = true) throws -> LeaderElector {
                var c = LeaderElector.Config(name: "bpfman-operator", namespace: "default", identity: id)
                c.leaseDuration = .seconds(3)
                c.renewDeadline = .seconds(2)
                c.retryPeriod = .milliseconds(200)
                c.releaseOnCancel = release
                return LeaderElector(client: clients.add(try KubeClient(config: h.client.config)), config: c)
            }
            let a = try elector("a"), b = try elector("b"), c = try elector("c", release: false)
            let leaders = Tracker()
            func campaign(_ e: LeaderElector) -> Task<Void, Never> {
                Task { await e.run { leaders.begin(e.config.identity); while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }; leaders.end(e.config.identity) } }
            }
            let ta = campaign(a)
            try await Task.sleep(for: .milliseconds(500))
            let tb = campaign(b)
            try await Task.sleep(for: .seconds(1))
            #expect(a.isLeader && !b.isLeader, "exactly one leads")
            #expect(leaders.overlaps == 0)
            // A clean shutdown releases the lease: b takes over well inside the lease time.
            ta.cancel()
            await ta.value
            let handover = ContinuousClock.now
            try await eventually(within: .seconds(5), every: .milliseconds(50)) { b.isLeader }
            #expect(b.isLeader && ContinuousClock.now - handover < .milliseconds(2500), "handed over before the 3 s lease ran out")
            // A leader that dies without releasing is replaced after the lease runs out.
            let tc = campaign(c)
            tb.cancel()
            await tb.value
            try await eventually(within: .seconds(5), every: .milliseconds(50)) { c.isLeader }
            #expect(c.isLeader)
            tc.cancel()
            await tc.value
            let crashedAt = ContinuousClock.now
            let td = campaign(try elector("d"))
            var dLead = false
            for _ in 0..<200 {
                let lease = try await h.client.get(Lease.self, namespace: "default", name: "bpfman-operator")
                if lease.spec?.holderIdentity == "d" { dLead = true; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(dLead && ContinuousClock.now - crashedAt >= .seconds(2), "the unreleased lease had to expire first")
            td.cancel()
            await td.value
            #expect(leaders.overlaps == 0, "never two leaders at once")
            await clients.shutdown()
        }
    }

    @Test func eventsAggregateRepeats() async throws {
        try await ClientHarness.with { h in
            let rec = EventRecorder(client: h.client, component: "bpfman-agent", host: "node-1")
            let cm = try await h.client.create(ConfigMap("subject"))
            for _ in 0..<5 { await rec.record(.init(cm), .warning, reason: "LoadFailed", message: "verifier said no") }
            await rec.record(.init(cm), .normal, reason: "Loaded", message: "ok")
            let events = try await h.client.list(ResourceInfo(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true),
                                                 namespace: "default", fieldSelector: "involvedObject.name=subject", as: DynamicObject.self)
            let counts = events.items.map { ($0["reason"]?.stringValue ?? "", $0["count"]) }.sorted { $0.0 < $1.0 }
            #expect(counts.count == 2 && counts[0].0 == "LoadFailed" && counts[0].1 == .number(5) && counts[1].1 == .number(1), "\(counts)")
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await ClientHarness.with { h in
            // Ready means: the caches have synced.
            let informer = Informer<ConfigMap>(client: h.client, namespace: "default")
            let server = HealthServer(registry: TestMetrics.registry, ready: { informer.hasSynced })
            let port = try await server.start(host: "127.0.0.1", port: 0)
            func get(_ path: String) async throws -> (Int32, String) {
                let r = try await Shell.runAsync("/usr/bin/curl", ["-s", "-o", "/dev/stdout", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
                let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                return (Int32(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
            }
            #expect(try await get("/healthz").0 == 200)
            #expect(try await get("/readyz").0 == 503, "not ready before the cache synced")
            let ctl = Controller(name: "metrics-probe", reconciler: Echo())
            ctl.watches(informer)
            let runs = [Task { try await informer.run() }, Task { await ctl.run(); return }]
            await informer.waitForSync()
            #expect(try await get("/readyz").0 == 200)
            _ = try await h.client.create(ConfigMap("poke"))
            var text = ""
            for _ in 0..<200 {
                text = try await get("/metrics").1
                if text.contains(#"controller_runtime_reconcile_total{controller="metrics-probe"}"#) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(text.contains(#"controller_runtime_reconcile_total{controller="metrics-probe"}"#), "reconcile metrics: \(text.prefix(300))")
            #expect(text.contains(#"workqueue_adds_total{name="metrics-probe"}"#) && text.contains("workqueue_depth"))
            // Prometheus text: every sample line is `name{labels} value`.
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.split(separator: " ").count == 2 && Double(line.split(separator: " ").last ?? "") != nil, "bad line: \(line)")
            }
            for r in runs { r.cancel() }
            await server.stop()
        }
    }
}

/// Records begin/end per key: what ran, and whether a key ever ran twice at once.
final class Tracker: @unchecked Sendable {
    private let lock = NSLock()
    private var running: Set<String> = []
    private(set) var processed: [String] = []
    private(set) var overlaps = 0
    func begin(_ k: String) {
        lock.lock(); defer { lock.unlock() }
        if !running.insert(k).inserted { overlaps += 1 }
        processed.append(k)
    }
    func end(_ k: String) { lock.lock(); running.remove(k); lock.unlock() }
    func count(of k: String) -> Int { lock.lock(); defer { lock.unlock() }; return processed.filter { $0 == k }.count }
}


/// Clients a test made, shut down before they are released.
final class ClientBag: @unchecked Sendable {
    private let lock = NSLock()
    private var clients: [KubeClient] = []
    func add(_ c: KubeClient) -> KubeClient { lock.withLock { clients.append(c) }; return c }
    func shutdown() async {
        let all = lock.withLock { () -> [KubeClient] in
            let a = clients
            clients = []
            return a
        }
        for c in all { try? await c.shutdown() }
    }
}

struct NotYet: Error {}

/// Leader election between real processes: one leads; a killed leader is
/// replaced once its lease runs out; a terminated one hands over at once.
@Suite("leader election between processes", .serialized)
struct LeaderProcessTests {
    static var probe: String { BuiltBinary.path("leader-election-probe") }

    func spawn(_ kubeconfig: String, _ id: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.probe)
        p.arguments = [kubeconfig, id, "4000"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func holder(_ h: ClientHarness) async -> String {
        ((try? await h.client.get(Lease.self, namespace: "default", name: "probe-lease"))?.spec?.holderIdentity) ?? ""
    }

    func waitFor(_ h: ClientHarness, _ id: String, within: Duration) async -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < within {
            if await holder(h) == id { return ContinuousClock.now - start }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test func oneLeadsAKilledLeaderIsReplacedATerminatedOneHandsOver() async throws {
        try await ClientHarness.with { h in
            let a = try spawn(h.kubeconfig, "proc-a")
            #expect(await waitFor(h, "proc-a", within: .seconds(10)) != nil)
            let b = try spawn(h.kubeconfig, "proc-b")
            try await Task.sleep(for: .seconds(1))
            #expect(await holder(h) == "proc-a", "exactly one leads: the first stays leader")

            // SIGKILL: no release, so b must wait for the 4 s lease to run out.
            kill(a.processIdentifier, SIGKILL)
            a.waitUntilExit()
            let took = await waitFor(h, "proc-b", within: .seconds(15))
            #expect(took != nil && took! >= .seconds(2), "b took over after the lease expired: \(String(describing: took))")

            // SIGTERM: b releases, c takes over well before a lease period.
            let c = try spawn(h.kubeconfig, "proc-c")
            try await Task.sleep(for: .milliseconds(500))
            #expect(await holder(h) == "proc-b")
            b.terminate()
            let handover = await waitFor(h, "proc-c", within: .seconds(15))
            #expect(handover != nil && handover! < .seconds(3), "a clean shutdown hands over at once: \(String(describing: handover))")
            b.waitUntilExit()
            #expect(b.terminationStatus == 0)
            c.terminate()
            c.waitUntilExit()
        }
    }
}

struct Echo: Reconciler {
    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult { .done }
}

