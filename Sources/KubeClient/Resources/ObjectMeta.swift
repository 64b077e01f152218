/// `metadata` of every Kubernetes object (the fields this project uses).
public struct ObjectMeta: Codable, Sendable, Equatable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int64?
    public var creationTimestamp: String?
    public var deletionTimestamp: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var finalizers: [String]?
    public var ownerReferences: [OwnerReference]?

    public init(name: String? = nil, namespace: String? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
    }
}

/// A link from a dependent to its owner, for garbage collection and watches.
public struct OwnerReference: Codable, Sendable, Equatable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var uid: String
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?

    public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil,
                blockOwnerDeletion: Bool? = nil)
    {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }
}

/// `metadata` of a list.
public struct ListMeta: Codable, Sendable {
    public var resourceVersion: String?
    public var `continue`: String?
    public var remainingItemCount: Int64?
}

/// A page of a list.
public struct ObjectList<T: Decodable & Sendable>: Decodable, Sendable {
    public var metadata: ListMeta
    public var items: [T]
}
