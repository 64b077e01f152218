import AsyncHTTPClient
import Foundation
import KubeSim
import NIOHTTP1
import Testing

/// RBAC as the real authorizer enforces it, for ServiceAccounts with tokens
/// from TokenRequest; the admin kubeconfig stays all-powerful.
@Suite("kubesim RBAC", .serialized)
struct RBACTests {
    /// A ServiceAccount in `namespace` and a token for it.
    static func account(_ h: SimHarness, _ name: String, namespace: String = "default") async throws -> String {
        let sa = try await h.request(.POST, "/api/v1/namespaces/\(namespace)/serviceaccounts",
                                     body: ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": .string(name)]])
        #expect(sa.status == 201, "\(sa.body.text)")
        let t = try await h.request(.POST, "/api/v1/namespaces/\(namespace)/serviceaccounts/\(name)/token",
                                    body: ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": ["expirationSeconds": 3600]])
        #expect(t.status == 201 && t.body["kind"] == "TokenRequest", "\(t.body.text)")
        return t.body["status"]?["token"]?.string ?? ""
    }

    static func apply(_ h: SimHarness, _ yaml: String) async throws {
        let r = try await h.kubectl(["apply", "-f", "-"], stdin: yaml)
        #expect(r.ok, "\(r.stderr)")
    }

    @Test func accountWithoutRolesIsRefusedEverything() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            let token = try await Self.account(h, "nobody")
            let user = "system:serviceaccount:default:nobody"
            let attempts: [(HTTPMethod, String, JSON?, String)] = [
                (.GET, Fixtures.configMaps, nil, "cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\""),
                (.GET, Fixtures.configMaps + "/x", nil, "cannot get resource \"configmaps\" in API group \"\" in the namespace \"default\""),
                (.POST, Fixtures.configMaps, Fixtures.configMap("x"), "cannot create resource \"configmaps\""),
                (.GET, "/api/v1/nodes", nil, "cannot list resource \"nodes\" in API group \"\" at the cluster scope"),
                (.GET, "/api/v1/pods", nil, "cannot list resource \"pods\" in API group \"\" at the cluster scope"),
                (.GET, Fixtures.xdpPath, nil, "cannot list resource \"xdpprograms\" in API group \"bpfman.io\" at the cluster scope"),
                (.GET, Fixtures.xdpPath + "?watch=true", nil, "cannot watch resource \"xdpprograms\""),
                (.DELETE, "/apis/apps/v1/namespaces/default/daemonsets/d", nil, "cannot delete resource \"daemonsets\" in API group \"apps\""),
                (.GET, "/apis/rbac.authorization.k8s.io/v1/clusterroles", nil, "cannot list resource \"clusterroles\""),
                (.GET, "/kubesim/authorizations", nil, "admin endpoints"),
            ]
            for (method, path, body, why) in attempts {
                let r = try await h.request(method, path, body: body, token: token)
                #expect(r.status == 403 && r.body["reason"] == "Forbidden", "\(method) \(path): \(r.status) \(r.body.text)")
                let message = r.body["message"]?.string ?? ""
                #expect(message.contains(why), "\(method) \(path): \(message)")
                if !path.hasPrefix("/kubesim") { #expect(message.contains("User \"\(user)\""), "\(message)") }
            }
            // Discovery is open to every authenticated user (the default system:discovery role).
            for path in ["/api", "/apis", "/api/v1", "/apis/bpfman.io/v1alpha1", "/version"] {
                let r = try await h.request(.GET, path, token: token)
                #expect(r.status == 200, "\(path): \(r.status)")
            }
            // The admin is never checked; a token nobody issued is 401.
            #expect(try await h.request(.GET, Fixtures.configMaps).status == 200)
            #expect(try await h.request(.GET, Fixtures.configMaps, token: token + "x").status == 401)
        }
    }

    @Test func rolesBindingsScopesNamesAndSubresources() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            _ = try await h.kubectl(["create", "namespace", "team"])
            let token = try await Self.account(h, "worker", namespace: "team")
            try await Self.apply(h, """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: cm-editor, namespace: team}
                rules:
                - {apiGroups: [""], resources: [configmaps], verbs: [get, list, create]}
                - {apiGroups: [""], resources: [secrets], resourceNames: [allowed], verbs: [get]}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: worker-cm, namespace: team}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-editor}
                subjects: [{kind: ServiceAccount, name: worker}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: xdp-reader}
                rules:
                - {apiGroups: [bpfman.io], resources: [xdpprograms], verbs: ["*"]}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: team-xdp}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: xdp-reader}
                subjects: [{kind: Group, name: "system:serviceaccounts:team"}]
                """)
            let team = "/api/v1/namespaces/team/configmaps"
            var r = try await h.request(.POST, team, body: Fixtures.configMap("mine"), token: token)
            #expect(r.status == 201, "\(r.body.text)")
            #expect(try await h.request(.GET, team + "/mine", token: token).status == 200)
            r = try await h.request(.PUT, team + "/mine", body: r.body, token: token)
            #expect(r.status == 403 && r.body["message"]?.string?.contains("cannot update") == true, "verbs are exact: \(r.body.text)")
            // A RoleBinding grants in its namespace only.
            #expect(try await h.request(.GET, Fixtures.configMaps, token: token).status == 403)
            #expect(try await h.request(.GET, "/api/v1/configmaps", token: token).status == 403)
            // resourceNames: that name only, and never a list.
            _ = try await h.request(.POST, "/api/v1/namespaces/team/secrets", body: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "allowed"]])
            _ = try await h.request(.POST, "/api/v1/namespaces/team/secrets", body: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "other"]])
            #expect(try await h.request(.GET, "/api/v1/namespaces/team/secrets/allowed", token: token).status == 200)
            #expect(try await h.request(.GET, "/api/v1/namespaces/team/secrets/other", token: token).status == 403)
            #expect(try await h.request(.GET, "/api/v1/namespaces/team/secrets", token: token).status == 403)
            // A Group subject; "*" verbs on a resource do not reach its subresources.
            r = try await h.request(.POST, Fixtures.xdpPath, body: Fixtures.xdpJSON("by-group"), token: token)
            #expect(r.status == 201, "\(r.body.text)")
            var status = r.body
            status["status"] = ["conditions": []]
            r = try await h.request(.PUT, Fixtures.xdpPath + "/by-group/status", body: status, token: token)
            #expect(r.status == 403 && r.body["message"]?.string?.contains("resource \"xdpprograms/status\"") == true, "\(r.body.text)")
            try await Self.apply(h, """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: xdp-reader}
                rules:
                - {apiGroups: [bpfman.io], resources: [xdpprograms], verbs: ["*"]}
                - {apiGroups: [bpfman.io], resources: [xdpprograms/status], verbs: [update]}
                """)
            r = try await h.request(.PUT, Fixtures.xdpPath + "/by-group/status", body: status, token: token)
            #expect(r.status == 200, "a rule change takes effect at once: \(r.body.text)")

            // What was authorized is on record with the rule that allowed it.
            let log = try await h.request(.GET, "/kubesim/authorizations")
            let lines = log.body["authorizations"]?.array?.compactMap(\.string) ?? []
            #expect(lines.contains("system:serviceaccount:team:worker\tcreate\t\tconfigmaps\tRole/team/cm-editor#0"), "\(lines)")
            #expect(lines.contains("system:serviceaccount:team:worker\tupdate\tbpfman.io\txdpprograms/status\tClusterRole/xdp-reader#1"), "\(lines)")
            #expect(lines.contains("system:serviceaccount:team:worker\tget\t\tsecrets\tDENIED"), "\(lines)")
        }
    }

    @Test func aggregatedClusterRoles() async throws {
        try await SimHarness.with { h in
            let token = try await Self.account(h, "agg")
            try await Self.apply(h, """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: umbrella}
                aggregationRule:
                  clusterRoleSelectors: [{matchLabels: {aggregate-to-umbrella: "true"}}]
                rules: []
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: agg}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: umbrella}
                subjects: [{kind: ServiceAccount, name: agg, namespace: default}]
                """)
            #expect(try await h.request(.GET, "/api/v1/nodes", token: token).status == 403)
            try await Self.apply(h, """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: node-reader, labels: {aggregate-to-umbrella: "true"}}
                rules: [{apiGroups: [""], resources: [nodes], verbs: [list]}]
                """)
            #expect(try await h.request(.GET, "/api/v1/nodes", token: token).status == 200)
        }
    }

    @Test func blockOwnerDeletionNeedsFinalizersOnTheOwner() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            let owner = try await h.request(.POST, Fixtures.xdpPath, body: Fixtures.xdpJSON("owner"))
            let uid = owner.body["metadata"]?["uid"] ?? ""
            let token = try await Self.account(h, "maker")
            try await Self.apply(h, """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: maker}
                rules: [{apiGroups: [""], resources: [configmaps], verbs: [create, get, update]}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: maker}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: maker}
                subjects: [{kind: ServiceAccount, name: maker, namespace: default}]
                """)
            func owned(_ name: String, block: Bool) -> JSON {
                Fixtures.configMap(name, owners: [["apiVersion": "bpfman.io/v1alpha1", "kind": "XdpProgram", "name": "owner",
                                                   "uid": uid, "blockOwnerDeletion": .bool(block)]])
            }
            var r = try await h.request(.POST, Fixtures.configMaps, body: owned("plain", block: false), token: token)
            #expect(r.status == 201, "an ownerReference without blockOwnerDeletion needs nothing more: \(r.body.text)")
            r = try await h.request(.POST, Fixtures.configMaps, body: owned("blocking", block: true), token: token)
            #expect(r.status == 403, "\(r.body.text)")
            #expect(r.body["message"]?.string?.contains("cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: User \"system:serviceaccount:default:maker\" cannot update resource \"xdpprograms/finalizers\" in API group \"bpfman.io\"") == true, "\(r.body.text)")
            #expect(try await h.request(.GET, Fixtures.configMaps + "/blocking").status == 404, "nothing half-made")
            // Changing ownerReferences on an update needs delete on the object.
            var plain = try await h.request(.GET, Fixtures.configMaps + "/plain").body
            plain["metadata"]?["ownerReferences"] = []
            r = try await h.request(.PUT, Fixtures.configMaps + "/plain", body: plain, token: token)
            #expect(r.status == 403 && r.body["message"]?.string?.contains("cannot set an ownerRef on a resource you can't delete") == true, "\(r.body.text)")
            try await Self.apply(h, """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: maker}
                rules:
                - {apiGroups: [""], resources: [configmaps], verbs: [create, get, update]}
                - {apiGroups: [bpfman.io], resources: [xdpprograms/finalizers], verbs: [update]}
                """)
            r = try await h.request(.POST, Fixtures.configMaps, body: owned("blocking", block: true), token: token)
            #expect(r.status == 201, "\(r.body.text)")
        }
    }

    @Test func tokensAreBoundToTheirAccount() async throws {
        try await SimHarness.with { h in
            let token = try await Self.account(h, "short-lived")
            try await Self.apply(h, """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: sl}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-nodes}
                subjects: [{kind: ServiceAccount, name: short-lived, namespace: default}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: view-nodes}
                rules: [{apiGroups: [""], resources: [nodes], verbs: [list]}]
                """)
            #expect(try await h.request(.GET, "/api/v1/nodes", token: token).status == 200)
            let tooShort = try await h.request(.POST, "/api/v1/namespaces/default/serviceaccounts/short-lived/token",
                                               body: ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": ["expirationSeconds": 60]])
            #expect(tooShort.status == 422, "\(tooShort.body.text)")
            let none = try await h.request(.POST, "/api/v1/namespaces/default/serviceaccounts/ghost/token",
                                           body: ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest"])
            #expect(none.status == 404)
            // Deleted and made again: a new uid, so the old token no longer authenticates.
            _ = try await h.request(.DELETE, "/api/v1/namespaces/default/serviceaccounts/short-lived")
            #expect(try await h.request(.GET, "/api/v1/nodes", token: token).status == 401)
            _ = try await h.request(.POST, "/api/v1/namespaces/default/serviceaccounts",
                                    body: ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "short-lived"]])
            #expect(try await h.request(.GET, "/api/v1/nodes", token: token).status == 401)
            // kubectl's own path: `kubectl create token` sends a protobuf TokenRequest.
            let k = try await h.kubectl(["create", "token", "short-lived", "--duration=1h"])
            #expect(k.ok, "\(k.stderr)")
            let fresh = k.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await h.request(.GET, "/api/v1/nodes", token: fresh).status == 200)
        }
    }

    /// `kubectl auth can-i` (SelfSubjectAccessReview, resource and non-resource),
    /// `kubectl auth whoami`, `--as` impersonation and SubjectAccessReview.
    @Test func canIWhoAmIAndImpersonation() async throws {
        try await SimHarness.with { h in
            try await h.installCRD()
            let token = try await Self.account(h, "reader")
            try await Self.apply(h, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: cm-reader, namespace: default}
            rules:
            - {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: reader, namespace: default}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-reader}
            subjects: [{kind: ServiceAccount, name: reader, namespace: default}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: health}
            rules:
            - {nonResourceURLs: [/healthz, "/metrics/*"], verbs: [get]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: reader-health}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: health}
            subjects: [{kind: ServiceAccount, name: reader, namespace: default}]
            """)
            func canI(_ args: [String], as who: [String]) async throws -> String {
                let r = try await h.kubectl(who + ["auth", "can-i"] + args)
                let answer = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(r.ok == (answer == "yes"), "kubectl auth can-i exits 0 only for yes: \(args) \(r.stderr)")
                return answer
            }
            let ways: [(String, [String])] = [("its own token", ["--token", token]), ("--as", ["--as", "system:serviceaccount:default:reader"])]
            for (how, who) in ways {
                for yes in [["list", "configmaps"], ["get", "configmaps/any", "-n", "default"], ["get", "/healthz"], ["get", "/metrics/agent"]] {
                    #expect(try await canI(yes, as: who) == "yes", "\(how): \(yes)")
                }
                for no in [["delete", "configmaps"], ["list", "configmaps", "-n", "other"], ["list", "xdpprograms.bpfman.io"],
                           ["post", "/healthz"], ["get", "/version"], ["list", "nodes"]] {
                    #expect(try await canI(no, as: who) == "no", "\(how): \(no)")
                }
                let whoami = try await h.kubectl(who + ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"])
                #expect(whoami.stdout.hasPrefix("system:serviceaccount:default:reader ")
                    && whoami.stdout.contains("system:serviceaccounts:default"), "\(how): \(whoami.stdout) \(whoami.stderr)")
                // And the answers hold for real requests.
                #expect(try await h.kubectl(who + ["get", "configmaps"]).ok)
                let del = try await h.kubectl(who + ["delete", "configmap", "nothing"])
                #expect(!del.ok && del.stderr.contains("cannot delete resource \"configmaps\""), "\(how): \(del.stderr)")
            }
            #expect(try await canI(["delete", "nodes"], as: []) == "yes", "the admin can do anything")
            // Impersonation needs the impersonate verb: the account has none.
            let escalate = try await h.kubectl(["--token", token, "get", "configmaps", "--as", "kubesim-admin"])
            #expect(!escalate.ok && escalate.stderr.contains("cannot impersonate resource \"users\""), "\(escalate.stderr)")
            // SubjectAccessReview: the admin asks about someone else.
            func sar(_ verb: String, user: String) async throws -> JSON {
                let r = try await h.request(.POST, "/apis/authorization.k8s.io/v1/subjectaccessreviews", body: [
                    "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                    "spec": ["user": .string(user), "groups": ["system:serviceaccounts"],
                             "resourceAttributes": ["verb": .string(verb), "resource": "configmaps", "namespace": "default"]],
                ])
                #expect(r.status == 201, "\(r.body.text)")
                return r.body["status"] ?? .null
            }
            let allowed = try await sar("get", user: "system:serviceaccount:default:reader")
            #expect(allowed["allowed"] == true && allowed["reason"]?.string?.contains("Role default cm-reader") == true, "\(allowed)")
            #expect(try await sar("update", user: "system:serviceaccount:default:reader")["allowed"] == false)
            #expect(try await sar("get", user: "someone-else")["allowed"] == false)
            // The account may ask about itself but not about others.
            let other = try await h.request(.POST, "/apis/authorization.k8s.io/v1/subjectaccessreviews", body: [
                "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": ["user": "x", "resourceAttributes": ["verb": "get", "resource": "pods"]]], token: token)
            #expect(other.status == 403, "\(other.body.text)")
            // A review asking nothing is invalid; reviews are only created.
            let empty = try await h.request(.POST, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: [
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": [:]], token: token)
            #expect(empty.status == 422 && empty.body["message"]?.string?.contains("exactly one of") == true, "\(empty.body.text)")
            #expect(try await h.request(.GET, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews").status == 405)
        }
    }

    @Test func alwaysAllowTurnsItOff() async throws {
        try await SimHarness.with({ $0.enforceRBAC = false }) { h in
            let token = try await Self.account(h, "anyone")
            #expect(try await h.request(.GET, "/api/v1/nodes", token: token).status == 200)
            #expect(try await h.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("y"), token: token).status == 201)
        }
    }
}
