import AsyncHTTPClient
import NIOHTTP1
import Foundation
import KubeSim
import Testing

/// Fault injection as a client sees it, restart with state kept, and scale.
@Suite("kubesim faults and scale", .serialized)
struct FaultAndScaleTests {
    @Test func injectedFaultsAreObservable() async throws {
        try await SimHarness.with { h in
            // Through the admin endpoint: two 429s with Retry-After on configmap lists, then normal answers.
            let add = try await h.request(.POST, "/kubesim/faults", body: ["method": "GET", "pathContains": "/configmaps",
                                                                            "status": 429, "retryAfterSeconds": 3, "count": 2])
            #expect(add.status == 200)
            for _ in 0..<2 {
                let r = try await h.request(.GET, Fixtures.configMaps)
                #expect(r.status == 429 && r.header("Retry-After") == "3" && r.body["reason"] == "TooManyRequests")
                #expect(r.body["details"]?["retryAfterSeconds"] == 3)
            }
            #expect(try await h.request(.GET, Fixtures.configMaps).status == 200)

            // Through the Swift API: a 500 and a 409 for matching writes only.
            h.sim.faults.add(.init(method: "POST", pathContains: "/configmaps", status: 500, count: 1))
            h.sim.faults.add(.init(method: "PUT", status: 409, count: 1))
            let e500 = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("f1"))
            #expect(e500.status == 500 && e500.body["reason"] == "InternalError")
            let created = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("f1"))
            #expect(created.status == 201, "the fault was used up")
            let e409 = try await h.request(.PUT, Fixtures.configMaps + "/f1", body: created.body)
            #expect(e409.status == 409 && e409.body["reason"] == "Conflict")

            // A delay holds the answer back.
            h.sim.faults.add(.init(pathContains: "/namespaces/default/configmaps/f1", delayMilliseconds: 700, count: 1))
            let start = ContinuousClock.now
            let slow = try await h.request(.GET, Fixtures.configMaps + "/f1")
            let took = ContinuousClock.now - start
            #expect(slow.status == 200 && took >= .milliseconds(600), "delayed by \(took)")

            // Cutting watches ends open streams; the client sees the end of the response.
            let stream = try await h.watch(Fixtures.configMaps + "?watch=true&resourceVersion=0")
            let cutter = Task {
                while h.sim.store.watcherCount == 0 { try await Task.sleep(for: .milliseconds(20)) }
                return try await h.request(.POST, "/kubesim/cut-watches", body: [:])
            }
            var seen = 0
            for try await _ in stream { seen += 1 }
            let cut = try await cutter.value
            #expect(seen == 1 && cut.body["cut"] == 1, "initial ADDED, then the stream ended: \(seen) \(cut.body.text)")
            h.sim.faults.clear()
        }
    }

    @Test func restartKeepsStateAndDropsConnections() async throws {
        let dataDir = NSTemporaryDirectory() + "kubesim-data-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let firstToken = try await SimHarness.with({ $0.dataDir = dataDir }) { h -> String in
            let kr1 = try await h.kubectl(["apply", "-f", "-"], stdin: Fixtures.crd)
            #expect(kr1.ok)
            let c = try await h.request(.POST, Fixtures.xdpPath, body: Fixtures.xdpJSON("keep-me"))
            #expect(c.status == 201)
            let rvBefore = h.sim.store.currentResourceVersion
            let stream = try await h.watch(Fixtures.xdpPath + "?watch=true")
            try await h.sim.restart()
            var n = 0
            do {
                for try await _ in stream { n += 1 }
            } catch {
                // The connection was dropped mid-stream, as with a real API server restart.
            }
            #expect(n == 1, "the open watch saw its ADDED event, then ended with the restart")
            let after = try await h.request(.GET, Fixtures.xdpPath + "/keep-me")
            #expect(after.status == 200 && after.body["metadata"]?["uid"] == c.body["metadata"]?["uid"])
            #expect(h.sim.store.currentResourceVersion == rvBefore)
            return h.sim.adminToken
        }
        let tokenMode = try FileManager.default.attributesOfItem(atPath: dataDir + "/admin-token")[.posixPermissions] as? Int
        #expect(tokenMode == 0o600)
        // A new kubesim on the same data dir has the CRD and the object, and the
        // same admin token: kubeconfigs written before keep working.
        try await SimHarness.with({ $0.dataDir = dataDir }) { h in
            #expect(h.sim.adminToken == firstToken)
            let r = try await h.request(.GET, Fixtures.xdpPath + "/keep-me")
            #expect(r.status == 200 && r.body["spec"]?["priority"] == 50, "\(r.body.text)")
            let next = try await h.request(.POST, Fixtures.xdpPath, body: Fixtures.xdpJSON("next"))
            let rvOld = Int(r.body["metadata"]?["resourceVersion"]?.string ?? "") ?? .max
            let rvNew = Int(next.body["metadata"]?["resourceVersion"]?.string ?? "") ?? 0
            #expect(rvNew > rvOld, "resourceVersions keep increasing across restarts")
        }
    }

    static func residentMiB() -> Double {
        let s = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = s.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kb / 1024
    }

    @Test func tenThousandObjectsListAndWatch() async throws {
        try await SimHarness.with({ $0.tls = false; $0.historySize = 20_000 }) { h in
            let before = Self.residentMiB()
            let list0 = try await h.request(.GET, Fixtures.configMaps)
            let startRV = list0.body["metadata"]?["resourceVersion"]?.string ?? "0"
            let watch = try await h.watch(Fixtures.configMaps + "?watch=true&resourceVersion=\(startRV)")
            let total = 10_000
            let ns = "default"
            let t = h.sim.store.type(group: "", version: "v1", plural: "configmaps")!
            // Writes go through the store directly so the test measures kubesim, not HTTP round trips.
            for i in 0..<total {
                _ = try h.sim.store.create(t, namespace: ns, body: Fixtures.configMap(String(format: "obj-%05d", i)))
            }
            var seen = 0
            var lastRV = 0
            var inOrder = true
            for try await e in watch {
                let rv = Int(e["object"]?["metadata"]?["resourceVersion"]?.string ?? "") ?? -1
                if rv <= lastRV || e["type"] != "ADDED" { inOrder = false }
                lastRV = rv
                seen += 1
                if seen == total { break }
            }
            #expect(seen == total && inOrder, "watch delivered \(seen) events, in order: \(inOrder)")

            var names: [String] = []
            var cont = ""
            repeat {
                let r = try await h.request(.GET, Fixtures.configMaps + "?limit=500" + (cont.isEmpty ? "" : "&continue=" + (cont.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")))
                #expect(r.status == 200)
                names += r.body["items"]?.array?.compactMap { $0["metadata"]?["name"]?.string } ?? []
                cont = r.body["metadata"]?["continue"]?.string ?? ""
            } while !cont.isEmpty
            #expect(names.count == total && names == names.sorted() && Set(names).count == total)
            let after = Self.residentMiB()
            print("kubesim scale: 10000 objects, watch in order, paginated list of \(names.count); RSS \(Int(before)) -> \(Int(after)) MiB (budget 1024 MiB)")
            #expect(after - before < 1024, "memory budget")
        }
    }
}
