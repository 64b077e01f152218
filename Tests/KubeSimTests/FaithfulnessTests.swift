import AsyncHTTPClient
import Foundation
import KubeSim
import NIOHTTP1
import Testing

/// Where controllers depend on the real API server's exact behaviour:
/// deletion with finalizers, query parameter parsing, dry runs, scale.
@Suite("kubesim faithful to the real server", .serialized)
struct FaithfulnessTests {
    /// A consumer that drops updates whose generation did not change, as
    /// controller-runtime's GenerationChangedPredicate does: it must still
    /// see a deletion that waits on a finalizer.
    struct GenerationFilter {
        var seen: [String: Int64] = [:]
        mutating func passes(_ e: JSON) -> Bool {
            let name = e["object"]?["metadata"]?["name"]?.string ?? ""
            let g = e["object"]?["metadata"]?["generation"]?.int ?? 0
            defer { seen[name] = g }
            return e["type"]?.string != "MODIFIED" || seen[name] != g
        }
    }

    @Test func deletionWithFinalizerBumpsGeneration() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            var x = Fixtures.xdpJSON("held")
            x["metadata"]?["finalizers"] = ["bpfman.io/test"]
            let created = try await h.request(.POST, Fixtures.xdpPath, body: x)
            #expect(created.status == 201 && created.body["metadata"]?["generation"] == 1)
            let rv = created.body["metadata"]?["resourceVersion"]?.string ?? ""
            let events = try await h.watch(Fixtures.xdpPath + "?watch=true&resourceVersion=\(rv)")

            let first = try await h.request(.DELETE, Fixtures.xdpPath + "/held")
            #expect(first.status == 200, "\(first.body.text)")
            #expect(first.body["metadata"]?["generation"] == 2, "deletion bumps the generation: \(first.body.text)")
            #expect(first.body["metadata"]?["deletionTimestamp"]?.string != nil)
            #expect(first.body["metadata"]?["deletionGracePeriodSeconds"] == 0)
            // A second delete changes nothing: same resourceVersion, same generation, no event.
            let second = try await h.request(.DELETE, Fixtures.xdpPath + "/held")
            #expect(second.body["metadata"]?["resourceVersion"] == first.body["metadata"]?["resourceVersion"])
            #expect(second.body["metadata"]?["generation"] == 2)
            #expect(second.body["metadata"]?["deletionTimestamp"] == first.body["metadata"]?["deletionTimestamp"])

            let release = try await h.request(.PATCH, Fixtures.xdpPath + "/held", body: ["metadata": ["finalizers": nil]],
                                              contentType: "application/merge-patch+json")
            #expect(release.status == 200, "\(release.body.text)")

            var filter = GenerationFilter()
            filter.seen["held"] = 1
            var got: [(String, Int64)] = []
            for try await e in events {
                guard filter.passes(e) else { continue }
                got.append((e["type"]?.string ?? "", e["object"]?["metadata"]?["generation"]?.int ?? 0))
                if got.count == 2 { break }
            }
            #expect(got.map(\.0) == ["MODIFIED", "DELETED"], "\(got)")
            #expect(got.first?.1 == 2, "the MODIFIED event carries the bumped generation")

            // An object without a generation does not get one.
            var cm = Fixtures.configMap("held-cm")
            cm["metadata"]?["finalizers"] = ["x/y"]
            _ = try await h.request(.POST, Fixtures.configMaps, body: cm)
            let d = try await h.request(.DELETE, Fixtures.configMaps + "/held-cm")
            #expect(d.body["metadata"]?["generation"] == nil && d.body["metadata"]?["deletionTimestamp"]?.string != nil)
        }
    }

    @Test func booleanAndNumberQueryParameters() async throws {
        try await SimHarness.with { h in
            _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("q1"))
            // `watch=True` (Python's client), `watch` alone and `watch=t` are watches; `watch=FALSE` and `watch=0` are lists.
            for form in ["watch=True", "watch", "watch=t", "watch=TRUE"] {
                let events = try await h.watch(Fixtures.configMaps + "?\(form)&timeoutSeconds=1")
                var types: [String] = []
                for try await e in events { types.append(e["type"]?.string ?? "?") }
                #expect(types.contains("ADDED"), "\(form) must open a watch: \(types)")
            }
            for form in ["watch=FALSE", "watch=0", "watch=false"] {
                let r = try await h.request(.GET, Fixtures.configMaps + "?\(form)")
                #expect(r.body["kind"] == "ConfigMapList", "\(form) is a list: \(r.body.text.prefix(200))")
            }
            let badLimit = try await h.request(.GET, Fixtures.configMaps + "?limit=ten")
            #expect(badLimit.status == 400 && badLimit.body["message"]?.string?.contains("limit") == true, "\(badLimit.body.text)")
            let badTimeout = try await h.request(.GET, Fixtures.configMaps + "?watch=1&timeoutSeconds=x")
            #expect(badTimeout.status == 400, "\(badTimeout.body.text)")

            // resourceVersionMatch as the real server checks it.
            let list = try await h.request(.GET, Fixtures.configMaps)
            let rv = list.body["metadata"]?["resourceVersion"]?.string ?? ""
            var r = try await h.request(.GET, Fixtures.configMaps + "?resourceVersionMatch=NotOlderThan")
            #expect(r.status == 400 && r.body["message"]?.string?.contains("unless resourceVersion is provided") == true)
            r = try await h.request(.GET, Fixtures.configMaps + "?resourceVersionMatch=Newest&resourceVersion=\(rv)")
            #expect(r.status == 400 && r.body["message"]?.string?.contains("Unsupported value") == true)
            r = try await h.request(.GET, Fixtures.configMaps + "?resourceVersionMatch=Exact&resourceVersion=\(rv)")
            #expect(r.status == 200 && r.body["items"]?.array?.count == 1)
            r = try await h.request(.GET, Fixtures.configMaps + "?resourceVersionMatch=NotOlderThan&resourceVersion=1")
            #expect(r.status == 200 && r.body["items"]?.array?.count == 1)
            _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("q2"))
            r = try await h.request(.GET, Fixtures.configMaps + "?resourceVersionMatch=Exact&resourceVersion=\(rv)")
            #expect(r.status == 410, "an exact read of a past version kubesim does not keep: \(r.body.text)")
        }
    }

    @Test func dryRunWritesChangeNothing() async throws {
        try await SimHarness.with { h in
            let before = try await h.request(.GET, Fixtures.configMaps)
            let rv0 = before.body["metadata"]?["resourceVersion"]
            var r = try await h.request(.POST, Fixtures.configMaps + "?dryRun=All", body: Fixtures.configMap("dry"))
            #expect(r.status == 201 && r.body["metadata"]?["name"] == "dry")
            r = try await h.request(.GET, Fixtures.configMaps + "/dry")
            #expect(r.status == 404, "a dry-run create stores nothing")
            r = try await h.request(.POST, Fixtures.configMaps + "?dryRun=Some", body: Fixtures.configMap("dry"))
            #expect(r.status == 400 && r.body["message"]?.string?.contains("dryRun") == true, "\(r.body.text)")

            _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("wet"))
            let stored = try await h.request(.GET, Fixtures.configMaps + "/wet")
            var changed = stored.body
            changed["data"] = ["k": "dry"]
            r = try await h.request(.PUT, Fixtures.configMaps + "/wet?dryRun=All", body: changed)
            #expect(r.status == 200 && r.body["data"]?["k"] == "dry")
            r = try await h.request(.PATCH, Fixtures.configMaps + "/wet?dryRun=All", body: ["data": ["k": "dry2"]],
                                    contentType: "application/merge-patch+json")
            #expect(r.status == 200 && r.body["data"]?["k"] == "dry2")
            r = try await h.request(.DELETE, Fixtures.configMaps + "/wet", body: ["dryRun": ["All"]])
            #expect(r.status == 200)
            r = try await h.request(.DELETE, Fixtures.configMaps + "?dryRun=All")
            #expect(r.status == 200)
            let after = try await h.request(.GET, Fixtures.configMaps + "/wet")
            #expect(after.body == stored.body, "dry-run update, patch, delete and deletecollection leave the object as it was")
            let list = try await h.request(.GET, Fixtures.configMaps)
            #expect(list.body["items"]?.array?.count == 1)
            #expect(rv0 != nil)

            // A delete that would only mark (a finalizer waits) answers the marked object, and stores nothing.
            var kept = Fixtures.configMap("kept")
            kept["metadata"]?["finalizers"] = ["example.com/wait"]
            _ = try await h.request(.POST, Fixtures.configMaps, body: kept)
            let keptBefore = try await h.request(.GET, Fixtures.configMaps + "/kept")
            r = try await h.request(.DELETE, Fixtures.configMaps + "/kept?dryRun=All")
            #expect(r.status == 200 && r.body["metadata"]?["deletionTimestamp"]?.string != nil, "\(r.body.text)")
            let keptAfter = try await h.request(.GET, Fixtures.configMaps + "/kept")
            #expect(keptAfter.body == keptBefore.body && keptAfter.body["metadata"]?["deletionTimestamp"] == nil)
        }
    }

    @Test func scaleSubresource() async throws {
        try await SimHarness.with { h in
            let deploy: JSON = [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                "spec": ["replicas": 2, "selector": ["matchLabels": ["app": "web"]],
                         "template": ["metadata": ["labels": ["app": "web"]],
                                      "spec": ["containers": [["name": "c", "image": "busybox"]]]]],
            ]
            let path = "/apis/apps/v1/namespaces/default/deployments"
            var r = try await h.request(.POST, path, body: deploy)
            #expect(r.status == 201)
            r = try await h.request(.GET, path + "/web/scale")
            #expect(r.status == 200 && r.body["kind"] == "Scale" && r.body["apiVersion"] == "autoscaling/v1", "\(r.body.text)")
            #expect(r.body["spec"]?["replicas"] == 2 && r.body["status"]?["selector"] == "app=web")
            // kubectl scale goes through the subresource.
            let k = try await h.kubectl(["scale", "deployment/web", "--replicas=5", "-n", "default"])
            #expect(k.ok, "\(k.stderr)")
            r = try await h.request(.GET, path + "/web")
            #expect(r.body["spec"]?["replicas"] == 5 && r.body["metadata"]?["generation"] == 2, "\(r.body.text)")
            r = try await h.request(.PATCH, path + "/web/scale", body: ["spec": ["replicas": 3]],
                                    contentType: "application/merge-patch+json")
            #expect(r.status == 200 && r.body["spec"]?["replicas"] == 3)
            var stale = r.body
            stale["metadata"]?["resourceVersion"] = "1"
            r = try await h.request(.PUT, path + "/web/scale", body: stale)
            #expect(r.status == 409, "a stale Scale is a conflict: \(r.body.text)")
            r = try await h.request(.PATCH, path + "/web/scale", body: ["spec": ["replicas": -1]],
                                    contentType: "application/merge-patch+json")
            #expect(r.status == 422)
            let disc = try await h.request(.GET, "/apis/apps/v1")
            let names = disc.body["resources"]?.array?.compactMap { $0["name"]?.string } ?? []
            #expect(names.contains("deployments/scale") && names.contains("statefulsets/scale") && names.contains("replicasets/scale"))
            r = try await h.request(.GET, "/api/v1/namespaces/default/configmaps/x/scale")
            #expect(r.status == 404)
        }
    }
}
