/// What an API request asks to do, in the terms RBAC rules are written in
/// (the real server's authorizer.Attributes).
public struct RequestAttributes: Sendable, Hashable {
    public var user: UserInfo
    public var verb: String
    public var apiGroup: String
    public var resource: String
    public var subresource: String
    public var namespace: String
    public var name: String

    /// `resource` or `resource/subresource`.
    public var fullResource: String { subresource.isEmpty ? resource : "\(resource)/\(subresource)" }

    /// The verb of an HTTP method on a collection or an object.
    static func verb(method: String, hasName: Bool, watch: Bool) -> String {
        switch method {
        case "GET", "HEAD": return watch ? "watch" : (hasName ? "get" : "list")
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return hasName ? "delete" : "deletecollection"
        default: return method.lowercased()
        }
    }

    /// The real server's 403: names the user, verb, resource, group and namespace.
    var forbidden: APIError { Self.forbidden(resource: resource, group: apiGroup, name: name, forbiddenReason) }

    var forbiddenReason: String {
        let scope = namespace.isEmpty ? "at the cluster scope" : "in the namespace \"\(namespace)\""
        return "User \"\(user.name)\" cannot \(verb) resource \"\(fullResource)\" in API group \"\(apiGroup)\" \(scope)"
    }

    static func forbidden(resource: String, group: String, name: String, _ why: String) -> APIError {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        let what = name.isEmpty ? qualified : "\(qualified) \"\(name)\""
        return APIError(code: 403, reason: "Forbidden", message: "\(what) is forbidden: \(why)",
                        details: ["name": .string(name), "group": .string(group), "kind": .string(resource)])
    }
}
