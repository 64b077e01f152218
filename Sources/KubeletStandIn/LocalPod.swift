import KubeClient

/// A core/v1 Pod as the kubelet stand-in reads it: what it takes to run the
/// pod under a CRI runtime (containers, volumes, namespaces, privileges,
/// probes). Fields it does not know are not decoded; the plan says which
/// ones it refuses, so nothing asked for is silently dropped.
public struct LocalPod: KubeResource, Equatable {
    public static let resource = ResourceInfo(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true)
    public var apiVersion = "v1"
    public var kind = "Pod"
    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: AnyJSON?

    public init(metadata: ObjectMeta, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Codable, Sendable, Equatable {
        public var nodeName: String?
        public var hostNetwork: Bool?
        public var hostPID: Bool?
        public var hostIPC: Bool?
        public var hostname: String?
        public var containers: [Container]
        public var initContainers: [Container]?
        public var volumes: [Volume]?
        public var restartPolicy: String?
        public var terminationGracePeriodSeconds: Int64?
        public var serviceAccountName: String?
        public var automountServiceAccountToken: Bool?
        public var securityContext: PodSecurityContext?

        public init(nodeName: String? = nil, containers: [Container], volumes: [Volume]? = nil, hostNetwork: Bool? = nil) {
            self.nodeName = nodeName
            self.containers = containers
            self.volumes = volumes
            self.hostNetwork = hostNetwork
        }
    }

    public struct Container: Codable, Sendable, Equatable {
        public var name: String
        public var image: String
        public var command: [String]?
        public var args: [String]?
        public var workingDir: String?
        public var env: [EnvVar]?
        public var volumeMounts: [VolumeMount]?
        public var securityContext: SecurityContext?
        public var readinessProbe: Probe?
        public var livenessProbe: Probe?
        public var imagePullPolicy: String?

        public init(name: String, image: String, command: [String]? = nil, args: [String]? = nil) {
            self.name = name
            self.image = image
            self.command = command
            self.args = args
        }
    }

    public struct EnvVar: Codable, Sendable, Equatable {
        public var name: String
        public var value: String?
        public var valueFrom: EnvSource?
    }

    /// `fieldRef` (the downward API) and `configMapKeyRef`; other sources are refused by name.
    public struct EnvSource: Codable, Sendable, Equatable {
        public var fieldRef: FieldRef?
        public var configMapKeyRef: ConfigMapKeyRef?
        public var secretKeyRef: AnyJSON?
        public var resourceFieldRef: AnyJSON?
    }

    public struct ConfigMapKeyRef: Codable, Sendable, Equatable {
        public var name: String
        public var key: String
        public var optional: Bool?
    }

    public struct FieldRef: Codable, Sendable, Equatable {
        public var fieldPath: String
    }

    public struct VolumeMount: Codable, Sendable, Equatable {
        public var name: String
        public var mountPath: String
        public var readOnly: Bool?
        public var mountPropagation: String?
        public var subPath: String?
    }

    public struct SecurityContext: Codable, Sendable, Equatable {
        public var privileged: Bool?
        public var capabilities: Capabilities?
        public var runAsUser: Int64?
        public var runAsGroup: Int64?
    }

    /// Pod-wide: the user and group its containers run as, and fsGroup (a supplemental group of every container).
    public struct PodSecurityContext: Codable, Sendable, Equatable {
        public var runAsUser: Int64?
        public var runAsGroup: Int64?
        public var fsGroup: Int64?
        public var supplementalGroups: [Int64]?
    }

    public struct Capabilities: Codable, Sendable, Equatable {
        public var add: [String]?
        public var drop: [String]?
    }

    public struct Probe: Codable, Sendable, Equatable {
        public var exec: ExecAction?
        public var httpGet: HTTPGetAction?
        public var tcpSocket: AnyJSON?
        public var grpc: AnyJSON?
        public var initialDelaySeconds: Int?
        public var periodSeconds: Int?
        public var failureThreshold: Int?
    }

    public struct ExecAction: Codable, Sendable, Equatable {
        public var command: [String]
    }

    public struct HTTPGetAction: Codable, Sendable, Equatable {
        public var path: String?
        /// A number, or the name of a container port (refused: named ports are not resolved).
        public var port: AnyJSON
        public var host: String?
        public var scheme: String?
    }

    public struct Volume: Codable, Sendable, Equatable {
        public var name: String
        public var hostPath: HostPathSource?
        public var emptyDir: AnyJSON?
        public var configMap: ConfigMapSource?
        public var downwardAPI: DownwardAPISource?
        public var csi: CSISource?
        public var secret: AnyJSON?
        public var persistentVolumeClaim: AnyJSON?
        public var projected: AnyJSON?

        public init(name: String) { self.name = name }
    }

    public struct HostPathSource: Codable, Sendable, Equatable {
        public var path: String
        public var type: String?
    }

    public struct KeyToPath: Codable, Sendable, Equatable {
        public var key: String
        public var path: String
    }

    public struct ConfigMapSource: Codable, Sendable, Equatable {
        public var name: String
        public var items: [KeyToPath]?
        public var optional: Bool?
    }

    public struct DownwardAPIFile: Codable, Sendable, Equatable {
        public var path: String
        public var fieldRef: FieldRef?
    }

    public struct DownwardAPISource: Codable, Sendable, Equatable {
        public var items: [DownwardAPIFile]?
    }

    public struct CSISource: Codable, Sendable, Equatable {
        public var driver: String
        public var readOnly: Bool?
        public var volumeAttributes: [String: String]?
    }

    public var isDeleting: Bool { metadata.deletionTimestamp != nil }

    /// Init containers, then containers: everything the pod runs.
    public var allContainers: [Container] { (spec.initContainers ?? []) + spec.containers }
}
