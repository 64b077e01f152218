import CRI
import KubeClient

/// What running one Pod takes, decided without I/O: the CRI sandbox config,
/// the volumes to make on the node before any container starts, and each
/// container's CRI config. A pod asking for something this stand-in does
/// not do (a Secret volume, a subPath, a named probe port) is refused whole,
/// with every reason, instead of running without it.
public struct PodRunPlan: Sendable, Equatable {
    public var sandbox: Runtime_V1_PodSandboxConfig
    public var volumes: [NodeVolume]
    public var containers: [LocalPod.Container]
    /// Run one after another, each to success, before `containers` start.
    public var initContainers: [LocalPod.Container]
    /// Where the pod's own directories are on the node (volumes, logs).
    public var podDir: String
    /// The directory with the ServiceAccount's token, ca.crt and namespace, when the pod gets one.
    public var serviceAccountMount: String?
    private var pod: LocalPod
    private var node: NodeFacts

    /// Every label the runtime carries for the kubelet (the names the real kubelet uses).
    public static let podNameLabel = "io.kubernetes.pod.name"
    public static let podNamespaceLabel = "io.kubernetes.pod.namespace"
    public static let podUIDLabel = "io.kubernetes.pod.uid"
    public static let containerNameLabel = "io.kubernetes.container.name"

    public init(pod: LocalPod, node: NodeFacts) throws(PodRefusal) {
        var reasons: [String] = []
        let uid = pod.metadata.uid ?? ""
        if uid.isEmpty { reasons.append("the pod has no metadata.uid") }
        podDir = "\(node.podsRoot)/\(uid)"
        if pod.spec.containers.isEmpty { reasons.append("spec.containers is empty") }

        var volumes: [NodeVolume] = []
        for v in pod.spec.volumes ?? [] {
            switch NodeVolume.make(v, podDir: podDir) {
            case .success(let nv): volumes.append(nv)
            case .failure(let refusal): reasons.append(refusal.reason)
            }
        }
        let byName = Dictionary(volumes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for c in pod.allContainers {
            for m in c.volumeMounts ?? [] {
                if byName[m.name] == nil { reasons.append("container \"\(c.name)\": volumeMount \"\(m.name)\" names no volume of the pod") }
                if let s = m.subPath, s.hasPrefix("/") || s.split(separator: "/").contains("..") {
                    reasons.append("container \"\(c.name)\": volumeMount \"\(m.name)\": subPath \(s) leaves the volume")
                }
                if let p = m.mountPropagation, Self.propagation(p) == nil {
                    reasons.append("container \"\(c.name)\": volumeMount \"\(m.name)\": unknown mountPropagation \"\(p)\"")
                }
            }
            for e in c.env ?? [] {
                if let from = e.valueFrom {
                    if let f = from.fieldRef {
                        if !DownwardAPI.supports(f.fieldPath) {
                            reasons.append("container \"\(c.name)\": env \(e.name): fieldRef \(f.fieldPath) is not supported")
                        }
                    } else if from.configMapKeyRef == nil {
                        reasons.append("container \"\(c.name)\": env \(e.name): only value, valueFrom.fieldRef and valueFrom.configMapKeyRef are supported")
                    }
                }
            }
            if let probe = c.readinessProbe, let reason = Self.probeRefusal(probe) {
                reasons.append("container \"\(c.name)\": readinessProbe: \(reason)")
            }
            if let probe = c.livenessProbe, let reason = Self.probeRefusal(probe) {
                reasons.append("container \"\(c.name)\": livenessProbe: \(reason)")
            }
        }
        if !reasons.isEmpty { throw PodRefusal(reasons: reasons) }

        self.pod = pod
        self.node = node
        self.volumes = volumes
        self.initContainers = pod.spec.initContainers ?? []
        self.containers = pod.spec.containers
        sandbox = Self.sandboxConfig(pod, podDir: podDir)
    }

    static func probeRefusal(_ p: LocalPod.Probe) -> String? {
        if p.tcpSocket != nil || p.grpc != nil { return "only exec and httpGet probes are run" }
        if let h = p.httpGet {
            if case .number = h.port {} else { return "httpGet port must be a number (named ports are not resolved)" }
            if let s = h.scheme, s.uppercased() != "HTTP" { return "httpGet scheme \(s) is not supported" }
        }
        if p.exec == nil && p.httpGet == nil { return "no exec or httpGet handler" }
        return nil
    }

    static func propagation(_ s: String) -> Runtime_V1_MountPropagation? {
        switch s {
        case "None": .propagationPrivate
        case "HostToContainer": .propagationHostToContainer
        case "Bidirectional": .propagationBidirectional
        default: nil
        }
    }

    var usesNodeNetwork: Bool { pod.spec.hostNetwork ?? false }

    static func namespaces(_ pod: LocalPod) -> Runtime_V1_NamespaceOption {
        var ns = Runtime_V1_NamespaceOption()
        ns.network = (pod.spec.hostNetwork ?? false) ? .node : .pod
        ns.pid = (pod.spec.hostPID ?? false) ? .node : .container
        ns.ipc = (pod.spec.hostIPC ?? false) ? .node : .pod
        return ns
    }

    static func labels(_ pod: LocalPod) -> [String: String] {
        var l = pod.metadata.labels ?? [:]
        l[podNameLabel] = pod.metadata.name ?? ""
        l[podNamespaceLabel] = pod.metadata.namespace ?? ""
        l[podUIDLabel] = pod.metadata.uid ?? ""
        return l
    }

    static func sandboxConfig(_ pod: LocalPod, podDir: String) -> Runtime_V1_PodSandboxConfig {
        var c = Runtime_V1_PodSandboxConfig()
        c.metadata.name = pod.metadata.name ?? ""
        c.metadata.namespace = pod.metadata.namespace ?? ""
        c.metadata.uid = pod.metadata.uid ?? ""
        c.metadata.attempt = 0
        if !(pod.spec.hostNetwork ?? false) { c.hostname = pod.spec.hostname ?? pod.metadata.name ?? "" }
        c.logDirectory = podDir + "/logs"
        c.labels = labels(pod)
        c.annotations = pod.metadata.annotations ?? [:]
        c.linux.securityContext.namespaceOptions = namespaces(pod)
        c.linux.securityContext.privileged = pod.spec.containers.contains { $0.securityContext?.privileged ?? false }
        return c
    }

    /// The ConfigMaps the containers' env reads (namespace is the pod's).
    public var envConfigMaps: Set<String> {
        Set(pod.allContainers.flatMap { ($0.env ?? []).compactMap { $0.valueFrom?.configMapKeyRef?.name } })
    }

    /// Env from ConfigMaps that is missing and not optional: why the container cannot be made yet.
    public func missingEnv(_ container: LocalPod.Container, configMaps: [String: [String: String]]) -> String? {
        for e in container.env ?? [] {
            guard let ref = e.valueFrom?.configMapKeyRef, !(ref.optional ?? false) else { continue }
            guard let data = configMaps[ref.name] else { return "configmap \"\(ref.name)\" not found (env \(e.name))" }
            if data[ref.key] == nil { return "key \(ref.key) not in configmap \"\(ref.name)\" (env \(e.name))" }
        }
        return nil
    }

    /// The CRI config of `container`, once the sandbox is up (the pod IP is
    /// known, for env taken from status.podIP) and the ConfigMaps its env reads are.
    public func containerConfig(_ container: LocalPod.Container, podIP: String,
                                configMaps: [String: [String: String]] = [:]) -> Runtime_V1_ContainerConfig {
        var c = Runtime_V1_ContainerConfig()
        c.metadata.name = container.name
        c.metadata.attempt = 0
        c.image.image = container.image
        c.command = container.command ?? []
        c.args = container.args ?? []
        c.workingDir = container.workingDir ?? ""
        let facts = DownwardAPI(pod: pod, node: node, podIP: podIP)
        c.envs = (container.env ?? []).map { e in
            var kv = Runtime_V1_KeyValue()
            kv.key = e.name
            if let ref = e.valueFrom?.configMapKeyRef {
                kv.value = configMaps[ref.name]?[ref.key] ?? ""
            } else {
                kv.value = e.valueFrom?.fieldRef.flatMap { facts.value($0.fieldPath) } ?? e.value ?? ""
            }
            return kv
        } + node.serviceEnv.sorted { $0.key < $1.key }.map { k, v in
            var kv = Runtime_V1_KeyValue()
            kv.key = k
            kv.value = v
            return kv
        }
        let byName = Dictionary(volumes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        c.mounts = (container.volumeMounts ?? []).compactMap { m -> Runtime_V1_Mount? in
            guard let v = byName[m.name] else { return nil }
            var mount = Runtime_V1_Mount()
            mount.containerPath = m.mountPath
            mount.hostPath = m.subPath.map { $0.isEmpty ? v.hostPath : v.hostPath + "/" + $0 } ?? v.hostPath
            mount.readonly = (m.readOnly ?? false) || v.readOnly
            mount.propagation = m.mountPropagation.flatMap(Self.propagation) ?? .propagationPrivate
            return mount
        }
        if let token = serviceAccountMount {
            var mount = Runtime_V1_Mount()
            mount.containerPath = ServiceAccountToken.mountPath
            mount.hostPath = token
            mount.readonly = true
            c.mounts.append(mount)
        }
        c.labels = Self.labels(pod).merging([Self.containerNameLabel: container.name]) { _, b in b }
        c.logPath = "\(container.name)/0.log"
        var sc = Runtime_V1_LinuxContainerSecurityContext()
        sc.privileged = container.securityContext?.privileged ?? false
        sc.capabilities.addCapabilities = container.securityContext?.capabilities?.add ?? []
        sc.capabilities.dropCapabilities = container.securityContext?.capabilities?.drop ?? []
        sc.namespaceOptions = Self.namespaces(pod)
        if let uid = container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser { sc.runAsUser.value = uid }
        if let gid = container.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup { sc.runAsGroup.value = gid }
        sc.supplementalGroups = (pod.spec.securityContext?.supplementalGroups ?? []) + (pod.spec.securityContext?.fsGroup.map { [$0] } ?? [])
        c.linux.securityContext = sc
        return c
    }
}

/// Why a Pod is not run: each thing it asks for that this stand-in does not do.
public struct PodRefusal: Error, Equatable, CustomStringConvertible {
    public var reasons: [String]
    public var description: String { reasons.joined(separator: "; ") }
}
