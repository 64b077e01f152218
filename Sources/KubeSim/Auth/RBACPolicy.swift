/// The Roles, ClusterRoles and bindings in the store, compiled for
/// authorization as the real RBAC authorizer reads them: ClusterRoleBindings
/// grant everywhere, RoleBindings in their namespace only (to a Role there or
/// to a ClusterRole); an aggregated ClusterRole holds the rules of every
/// ClusterRole its selectors pick. Built once per change of any RBAC object.
struct RBACPolicy: Sendable {
    struct Rule: Sendable {
        var verbs: [String]
        var apiGroups: [String]
        var resources: [String]
        var resourceNames: [String]
        var nonResourceURLs: [String]

        init(_ j: JSON) {
            func list(_ k: String) -> [String] { j[k]?.array?.compactMap(\.string) ?? [] }
            verbs = list("verbs"); apiGroups = list("apiGroups"); resources = list("resources")
            resourceNames = list("resourceNames"); nonResourceURLs = list("nonResourceURLs")
        }

        func matches(_ a: RequestAttributes) -> Bool {
            guard verbs.contains("*") || verbs.contains(a.verb) else { return false }
            guard apiGroups.contains("*") || apiGroups.contains(a.apiGroup) else { return false }
            let full = a.fullResource
            let resourceOK = resources.contains { r in
                r == full || (r == "*" && a.subresource.isEmpty)
                    || (r.hasPrefix("*/") && !a.subresource.isEmpty && r.dropFirst(2) == a.subresource)
                    || (r.hasSuffix("/*") && !a.subresource.isEmpty && r.dropLast(2) == a.resource)
            }
            guard resourceOK else { return false }
            return resourceNames.isEmpty || (!a.name.isEmpty && resourceNames.contains(a.name))
        }
    }

    /// Who a set of bindings grants which roles ("ClusterRole/name" or
    /// "Role/namespace/name"), indexed by user name (ServiceAccounts as
    /// `system:serviceaccount:ns:name`) and by group, so a request looks up
    /// its subjects instead of scanning every binding.
    struct Grants: Sendable {
        var byUser: [String: [String]] = [:]
        var byGroup: [String: [String]] = [:]

        mutating func add(subjects: [JSON], bindingNamespace: String, role: String) {
            for s in subjects {
                let name = s["name"]?.string ?? ""
                switch s["kind"]?.string {
                case "User": byUser[name, default: []].append(role)
                case "Group": byGroup[name, default: []].append(role)
                case "ServiceAccount":
                    let ns = s["namespace"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? bindingNamespace
                    byUser["system:serviceaccount:\(ns):\(name)", default: []].append(role)
                default: continue
                }
            }
        }

        func roles(for u: UserInfo) -> [String] {
            (byUser[u.name] ?? []) + u.groups.flatMap { byGroup[$0] ?? [] }
        }
    }

    /// A rule that allowed a request: the role and the rule's index in it.
    struct Grant: Sendable, Hashable {
        var role: String
        var rule: Int
    }

    var roles: [String: [Rule]] = [:]
    var clusterGrants = Grants()
    var grantsByNamespace: [String: Grants] = [:]

    init(clusterRoles: [JSON], roles nsRoles: [JSON], clusterRoleBindings: [JSON], roleBindings: [JSON]) {
        func rules(_ o: JSON) -> [Rule] { (o["rules"]?.array ?? []).map(Rule.init) }
        for c in clusterRoles { roles["ClusterRole/\(ObjectMeta.name(c))"] = rules(c) }
        // Aggregation: the union of the selected ClusterRoles' own rules.
        for c in clusterRoles {
            guard let selectors = c["aggregationRule"]?["clusterRoleSelectors"]?.array else { continue }
            var all = rules(c)
            for other in clusterRoles where ObjectMeta.name(other) != ObjectMeta.name(c) {
                let labels = other["metadata"]?["labels"]
                if selectors.contains(where: { (try? LabelSelector(json: $0))?.matches(labels) == true }) { all += rules(other) }
            }
            roles["ClusterRole/\(ObjectMeta.name(c))"] = all
        }
        for r in nsRoles { roles["Role/\(ObjectMeta.namespace(r))/\(ObjectMeta.name(r))"] = rules(r) }
        for b in clusterRoleBindings where b["roleRef"]?["kind"]?.string == "ClusterRole" {
            clusterGrants.add(subjects: b["subjects"]?.array ?? [], bindingNamespace: "",
                              role: "ClusterRole/\(b["roleRef"]?["name"]?.string ?? "")")
        }
        for b in roleBindings {
            let ns = ObjectMeta.namespace(b)
            let ref = b["roleRef"]?["name"]?.string ?? ""
            let role: String
            switch b["roleRef"]?["kind"]?.string {
            case "ClusterRole": role = "ClusterRole/\(ref)"
            case "Role": role = "Role/\(ns)/\(ref)"
            default: continue
            }
            grantsByNamespace[ns, default: Grants()].add(subjects: b["subjects"]?.array ?? [], bindingNamespace: ns, role: role)
        }
    }

    /// The ClusterRole (non-resource URLs are granted cluster-wide only) whose
    /// rules allow a verb on a path: exact, or a prefix ending in `*`.
    func authorizeNonResource(user: UserInfo, path: String, verb: String) -> String? {
        for role in clusterGrants.roles(for: user) {
            for r in roles[role] ?? [] where r.verbs.contains("*") || r.verbs.contains(verb) {
                if r.nonResourceURLs.contains(where: { $0 == path || $0 == "*" || ($0.hasSuffix("*") && path.hasPrefix($0.dropLast())) }) {
                    return role
                }
            }
        }
        return nil
    }

    /// The first rule that allows the request, or nil (denied).
    func authorize(_ a: RequestAttributes) -> Grant? {
        var candidates = clusterGrants.roles(for: a.user)
        if !a.namespace.isEmpty, let g = grantsByNamespace[a.namespace] { candidates += g.roles(for: a.user) }
        for role in candidates {
            for (i, r) in (roles[role] ?? []).enumerated() where r.matches(a) { return Grant(role: role, rule: i) }
        }
        return nil
    }
}
