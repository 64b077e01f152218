/// One served resource: its group/version/kind, URL names, scope, and for
/// custom resources the schema and printer columns taken from the CRD.
public struct ResourceType: Sendable {
    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String] = []
    public var categories: [String] = []
    public var hasStatus: Bool = false
    /// Serves the `scale` subresource (autoscaling/v1 Scale over spec.replicas).
    public var hasScale: Bool = false
    public var schema: JSON? = nil
    public var printerColumns: [JSON] = []
    /// Field selectors this kind supports besides metadata.name / metadata.namespace.
    public var extraFieldLabels: [String] = []
    /// Set for kinds defined by a CustomResourceDefinition (its name).
    public var crdName: String? = nil

    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool,
                hasStatus: Bool = false, shortNames: [String] = [], extraFieldLabels: [String] = [])
    {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = kind.lowercased()
        self.namespaced = namespaced
        self.hasStatus = hasStatus
        self.shortNames = shortNames
        self.extraFieldLabels = extraFieldLabels
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// Storage identity: one bucket per group and plural, whatever the version.
    public var storageKey: String { "\(group)/\(plural)" }
    public var listKind: String { kind + "List" }

    /// A kind that is only ever created and answered, never stored (the access reviews).
    public var createOnly = false

    public var verbs: [String] {
        createOnly ? ["create"] : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    }
}
