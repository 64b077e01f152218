/// What the stand-in knows of its node that a pod's plan uses.
public struct NodeFacts: Sendable, Equatable {
    public var nodeName: String
    /// The node's InternalIP (status.hostIP of its pods).
    public var nodeIP: String
    /// Where pods' own directories go: `<podsRoot>/<uid>/{volumes,logs}`.
    public var podsRoot: String
    /// KUBERNETES_SERVICE_HOST / _PORT, as the real kubelet sets them for in-cluster clients.
    public var serviceEnv: [String: String]

    public init(nodeName: String, nodeIP: String, podsRoot: String, serviceEnv: [String: String] = [:]) {
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.podsRoot = podsRoot
        self.serviceEnv = serviceEnv
    }
}
