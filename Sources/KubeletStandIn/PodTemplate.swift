import KubeClient

/// A pod template of a DaemonSet or Deployment.
public struct PodTemplate: Codable, Sendable, Equatable {
    public var metadata: ObjectMeta?
    public var spec: AnyJSON
}
