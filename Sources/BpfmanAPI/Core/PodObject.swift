import KubeClient

/// The part of a core/v1 Pod the agent and operator read.
public struct PodObject: KubeResource, Equatable {
    public static let resource = ResourceInfo(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true)
    public var apiVersion = "v1"
    public var kind = "Pod"
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public init(metadata: ObjectMeta, nodeName: String? = nil, phase: String? = nil) {
        self.metadata = metadata
        spec = Spec(nodeName: nodeName)
        status = Status(phase: phase)
    }

    public struct Spec: Codable, Sendable, Equatable {
        public var nodeName: String?
    }

    public struct Status: Codable, Sendable, Equatable {
        public var phase: String?
    }

    public var isRunning: Bool { status?.phase == "Running" }
}
