import KubeClient

/// One pod volume as a directory on the node that containers bind-mount:
/// a hostPath as it is, the others made under the pod's directory.
public struct NodeVolume: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case hostPath(type: String?)
        case emptyDir
        case configMap(name: String, items: [LocalPod.KeyToPath]?, optional: Bool)
        case downwardAPI([LocalPod.DownwardAPIFile])
        /// The named CSI driver's (the stand-in has no CSI client yet: refused when the pod starts).
        case csi(driver: String)
    }

    public var name: String
    public var source: Source
    /// What containers mount.
    public var hostPath: String
    public var readOnly: Bool

    /// The volume, or why it is refused.
    static func make(_ v: LocalPod.Volume, podDir: String) -> Result<NodeVolume, Refusal> {
        let dir = "\(podDir)/volumes/\(v.name)"
        if v.secret != nil || v.persistentVolumeClaim != nil || v.projected != nil {
            let kind = v.secret != nil ? "secret" : v.persistentVolumeClaim != nil ? "persistentVolumeClaim" : "projected"
            return .failure(Refusal("volume \"\(v.name)\": \(kind) volumes are not supported by this kubelet stand-in"))
        }
        if let h = v.hostPath {
            let known: Set = ["", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket", "CharDevice", "BlockDevice"]
            guard known.contains(h.type ?? "") else { return .failure(Refusal("volume \"\(v.name)\": unknown hostPath type \"\(h.type ?? "")\"")) }
            return .success(NodeVolume(name: v.name, source: .hostPath(type: h.type), hostPath: h.path, readOnly: false))
        }
        if v.emptyDir != nil { return .success(NodeVolume(name: v.name, source: .emptyDir, hostPath: dir, readOnly: false)) }
        if let c = v.configMap {
            return .success(NodeVolume(name: v.name, source: .configMap(name: c.name, items: c.items, optional: c.optional ?? false),
                                       hostPath: dir, readOnly: true))
        }
        if let d = v.downwardAPI {
            for f in d.items ?? [] where f.fieldRef.map({ !DownwardAPI.supports($0.fieldPath) }) ?? true {
                return .failure(Refusal("volume \"\(v.name)\": downwardAPI item \(f.path): only supported fieldRefs are served"))
            }
            return .success(NodeVolume(name: v.name, source: .downwardAPI(d.items ?? []), hostPath: dir, readOnly: true))
        }
        if let c = v.csi {
            return .success(NodeVolume(name: v.name, source: .csi(driver: c.driver),
                                       hostPath: dir, readOnly: c.readOnly ?? false))
        }
        return .failure(Refusal("volume \"\(v.name)\": no volume source this kubelet stand-in knows"))
    }

    struct Refusal: Error {
        var reason: String
        init(_ r: String) { reason = r }
    }
}
