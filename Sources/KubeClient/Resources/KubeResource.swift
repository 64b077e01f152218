/// Where a kind lives in the API: what the URL and apiVersion are built from.
public struct ResourceInfo: Sendable, Hashable {
    public var group: String
    public var version: String
    public var plural: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, plural: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The collection path, in a namespace when the kind is namespaced.
    func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var p = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { p += "/namespaces/\(namespace)" }
        p += "/\(plural)"
        if let name { p += "/\(name)" }
        if let subresource { p += "/\(subresource)" }
        return p
    }
}

/// A typed kind: a Codable object with metadata and a static place in the API.
public protocol KubeResource: Codable, Sendable {
    static var resource: ResourceInfo { get }
    var metadata: ObjectMeta { get set }
}

extension KubeResource {
    public var name: String { metadata.name ?? "" }
    public var namespace: String? { metadata.namespace }
    public var resourceVersion: String { metadata.resourceVersion ?? "" }
}
