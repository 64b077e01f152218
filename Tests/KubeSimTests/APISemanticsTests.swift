import AsyncHTTPClient
import NIOHTTP1
import Foundation
import KubeSim
import Testing

/// Kubernetes API semantics through a plain HTTP client.
@Suite("kubesim API semantics", .serialized)
struct APISemanticsTests {
    @Test func schemaRefusesDefaultsAndPrunes() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            var bad = Fixtures.xdpJSON("bad-enum")
            bad["spec"]?["proceedon"] = ["pass", "bogus"]
            var r = try await h.request(.POST, Fixtures.xdpPath, body: bad)
            #expect(r.status == 422 && r.body["reason"] == "Invalid")
            #expect(r.body["details"]?["causes"]?.array?.first?["field"] == "spec.proceedon[1]", "\(r.body.text)")
            #expect(r.body["message"]?.string?.contains("Unsupported value: \"bogus\"") == true)

            var range = Fixtures.xdpJSON("bad-range", priority: 1001)
            r = try await h.request(.POST, Fixtures.xdpPath, body: range)
            #expect(r.status == 422 && r.body["details"]?["causes"]?.array?.first?["field"] == "spec.priority", "\(r.body.text)")
            #expect(r.body["message"]?.string?.contains("less than or equal to 1000") == true)
            range["spec"]?["priority"] = "high"
            r = try await h.request(.POST, Fixtures.xdpPath, body: range)
            #expect(r.status == 422 && r.body["message"]?.string?.contains("must be of type integer") == true, "\(r.body.text)")

            var missing = Fixtures.xdpJSON("bad-missing")
            missing["spec"]?["bpffunctionname"] = nil
            r = try await h.request(.POST, Fixtures.xdpPath, body: missing)
            #expect(r.status == 422 && r.body["details"]?["causes"]?.array?.first?["field"] == "spec.bpffunctionname")
            #expect(r.body["message"]?.string?.contains("Required value") == true)

            var nested = Fixtures.xdpJSON("bad-nested")
            nested["spec"]?["bytecode"] = ["image": ["imagepullpolicy": "Sometimes"]]
            r = try await h.request(.POST, Fixtures.xdpPath, body: nested)
            let fields = Set(r.body["details"]?["causes"]?.array?.compactMap { $0["field"]?.string } ?? [])
            #expect(r.status == 422 && fields == ["spec.bytecode.image.url", "spec.bytecode.image.imagepullpolicy"], "\(r.body.text)")

            // Nothing half-made was stored by any refusal.
            let list = try await h.request(.GET, Fixtures.xdpPath)
            #expect(list.body["items"]?.array?.isEmpty == true)

            var good = Fixtures.xdpJSON("good")
            good["spec"]?["bytecode"] = ["image": ["url": "quay.io/x/y:z"]]
            good["spec"]?["unknownfield"] = 7
            good["spec"]?["globaldata"] = ["as_list": [1, 2, 255], "as_base64": "AQID"]
            good["status"] = ["conditions": [["type": "X", "status": "True", "reason": "Y"]]]
            r = try await h.request(.POST, Fixtures.xdpPath, body: good)
            #expect(r.status == 201, "\(r.body.text)")
            #expect(r.body["spec"]?["unknownfield"] == nil, "unknown fields are pruned")
            #expect(r.header("Warning")?.contains("unknown field \\\"spec.unknownfield\\\"") == true, "\(r.headers)")
            #expect(r.body["spec"]?["proceedon"] == ["pass", "dispatcher_return"])
            #expect(r.body["spec"]?["bytecode"]?["image"]?["imagepullpolicy"] == "IfNotPresent")
            #expect(r.body["status"] == nil, "status is not set on create when the status subresource is on")
            #expect(r.body["metadata"]?["generation"] == 1)

            // Strict field validation refuses instead.
            var strict = Fixtures.xdpJSON("strict")
            strict["spec"]?["extra"] = true
            r = try await h.request(.POST, Fixtures.xdpPath + "?fieldValidation=Strict", body: strict)
            #expect(r.status == 400 && r.body["message"]?.string?.contains("unknown field \"spec.extra\"") == true)
        }
    }

    @Test func statusSubresourceAndGeneration() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            var r = try await h.request(.POST, Fixtures.xdpPath, body: Fixtures.xdpJSON("s1"))
            var obj = r.body
            obj["status"] = ["conditions": [["type": "Loaded", "status": "True", "reason": "Loaded"]]]
            obj["spec"]?["priority"] = 77
            r = try await h.request(.PUT, Fixtures.xdpPath + "/s1/status", body: obj)
            #expect(r.status == 200 && r.body["status"]?["conditions"]?.array?.count == 1)
            #expect(r.body["spec"]?["priority"] == 50, "a status write changes only status")
            #expect(r.body["metadata"]?["generation"] == 1)
            var main = r.body
            main["status"] = ["conditions": []]
            main["spec"]?["priority"] = 80
            r = try await h.request(.PUT, Fixtures.xdpPath + "/s1", body: main)
            #expect(r.status == 200 && r.body["spec"]?["priority"] == 80 && r.body["metadata"]?["generation"] == 2)
            #expect(r.body["status"]?["conditions"]?.array?.count == 1, "a main write leaves status alone")
            // Bad status is refused by the schema too.
            var badStatus = r.body
            badStatus["status"] = ["conditions": [["type": "L", "status": "Maybe", "reason": "9bad"]]]
            let b = try await h.request(.PUT, Fixtures.xdpPath + "/s1/status", body: badStatus)
            let fields = Set(b.body["details"]?["causes"]?.array?.compactMap { $0["field"]?.string } ?? [])
            #expect(b.status == 422 && fields == ["status.conditions[0].status", "status.conditions[0].reason"], "\(b.body.text)")
            // An unchanged write is a no-op: same resourceVersion.
            let same = try await h.request(.PUT, Fixtures.xdpPath + "/s1", body: r.body)
            #expect(same.body["metadata"]?["resourceVersion"] == r.body["metadata"]?["resourceVersion"])
        }
    }

    @Test func optimisticConcurrencyAndWatchExpiry() async throws {
        try await SimHarness.with({ $0.historySize = 5 }) { h in
            let created = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("cc"))
            #expect(created.status == 201)
            let rv1 = created.body["metadata"]?["resourceVersion"]?.string ?? ""
            var upd = created.body
            upd["data"] = ["k": "v2"]
            let ok = try await h.request(.PUT, Fixtures.configMaps + "/cc", body: upd)
            #expect(ok.status == 200 && ok.body["metadata"]?["resourceVersion"]?.string != rv1)
            upd["data"] = ["k": "v3"]
            let stale = try await h.request(.PUT, Fixtures.configMaps + "/cc", body: upd)
            #expect(stale.status == 409 && stale.body["reason"] == "Conflict", "\(stale.body.text)")
            #expect(stale.body["message"]?.string?.contains("the object has been modified") == true)
            let dup = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("cc"))
            #expect(dup.status == 409 && dup.body["reason"] == "AlreadyExists")
            // Precondition on delete.
            let pre = try await h.request(.DELETE, Fixtures.configMaps + "/cc", body: ["preconditions": ["resourceVersion": .string(rv1)]])
            #expect(pre.status == 409)

            // Push rv1 out of the 5-event history: the watch gets 410 Gone as an ERROR event.
            for i in 0..<8 { _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("fill\(i)")) }
            var events: [JSON] = []
            for try await e in try await h.watch(Fixtures.configMaps + "?watch=true&resourceVersion=\(rv1)") { events.append(e) }
            #expect(events.count == 1 && events[0]["type"] == "ERROR" && events[0]["object"]?["code"] == 410, "\(events)")
            // A recent resourceVersion resumes with exactly the later events, in order.
            let list = try await h.request(.GET, Fixtures.configMaps)
            let listRV = list.body["metadata"]?["resourceVersion"]?.string ?? ""
            _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("after"))
            _ = try await h.request(.DELETE, Fixtures.configMaps + "/after")
            var got: [String] = []
            for try await e in try await h.watch(Fixtures.configMaps + "?watch=true&timeoutSeconds=1&resourceVersion=\(listRV)") {
                got.append("\(e["type"]?.string ?? "") \(e["object"]?["metadata"]?["name"]?.string ?? "")")
            }
            #expect(got == ["ADDED after", "DELETED after"], "\(got)")
        }
    }

    @Test func selectorsPaginationAndGenerateName() async throws {
        try await SimHarness.with { h in
            for i in 0..<7 {
                let labels = ["app": i % 2 == 0 ? "even" : "odd", "n": String(i)]
                _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("cm-\(i)", labels: labels))
            }
            func names(_ q: String) async throws -> [String] {
                let r = try await h.request(.GET, Fixtures.configMaps + "?" + q)
                #expect(r.status == 200, "\(q): \(r.body.text)")
                return r.body["items"]?.array?.compactMap { $0["metadata"]?["name"]?.string } ?? []
            }
            #expect(try await names("labelSelector=app%3Deven") == ["cm-0", "cm-2", "cm-4", "cm-6"])
            #expect(try await names("labelSelector=app%3D%3Dodd,n!%3D3") == ["cm-1", "cm-5"])
            #expect(try await names("labelSelector=n%20in%20(1,2,9)") == ["cm-1", "cm-2"])
            #expect(try await names("labelSelector=n%20notin%20(1,2),app%3Dodd") == ["cm-3", "cm-5"])
            #expect(try await names("labelSelector=n").count == 7)
            #expect(try await names("labelSelector=!n").isEmpty)
            #expect(try await names("fieldSelector=metadata.name%3Dcm-3") == ["cm-3"])
            #expect(try await names("fieldSelector=metadata.name!%3Dcm-3").count == 6)
            let badField = try await h.request(.GET, Fixtures.configMaps + "?fieldSelector=spec.nodeName%3Dx")
            #expect(badField.status == 400 && badField.body["message"]?.string?.contains("field label not supported") == true)

            // Pods support spec.nodeName.
            let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p1"], "spec": ["nodeName": "node-a", "containers": []]]
            _ = try await h.request(.POST, "/api/v1/namespaces/default/pods", body: pod)
            let onNode = try await h.request(.GET, "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a")
            #expect(onNode.body["items"]?.array?.count == 1)

            // Pagination: pages of 3 from a consistent snapshot.
            var all: [String] = []
            var cont = ""
            var pages = 0
            repeat {
                let r = try await h.request(.GET, Fixtures.configMaps + "?limit=3" + (cont.isEmpty ? "" : "&continue=\(cont.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"))
                all += r.body["items"]?.array?.compactMap { $0["metadata"]?["name"]?.string } ?? []
                cont = r.body["metadata"]?["continue"]?.string ?? ""
                pages += 1
                if pages == 1 { _ = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("zz-late")) }
            } while !cont.isEmpty
            #expect(pages == 3 && all == (0..<7).map { "cm-\($0)" }, "snapshot excludes the object created mid-list: \(all)")

            let gen = try await h.request(.POST, Fixtures.configMaps, body: ["metadata": ["generateName": "gen-"], "data": [:]])
            let gname = gen.body["metadata"]?["name"]?.string ?? ""
            #expect(gen.status == 201 && gname.hasPrefix("gen-") && gname.count == 9, "\(gname)")

            let noNS = try await h.request(.POST, "/api/v1/namespaces/missing/configmaps", body: Fixtures.configMap("x"))
            #expect(noNS.status == 404 && noNS.body["message"] == "namespaces \"missing\" not found")
            let badName = try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("Bad_Name"))
            #expect(badName.status == 422 && badName.body["details"]?["causes"]?.array?.first?["field"] == "metadata.name")
        }
    }

    @Test func ownerReferenceGarbageCollection() async throws {
        try await SimHarness.with { h in
            func make(_ name: String, owner: JSON? = nil) async throws -> JSON {
                let owners: [JSON] = owner.map { o in [["apiVersion": "v1", "kind": "ConfigMap", "name": o["metadata"]!["name"]!,
                                                         "uid": o["metadata"]!["uid"]!, "blockOwnerDeletion": true]] } ?? []
                return try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap(name, owners: owners)).body
            }
            func exists(_ name: String) async throws -> Bool { try await h.request(.GET, Fixtures.configMaps + "/" + name).status == 200 }

            // Background: the owner goes at once, then its dependents (and theirs).
            let owner = try await make("owner")
            let child = try await make("child", owner: owner)
            _ = try await make("grandchild", owner: child)
            let del = try await h.request(.DELETE, Fixtures.configMaps + "/owner?propagationPolicy=Background")
            #expect(del.status == 200)
            let left = [try await exists("owner"), try await exists("child"), try await exists("grandchild")]
            #expect(left == [false, false, false])

            // Foreground: the owner waits (deletionTimestamp + foregroundDeletion) for a dependent held by a finalizer.
            let fOwner = try await make("f-owner")
            var held = try await make("f-held", owner: fOwner)
            held["metadata"]?["finalizers"] = ["test/hold"]
            held = try await h.request(.PUT, Fixtures.configMaps + "/f-held", body: held).body
            let fdel = try await h.request(.DELETE, Fixtures.configMaps + "/f-owner", body: ["propagationPolicy": "Foreground"])
            #expect(fdel.status == 200 && fdel.body["metadata"]?["deletionTimestamp"] != nil)
            #expect(fdel.body["metadata"]?["finalizers"]?.array?.contains("foregroundDeletion") == true)
            let waiting = try await exists("f-owner")
            #expect(waiting, "the owner waits for its dependent")
            held = try await h.request(.GET, Fixtures.configMaps + "/f-held").body
            #expect(held["metadata"]?["deletionTimestamp"] != nil)
            held["metadata"]?["finalizers"] = nil
            _ = try await h.request(.PUT, Fixtures.configMaps + "/f-held", body: held)
            let fLeft = [try await exists("f-held"), try await exists("f-owner")]
            #expect(fLeft == [false, false], "the last dependent going releases the owner")

            // Orphan: dependents stay, without the owner reference.
            let oOwner = try await make("o-owner")
            _ = try await make("o-child", owner: oOwner)
            _ = try await h.request(.DELETE, Fixtures.configMaps + "/o-owner?propagationPolicy=Orphan")
            let orphan = try await h.request(.GET, Fixtures.configMaps + "/o-child")
            #expect(orphan.status == 200 && orphan.body["metadata"]?["ownerReferences"] == nil)
            let ownerLeft = try await exists("o-owner")
            #expect(!ownerLeft)
        }
    }

    @Test func authenticationAndDiscovery() async throws {
        try await SimHarness.with({ $0.openShift = true }) { h in
            let bad = try await h.request(.GET, "/api/v1/namespaces", token: "wrong")
            #expect(bad.status == 401 && bad.body["kind"] == "Status" && bad.body["reason"] == "Unauthorized")
            let version = try await h.request(.GET, "/version", token: "wrong")
            #expect(version.status == 200 && version.body["gitVersion"]?.string?.contains("kubesim") == true)
            let groups = try await h.request(.GET, "/apis")
            let names = groups.body["groups"]?.array?.compactMap { $0["name"]?.string } ?? []
            #expect(names.contains("security.openshift.io") && names.contains("route.openshift.io") && names.contains("apps"))
            let scc = try await h.request(.GET, "/apis/security.openshift.io/v1")
            #expect(scc.body["resources"]?.array?.contains { $0["name"] == "securitycontextconstraints" } == true)
            let missing = try await h.request(.GET, "/apis/bpfman.io/v1alpha1")
            #expect(missing.status == 404)
            let kr2 = try await h.kubectl(["apply", "-f", "-"], stdin: Fixtures.crd)
            #expect(kr2.ok)
            let served = try await h.request(.GET, "/apis/bpfman.io/v1alpha1")
            #expect(served.body["resources"]?.array?.compactMap { $0["name"]?.string } == ["xdpprograms", "xdpprograms/status"])
            let crd = try await h.request(.GET, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/xdpprograms.bpfman.io")
            let conds = crd.body["status"]?["conditions"]?.array ?? []
            #expect(conds.contains { $0["type"] == "Established" && $0["status"] == "True" })
            // Deleting the CRD removes its objects and stops serving the group.
            _ = try await h.request(.POST, Fixtures.xdpPath, body: Fixtures.xdpJSON("gone-soon"))
            let kr3 = try await h.kubectl(["delete", "crd", "xdpprograms.bpfman.io", "--timeout=20s"])
            #expect(kr3.ok)
            #expect(try await h.request(.GET, "/apis/bpfman.io/v1alpha1").status == 404)
            #expect(try await h.request(.GET, Fixtures.xdpPath).status == 404)
            // Unknown paths are refused, not faked.
            #expect(try await h.request(.GET, "/apis/nope.io/v1/things").status == 404)
            #expect(try await h.request(.PATCH, Fixtures.configMaps + "/x", body: [:], contentType: "application/xml").status == 415)
        }
    }
}

extension APISemanticsTests {
    @Test func namespacedCustomResources() async throws {
        try await SimHarness.with { h in
            let crd = Fixtures.crd
                .replacingOccurrences(of: "xdpprograms", with: "xdpnsprograms")
                .replacingOccurrences(of: "XdpProgram", with: "XdpNsProgram")
                .replacingOccurrences(of: "xdpprogram", with: "xdpnsprogram")
                .replacingOccurrences(of: "scope: Cluster", with: "scope: Namespaced")
            let applied = try await h.kubectl(["apply", "-f", "-"], stdin: crd)
            #expect(applied.ok, "\(applied.stderr)")
            let ns: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "apps"]]
            _ = try await h.request(.POST, "/api/v1/namespaces", body: ns)
            func obj(_ name: String) -> JSON {
                var o = Fixtures.xdpJSON(name)
                o["kind"] = "XdpNsProgram"
                return o
            }
            let base = "/apis/bpfman.io/v1alpha1"
            #expect(try await h.request(.POST, base + "/namespaces/apps/xdpnsprograms", body: obj("a1")).status == 201)
            #expect(try await h.request(.POST, base + "/namespaces/default/xdpnsprograms", body: obj("d1")).status == 201)
            let missing = try await h.request(.POST, base + "/namespaces/nowhere/xdpnsprograms", body: obj("x"))
            #expect(missing.status == 404)
            let all = try await h.request(.GET, base + "/xdpnsprograms")
            #expect(all.body["items"]?.array?.compactMap { $0["metadata"]?["namespace"]?.string }.sorted() == ["apps", "default"])
            let inApps = try await h.request(.GET, base + "/namespaces/apps/xdpnsprograms")
            #expect(inApps.body["items"]?.array?.count == 1)
            let get = try await h.kubectl(["-n", "apps", "get", "xdpnsprogram", "a1", "-o", "jsonpath={.metadata.namespace}/{.spec.proceedon[0]}"])
            #expect(get.stdout == "apps/pass", "\(get.stdout)\(get.stderr)")
            // A namespace going takes its custom resources with it.
            #expect(try await h.request(.DELETE, "/api/v1/namespaces/apps").status == 200)
            #expect(try await h.request(.GET, base + "/namespaces/apps/xdpnsprograms/a1").status == 404)
            #expect(try await h.request(.GET, "/api/v1/namespaces/apps").status == 404)
            #expect(try await h.request(.GET, base + "/namespaces/default/xdpnsprograms/d1").status == 200)
        }
    }
}
