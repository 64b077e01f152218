import KubeClient

/// A ConfigMap: `bpfman-config` is the one the operator reads.
public struct ConfigMapObject: KubeResource, Equatable {
    public static let resource = ResourceInfo(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true)
    public var apiVersion = "v1"
    public var kind = "ConfigMap"
    public var metadata: ObjectMeta
    public var data: [String: String]?

    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.metadata = metadata
        self.data = data
    }
}

/// The part of a DaemonSet the operator compares: metadata and spec.
public struct DaemonSetObject: KubeResource, Equatable {
    public static let resource = ResourceInfo(group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true)
    public var apiVersion = "apps/v1"
    public var kind = "DaemonSet"
    public var metadata: ObjectMeta
    public var spec: AnyJSON?
}

enum ClusterObjects {
    static let csiDriver = ResourceInfo(group: "storage.k8s.io", version: "v1", plural: "csidrivers", kind: "CSIDriver", namespaced: false)
    static let scc = ResourceInfo(group: "security.openshift.io", version: "v1", plural: "securitycontextconstraints",
                                  kind: "SecurityContextConstraints", namespaced: false)
}
