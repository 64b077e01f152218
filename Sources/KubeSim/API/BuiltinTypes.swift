/// The built-in kinds kubesim serves: the ones this project reads or writes.
enum BuiltinTypes {
    static func all(openShift: Bool) -> [ResourceType] {
        var t: [ResourceType] = [
            ResourceType(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false,
                         hasStatus: true, shortNames: ["ns"], extraFieldLabels: ["status.phase"]),
            ResourceType(group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false,
                         hasStatus: true, shortNames: ["no"], extraFieldLabels: ["spec.unschedulable"]),
            ResourceType(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, hasStatus: true,
                         shortNames: ["po"], extraFieldLabels: ["spec.nodeName", "status.phase", "spec.serviceAccountName"]),
            ResourceType(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true,
                         shortNames: ["cm"]),
            ResourceType(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true,
                         extraFieldLabels: ["type"]),
            ResourceType(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts",
                         namespaced: true, shortNames: ["sa"]),
            ResourceType(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true,
                         hasStatus: true, shortNames: ["svc"]),
            ResourceType(group: "", version: "v1", kind: "Event", plural: "events", namespaced: true,
                         shortNames: ["ev"],
                         extraFieldLabels: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                                            "involvedObject.uid", "involvedObject.apiVersion",
                                            "involvedObject.resourceVersion", "involvedObject.fieldPath",
                                            "reason", "reportingComponent", "source", "type"]),
            ResourceType(group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true,
                         shortNames: ["ev"]),
            ResourceType(group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true,
                         hasStatus: true, shortNames: ["ds"]),
            ResourceType(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true,
                         hasStatus: true, shortNames: ["deploy"]).withScale(),
            ResourceType(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true,
                         hasStatus: true, shortNames: ["rs"]).withScale(),
            ResourceType(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true,
                         hasStatus: true, shortNames: ["sts"]).withScale(),
            ResourceType(group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets",
                         namespaced: true, hasStatus: true, shortNames: ["pdb"]),
            ResourceType(group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases",
                         namespaced: true),
            ResourceType(group: "storage.k8s.io", version: "v1", kind: "CSIDriver", plural: "csidrivers",
                         namespaced: false),
            ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole",
                         plural: "clusterroles", namespaced: false),
            ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding",
                         plural: "clusterrolebindings", namespaced: false),
            ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles",
                         namespaced: true),
            ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding",
                         plural: "rolebindings", namespaced: true),
            ResourceType(group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectAccessReview",
                         plural: "selfsubjectaccessreviews", namespaced: false).answeredOnly(),
            ResourceType(group: "authorization.k8s.io", version: "v1", kind: "SubjectAccessReview",
                         plural: "subjectaccessreviews", namespaced: false).answeredOnly(),
            ResourceType(group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview",
                         plural: "selfsubjectreviews", namespaced: false).answeredOnly(),
            ResourceType(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
                         plural: "customresourcedefinitions", namespaced: false, hasStatus: true,
                         shortNames: ["crd", "crds"]),
        ]
        if openShift {
            t.append(ResourceType(group: "security.openshift.io", version: "v1", kind: "SecurityContextConstraints",
                                  plural: "securitycontextconstraints", namespaced: false, shortNames: ["scc"]))
        }
        return t
    }

    /// Groups listed in discovery with no resources served (OpenShift's route API:
    /// the operator only checks that the group exists).
    static func emptyGroups(openShift: Bool) -> [(group: String, version: String)] {
        openShift ? [("route.openshift.io", "v1")] : []
    }

    static let initialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]
}

extension ResourceType {
    func answeredOnly() -> ResourceType {
        var t = self
        t.createOnly = true
        return t
    }

    func withScale() -> ResourceType {
        var t = self
        t.hasScale = true
        return t
    }
}
