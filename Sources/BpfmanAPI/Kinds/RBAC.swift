/// Least-privilege RBAC for the agent and the operator: upstream's markers
/// (operator.md §5.3), cut down to the verbs and resources this code uses.
/// kubesim enforces RBAC in the cluster tier, where both run with exactly
/// these roles, and `hack/rbac-coverage` (in `make test`) fails on a grant no
/// test request used or on any refusal. Informers list and watch and read
/// from their cache, so no `get` on watched kinds; writes are updates (agent)
/// and merge patches (operator), and ownerReferences with blockOwnerDeletion
/// need `update` on the owner's `finalizers` (enforced on OpenShift).
public enum RBAC {
    public struct Rule: Sendable, Equatable {
        public var apiGroups: [String]
        public var resources: [String]
        public var verbs: [String]
        var value: SchemaValue {
            ["apiGroups": .array(apiGroups.map(SchemaValue.string)), "resources": .array(resources.map(SchemaValue.string)),
             "verbs": .array(verbs.map(SchemaValue.string))]
        }
    }

    static let read = ["get", "list", "watch"]
    static let crud = ["create", "delete", "get", "list", "patch", "update", "watch"]
    static let userKinds = ["bpfapplications", "fentryprograms", "fexitprograms", "kprobeprograms", "tcprograms", "tcxprograms",
                            "tracepointprograms", "uprobeprograms", "xdpprograms"]
    static let nsKinds = ["bpfnsapplications", "tcnsprograms", "tcxnsprograms", "uprobensprograms", "xdpnsprograms"]

    static let watch = ["list", "watch"]

    public static let agent: [Rule] = [
        Rule(apiGroups: ["bpfman.io"], resources: userKinds + nsKinds, verbs: watch),
        // Its BpfPrograms: created, updated (finalizer, labels), deleted.
        Rule(apiGroups: ["bpfman.io"], resources: ["bpfprograms", "bpfnsprograms"], verbs: ["create", "delete", "list", "update", "watch"]),
        Rule(apiGroups: ["bpfman.io"], resources: ["bpfprograms/status", "bpfnsprograms/status"], verbs: ["update"]),
        // A BpfProgram's ownerReference to its user object blocks the owner's deletion.
        Rule(apiGroups: ["bpfman.io"], resources: (userKinds + nsKinds).map { $0 + "/finalizers" }, verbs: ["update"]),
        Rule(apiGroups: [""], resources: ["nodes", "pods"], verbs: watch),
        // Image pull secrets named by a program.
        Rule(apiGroups: [""], resources: ["secrets"], verbs: ["get"]),
    ]

    public static let operator_: [Rule] = [
        // User objects: watched; their finalizer added and removed by merge patch.
        Rule(apiGroups: ["bpfman.io"], resources: userKinds + nsKinds, verbs: ["list", "patch", "watch"]),
        Rule(apiGroups: ["bpfman.io"], resources: (userKinds + nsKinds).map { $0 + "/status" }, verbs: ["patch"]),
        Rule(apiGroups: ["bpfman.io"], resources: ["bpfprograms", "bpfnsprograms"], verbs: watch),
        // Nodes and the daemon's pods: which nodes status waits for.
        Rule(apiGroups: [""], resources: ["nodes", "pods"], verbs: watch),
        Rule(apiGroups: ["apps"], resources: ["daemonsets"], verbs: crud),
        // bpfman-config: watched, its finalizer patched; the DaemonSet it owns blocks its deletion.
        Rule(apiGroups: [""], resources: ["configmaps"], verbs: ["list", "patch", "watch"]),
        Rule(apiGroups: [""], resources: ["configmaps/finalizers"], verbs: ["update"]),
        Rule(apiGroups: ["storage.k8s.io"], resources: ["csidrivers"], verbs: ["create", "delete", "get"]),
        Rule(apiGroups: ["security.openshift.io"], resources: ["securitycontextconstraints"], verbs: ["create", "delete", "get"]),
        Rule(apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"]),
    ]

    /// The operator's leader election (a Lease), in its namespace.
    public static let leaderElection: [Rule] = [
        Rule(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "get", "update"]),
        Rule(apiGroups: [""], resources: ["events"], verbs: ["create", "patch"]),
    ]

    static func role(_ kind: String, _ name: String, _ rules: [Rule], namespace: String? = nil) -> SchemaValue {
        var meta: SchemaValue = ["name": .string(name)]
        if let namespace { meta["namespace"] = .string(namespace) }
        return ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": .string(kind), "metadata": meta,
                "rules": .array(rules.map(\.value))]
    }

    static func binding(_ kind: String, _ name: String, role: String, roleKind: String, account: String, namespace: String? = nil) -> SchemaValue {
        var meta: SchemaValue = ["name": .string(name)]
        if let namespace { meta["namespace"] = .string(namespace) }
        return ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": .string(kind), "metadata": meta,
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": .string(roleKind), "name": .string(role)],
                "subjects": [["kind": "ServiceAccount", "name": .string(account), "namespace": "bpfman"]]]
    }

    /// Roles for people: edit or view the per-node objects.
    static func userRole(_ kind: String, _ name: String, _ plural: String, edit: Bool) -> SchemaValue {
        role(kind, name, [Rule(apiGroups: ["bpfman.io"], resources: [plural], verbs: edit ? crud : read),
                          Rule(apiGroups: ["bpfman.io"], resources: [plural + "/status"], verbs: ["get"])],
             namespace: kind == "Role" ? "bpfman" : nil)
    }

    /// The metrics Service and the roles kube-rbac-proxy needs in front of /metrics.
    static func metricsDocuments() -> [String: SchemaValue] {
        [
            "auth_proxy_service.yaml": [
                "apiVersion": "v1", "kind": "Service",
                "metadata": ["name": "bpfman-controller-manager-metrics-service", "namespace": "bpfman",
                             "labels": ["control-plane": "controller-manager"]],
                "spec": ["ports": [["name": "https", "port": 8443, "protocol": "TCP", "targetPort": "https"]],
                         "selector": ["control-plane": "controller-manager"]],
            ],
            "auth_proxy_role.yaml": role("ClusterRole", "bpfman-proxy-role", [
                Rule(apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"]),
                Rule(apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"]),
            ]),
            "auth_proxy_role_binding.yaml": binding("ClusterRoleBinding", "bpfman-proxy-rolebinding", role: "bpfman-proxy-role",
                                                    roleKind: "ClusterRole", account: "bpfman-operator"),
            "auth_proxy_client_clusterrole.yaml": [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "bpfman-metrics-reader"],
                "rules": [["nonResourceURLs": ["/metrics"], "verbs": ["get"]]],
            ],
        ]
    }

    static func documents() -> [String: SchemaValue] {
        metricsDocuments().merging([
            "bpfprogram_editor_role.yaml": userRole("ClusterRole", "bpfman-bpfprogram-editor-role", "bpfprograms", edit: true),
            "bpfprogram_viewer_role.yaml": userRole("ClusterRole", "bpfman-bpfprogram-viewer-role", "bpfprograms", edit: false),
            "bpfnsprogram_editor_role.yaml": userRole("Role", "bpfman-bpfnsprogram-editor-role", "bpfnsprograms", edit: true),
            "bpfnsprogram_viewer_role.yaml": userRole("Role", "bpfman-bpfnsprogram-viewer-role", "bpfnsprograms", edit: false),
        ]) { a, _ in a }.merging(coreDocuments()) { a, _ in a }
    }

    static func coreDocuments() -> [String: SchemaValue] {
        [
            "agent_role.yaml": role("ClusterRole", "bpfman-agent-role", agent),
            "agent_role_binding.yaml": binding("ClusterRoleBinding", "bpfman-agent-rolebinding", role: "bpfman-agent-role",
                                               roleKind: "ClusterRole", account: "bpfman-daemon"),
            "agent_service_account.yaml": ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "bpfman-daemon", "namespace": "bpfman"]],
            "operator_role.yaml": role("ClusterRole", "bpfman-operator-role", operator_),
            "operator_role_binding.yaml": binding("ClusterRoleBinding", "bpfman-operator-rolebinding", role: "bpfman-operator-role",
                                                  roleKind: "ClusterRole", account: "bpfman-operator"),
            "operator_service_account.yaml": ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "bpfman-operator", "namespace": "bpfman"]],
            "leader_election_role.yaml": role("Role", "bpfman-leader-election-role", leaderElection, namespace: "bpfman"),
            "leader_election_role_binding.yaml": binding("RoleBinding", "bpfman-leader-election-rolebinding", role: "bpfman-leader-election-role",
                                                         roleKind: "Role", account: "bpfman-operator", namespace: "bpfman"),
        ]
    }
}
