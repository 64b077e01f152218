import KubeClient

/// The part of a core/v1 Node the agent reads: labels and addresses.
public struct NodeObject: KubeResource, Equatable {
    public static let resource = ResourceInfo(group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false)
    public var apiVersion = "v1"
    public var kind = "Node"
    public var metadata: ObjectMeta
    public var status: Status?

    public struct Status: Codable, Sendable, Equatable {
        public var addresses: [Address]?
    }

    public struct Address: Codable, Sendable, Equatable {
        public var type: String
        public var address: String
    }

    public init(metadata: ObjectMeta, internalIPs: [String] = []) {
        self.metadata = metadata
        status = Status(addresses: internalIPs.map { Address(type: "InternalIP", address: $0) })
    }

    public var internalIPs: [String] { (status?.addresses ?? []).filter { $0.type == "InternalIP" }.map(\.address) }
}
