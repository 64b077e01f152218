/// Which interfaces a network program attaches to: exactly one of the two keys.
public struct InterfaceSelector: Codable, Sendable, Equatable {
    public var interfaces: [String]?
    public var primarynodeinterface: Bool?

    public init(interfaces: [String]? = nil, primarynodeinterface: Bool? = nil) {
        self.interfaces = interfaces
        self.primarynodeinterface = primarynodeinterface
    }

    static var schema: SchemaValue {
        S.object(["interfaces": S.array(S.string(), "Interface names to attach to."),
                  "primarynodeinterface": S.boolean("Attach to the node's primary interface.")],
                 "Exactly one of interfaces or primarynodeinterface.", minProperties: 1, maxProperties: 1)
    }
}

/// How a kind selects containers: cluster-scoped kinds may name a namespace
/// and may leave `containers` out; namespaced kinds must set it.
public protocol ContainerSelection: Codable, Sendable, Equatable {
    static var schema: SchemaValue { get }
    /// `["containers"]` when the kind requires it.
    static var requiredKey: [String] { get }
}

/// Containers to attach inside (cluster-scoped kinds: any namespace).
public struct ContainerSelector: ContainerSelection {
    public static let requiredKey: [String] = []
    public var namespace: String?
    public var pods: LabelSelector
    public var containernames: [String]?

    public static var schema: SchemaValue {
        S.object(["namespace": S.string("Namespace of the pods; empty means all namespaces.", default: ""),
                  "pods": labelSelectorSchema("Pods whose containers are targeted; {} selects all."),
                  "containernames": S.array(S.string(), "Container names; empty means all.")],
                 required: ["pods"])
    }
}

/// Containers to attach inside, in the object's own namespace.
public struct ContainerNsSelector: ContainerSelection {
    public static let requiredKey = ["containers"]
    public var pods: LabelSelector
    public var containernames: [String]?

    public static var schema: SchemaValue {
        S.object(["pods": labelSelectorSchema("Pods whose containers are targeted; {} selects all."),
                  "containernames": S.array(S.string(), "Container names; empty means all.")],
                 required: ["pods"])
    }
}

func labelSelectorSchema(_ description: String) -> SchemaValue {
    S.object([
        "matchLabels": S.map(S.string()),
        "matchExpressions": S.array(S.object(["key": S.string(), "operator": S.string(), "values": S.array(S.string(), listType: "atomic")],
                                             required: ["key", "operator"]), listType: "atomic"),
    ], description, atomic: true)
}

/// Where bytecode comes from: an OCI image or a path on the node.
public struct BytecodeSelector: Codable, Sendable, Equatable {
    public var image: BytecodeImage?
    public var path: String?

    public init(image: BytecodeImage? = nil, path: String? = nil) {
        self.image = image
        self.path = path
    }

    static var schema: SchemaValue {
        S.object(["image": BytecodeImage.schema, "path": S.string("Path to a bytecode file on the node.")],
                 "Bytecode from an image or a file on the node.")
    }
}

/// A bytecode image and how to pull it.
public struct BytecodeImage: Codable, Sendable, Equatable {
    public var url: String
    public var imagepullpolicy: PullPolicy?
    public var imagepullsecret: ImagePullSecretSelector?

    public init(url: String, imagepullpolicy: PullPolicy? = nil, imagepullsecret: ImagePullSecretSelector? = nil) {
        self.url = url
        self.imagepullpolicy = imagepullpolicy
        self.imagepullsecret = imagepullsecret
    }

    static var schema: SchemaValue {
        S.object(["url": S.string("Image reference, e.g. quay.io/bpfman-bytecode/xdp_pass:latest."),
                  "imagepullpolicy": S.string("When to pull.", enum: PullPolicy.allCases.map(\.rawValue), default: "IfNotPresent"),
                  "imagepullsecret": S.object(["name": S.string(), "namespace": S.string()], "Secret with registry credentials.",
                                              required: ["name", "namespace"])],
                 required: ["url"])
    }
}

public enum PullPolicy: String, Codable, Sendable, CaseIterable {
    case always = "Always", never = "Never", ifNotPresent = "IfNotPresent"
}

public struct ImagePullSecretSelector: Codable, Sendable, Equatable {
    public var name: String
    public var namespace: String
}
