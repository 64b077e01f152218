/// The review kinds `kubectl auth can-i` and `kubectl auth whoami` create
/// (SelfSubjectAccessReview, SubjectAccessReview, SelfSubjectReview):
/// answered from the requester's identity and the RBAC policy the requests
/// themselves are checked against, and stored nowhere. Every authenticated
/// user may create the self-reviews, as the real server's `system:basic-user`
/// binding allows.
struct AccessReviews: Sendable {
    let store: ObjectStore
    let enforce: Bool

    static func isSelfReview(_ t: ResourceType) -> Bool {
        (t.group == "authorization.k8s.io" && t.plural == "selfsubjectaccessreviews")
            || (t.group == "authentication.k8s.io" && t.plural == "selfsubjectreviews")
    }

    static func isReview(_ t: ResourceType) -> Bool {
        isSelfReview(t) || (t.group == "authorization.k8s.io" && t.plural == "subjectaccessreviews")
    }

    func create(_ t: ResourceType, requester: UserInfo?, body: JSON) throws -> APIReply {
        var o = body
        o["apiVersion"] = .string(t.apiVersion)
        o["kind"] = .string(t.kind)
        o["metadata"] = ["creationTimestamp": .null]
        let user = requester ?? UserInfo.admin
        if t.kind == "SelfSubjectReview" {
            o["status"] = ["userInfo": ["username": .string(user.name), "groups": .array(user.groups.map(JSON.string))]]
            return .json(201, o)
        }
        let spec = body["spec"] ?? [:]
        let subject: UserInfo
        if t.kind == "SubjectAccessReview" {
            guard let name = spec["user"]?.string, !name.isEmpty || spec["groups"]?.array?.isEmpty == false else {
                throw invalid(t, "spec.user", "at least one of user or group must be specified")
            }
            subject = UserInfo(name: name, groups: spec["groups"]?.array?.compactMap(\.string) ?? [])
        } else {
            guard spec["user"] == nil, spec["groups"] == nil else {
                throw invalid(t, "spec", "a SelfSubjectAccessReview asks about its requester: user and groups must be empty")
            }
            subject = user
        }
        let resource = spec["resourceAttributes"], nonResource = spec["nonResourceAttributes"]
        guard (resource == nil) != (nonResource == nil) else {
            throw invalid(t, "spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified")
        }
        let (allowed, reason) = decide(subject, resource: resource, nonResource: nonResource)
        var status: JSON = ["allowed": .bool(allowed)]
        if !reason.isEmpty { status["reason"] = .string(reason) }
        o["status"] = status
        return .json(201, o)
    }

    func decide(_ u: UserInfo, resource: JSON?, nonResource: JSON?) -> (Bool, String) {
        if !enforce { return (true, "kubesim: authorization mode AlwaysAllow") }
        if u.isSuperuser { return (true, "kubesim: \(u.name) is a superuser") }
        let policy = store.rbacPolicy()
        if let r = resource {
            func s(_ k: String) -> String { r[k]?.string ?? "" }
            let a = RequestAttributes(user: u, verb: s("verb"), apiGroup: s("group"), resource: s("resource"),
                                      subresource: s("subresource"), namespace: s("namespace"), name: s("name"))
            guard let g = policy.authorize(a) else { return (false, "") }
            return (true, "RBAC: allowed by \(g.role.replacingOccurrences(of: "/", with: " "))")
        }
        let path = nonResource?["path"]?.string ?? "", verb = nonResource?["verb"]?.string ?? ""
        guard let role = policy.authorizeNonResource(user: u, path: path, verb: verb) else { return (false, "") }
        return (true, "RBAC: allowed by \(role.replacingOccurrences(of: "/", with: " "))")
    }

    func invalid(_ t: ResourceType, _ field: String, _ why: String) -> APIError {
        APIError(code: 422, reason: "Invalid", message: "\(t.kind).\(t.group) \"\" is invalid: \(field): Invalid value: \(why)")
    }
}
