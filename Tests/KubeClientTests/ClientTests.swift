import Foundation
import KubeClient
import KubeSim
import Testing

/// The client against kubesim: auth and TLS, verbs, errors, retries.
@Suite("KubeClient against kubesim", .serialized)
struct ClientTests {
    let cm = ConfigMap.resource

    @Test func bearerTokenAndClientCertificateOverTLS() async throws {
        try await ClientHarness.with { h in
            let ns: DynamicObject = try await h.client.get(ResourceInfo(group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false), name: "default")
            #expect(ns.name == "default")
        }
        try await ClientHarness.with(clientCertificate: true) { h in
            #expect(h.client.config.clientCertificatePEM != nil && h.client.config.token == nil)
            let created = try await h.client.create(ConfigMap("by-cert", data: ["a": "b"]))
            #expect(created.metadata.uid != nil && created.data == ["a": "b"])
        }
    }

    @Test func wrongCertificateAuthorityIsRefusedWithAClearMessage() async throws {
        try await ClientHarness.with { h in
            var config = h.client.config
            config.caPEM = try CertificateAuthority().certificatePEM
            let other = try KubeClient(config: config, maxRetries: 0)
            defer { Task { try? await other.shutdown() } }
            do {
                _ = try await other.get(ConfigMap.self, namespace: "default", name: "x")
                Issue.record("a server signed by another CA was trusted")
            } catch let e as KubeError {
                #expect(e.reason == .transport && e.message.contains("not signed by the configured certificate-authority"), "\(e)")
            }
            var badToken = h.client.config
            badToken.token = "nope"
            let anon = try KubeClient(config: badToken, maxRetries: 0)
            defer { Task { try? await anon.shutdown() } }
            await #expect(throws: KubeError.self) { _ = try await anon.get(ConfigMap.self, namespace: "default", name: "x") }
            do { _ = try await anon.get(ConfigMap.self, namespace: "default", name: "x") } catch let e as KubeError {
                #expect(e.reason == .unauthorized)
            }
        }
    }

    @Test func verbsAndDecodedErrors() async throws {
        try await ClientHarness.with { h in
            let c = h.client
            var obj = try await c.create(ConfigMap("v1", data: ["k": "1"], labels: ["app": "x"]))
            do { _ = try await c.create(ConfigMap("v1")) } catch let e as KubeError { #expect(e.reason == .alreadyExists) }
            do { _ = try await c.get(ConfigMap.self, namespace: "default", name: "missing") } catch let e as KubeError {
                #expect(e.isNotFound && e.message.contains("\"missing\" not found"))
            }
            obj.data = ["k": "2"]
            obj = try await c.update(obj)
            #expect(obj.data?["k"] == "2")
            var stale = obj
            stale.metadata.resourceVersion = "1"
            do { _ = try await c.update(stale) } catch let e as KubeError { #expect(e.isConflict) }
            let merged: ConfigMap = try await c.patch(cm, namespace: "default", name: "v1", type: .merge, body: Array(#"{"data":{"m":"3"}}"#.utf8))
            #expect(merged.data == ["k": "2", "m": "3"])
            let jp: ConfigMap = try await c.patch(cm, namespace: "default", name: "v1", type: .json, body: Array(#"[{"op":"remove","path":"/data/k"}]"#.utf8))
            #expect(jp.data == ["m": "3"])
            let applied = try await c.apply(cm, namespace: "default", name: "ssa", ConfigMap("ssa", data: ["s": "1"]), fieldManager: "tests")
            #expect(applied.data == ["s": "1"])
            let page = try await c.list(cm, namespace: "default", labelSelector: "app=x", as: ConfigMap.self)
            #expect(page.items.map(\.name) == ["v1"])
            try await c.delete(cm, namespace: "default", name: "v1", propagation: .background)
            do { _ = try await c.get(ConfigMap.self, namespace: "default", name: "v1") } catch let e as KubeError { #expect(e.isNotFound) }
            // A CRD through the dynamic client, then a 422 with its field causes.
            let crdJSON = #"""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.io"},
             "spec":{"group":"example.io","scope":"Namespaced","names":{"kind":"Widget","plural":"widgets"},
              "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
               "spec":{"type":"object","required":["size"],"properties":{"size":{"type":"integer","maximum":10}}}}}}}]}}
            """#
            let crd = try JSONDecoder().decode(DynamicObject.self, from: Data(crdJSON.utf8))
            let crds = ResourceInfo(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions",
                                    kind: "CustomResourceDefinition", namespaced: false)
            _ = try await c.create(crds, crd)
            let widgets = ResourceInfo(group: "example.io", version: "v1", plural: "widgets", kind: "Widget", namespaced: true)
            let bad = try JSONDecoder().decode(DynamicObject.self, from: Data(#"{"apiVersion":"example.io/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":11}}"#.utf8))
            do {
                _ = try await c.create(widgets, namespace: "default", bad)
                Issue.record("an out-of-range size was accepted")
            } catch let e as KubeError {
                #expect(e.reason == .invalid && e.causes.map(\.field) == ["spec.size"], "\(e)")
            }
        }
    }

    @Test func retryOnConflictConverges() async throws {
        try await ClientHarness.with { h in
            _ = try await h.client.create(ConfigMap("counter", data: ["n": "0"]))
            try await withThrowingTaskGroup(of: Void.self) { g in
                for _ in 0..<4 {
                    g.addTask {
                        for _ in 0..<10 {
                            _ = try await h.client.retryOnConflict(ConfigMap.resource, namespace: "default", name: "counter", attempts: 50) {
                                (o: inout ConfigMap) in
                                let n = Int(o.data?["n"] ?? "0") ?? 0
                                o.data?["n"] = String(n + 1)
                            }
                        }
                    }
                }
                try await g.waitForAll()
            }
            let final = try await h.client.get(ConfigMap.self, namespace: "default", name: "counter")
            #expect(final.data?["n"] == "40", "every increment landed exactly once")
        }
    }

    @Test func retryAfterAndServerErrorsAreRetried() async throws {
        try await ClientHarness.with { h in
            _ = try await h.client.create(ConfigMap("r1"))
            h.sim.faults.add(.init(method: "GET", pathContains: "/configmaps/r1", status: 429, retryAfterSeconds: 2, count: 1))
            let start = ContinuousClock.now
            let got = try await h.client.get(ConfigMap.self, namespace: "default", name: "r1")
            let waited = ContinuousClock.now - start
            #expect(got.name == "r1" && waited >= .milliseconds(1900), "Retry-After honoured: waited \(waited)")

            h.sim.faults.add(.init(method: "GET", pathContains: "/configmaps/r1", status: 500, count: 3))
            let after500 = try await h.client.get(ConfigMap.self, namespace: "default", name: "r1")
            #expect(after500.name == "r1", "three 500s are backed off and retried")

            h.sim.faults.add(.init(method: "GET", pathContains: "/configmaps/r1", status: 500, count: 20))
            do {
                _ = try await h.client.get(ConfigMap.self, namespace: "default", name: "r1")
                Issue.record("endless 500s must surface")
            } catch let e as KubeError {
                #expect(e.reason == .serverError)
            }
            h.sim.faults.clear()
            // A create is not retried on a 500 (it may have happened).
            h.sim.faults.add(.init(method: "POST", status: 500, count: 1))
            do { _ = try await h.client.create(ConfigMap("r2")) } catch let e as KubeError { #expect(e.reason == .serverError) }
        }
    }
}

extension ClientTests {
    @Test func rateLimiterSpacesRequestsAfterTheBurst() async throws {
        let limiter = RateLimiter(qps: 50, burst: 5)
        let start = ContinuousClock.now
        for _ in 0..<5 { try await limiter.acquire() }
        let burst = ContinuousClock.now - start
        for _ in 0..<25 { try await limiter.acquire() }
        let total = ContinuousClock.now - start
        // 25 tokens beyond the burst at 50 per second cannot come sooner than 0.5 s.
        #expect(total >= .milliseconds(450) && burst < total, "burst \(burst), total \(total)")
    }
}
