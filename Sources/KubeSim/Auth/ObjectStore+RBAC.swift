extension ObjectStore {
    /// The RBAC policy as the store holds it now (compiled once per change).
    func rbacPolicy() -> RBACPolicy {
        lock.withLock {
            if let p = rbacCache { return p }
            func all(_ plural: String) -> [JSON] { Array((buckets["rbac.authorization.k8s.io/\(plural)"] ?? [:]).values) }
            let p = RBACPolicy(clusterRoles: all("clusterroles"), roles: all("roles"),
                               clusterRoleBindings: all("clusterrolebindings"), roleBindings: all("rolebindings"))
            rbacCache = p
            return p
        }
    }

    /// The uid of a ServiceAccount, or nil when there is none.
    func serviceAccountUID(namespace: String, name: String) -> String? {
        lock.withLock { buckets["/serviceaccounts"]?[ObjectMeta.key(namespace: namespace, name: name)].map(ObjectMeta.uid) }
    }

    /// The served type of an owner reference (apiVersion and kind), for the
    /// blockOwnerDeletion check. Called under the lock.
    func typeLocked(apiVersion: String, kind: String) -> ResourceType? {
        types.values.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }
}
