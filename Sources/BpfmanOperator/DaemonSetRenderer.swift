import BpfmanAPI
import Foundation
import KubeClient
import Yams

/// Renders the `bpfman-daemon` DaemonSet from the shipped template and the
/// `bpfman-config` ConfigMap (operator spec §4.3) — pure.
public struct DaemonSetRenderer: Sendable {
    public let template: AnyJSON

    /// The keys the operator reads, and the pod-template annotation each sets
    /// (so a change rolls the daemon pods).
    public static let annotated: [(key: String, annotation: String)] = [
        ("bpfman.log.level", "bpfman.io.bpfman.loglevel"),
        ("bpfman.agent.log.level", "bpfman.io.bpfman.agent.loglevel"),
        ("bpfman.agent.healthprobe.addr", "bpfman.io.bpfman.agent.healthprobeaddr"),
        ("bpfman.agent.metric.addr", "bpfman.io.bpfman.agent.metricaddr"),
    ]
    /// bpfman.toml is mounted from the ConfigMap; its digest in the pod template rolls the pods too.
    public static let tomlAnnotation = "bpfman.io.bpfman.toml.fnv64"

    public init(template: AnyJSON) { self.template = template }

    public init(yaml: String) throws { self.init(template: try Self.json(yaml: yaml)) }

    /// One YAML document as JSON.
    public static func json(yaml: String) throws -> AnyJSON {
        guard let any = try Yams.load(yaml: yaml) else { throw OperatorError("empty YAML document") }
        return try JSONDecoder().decode(AnyJSON.self, from: try JSONSerialization.data(withJSONObject: any))
    }

    public func render(_ config: ConfigMapObject) -> AnyJSON {
        let data = config.data ?? [:]
        var ds = template
        var meta = ds["metadata"] ?? [:]
        meta[member: "name"] = .string(OperatorContext.daemonName)
        meta[member: "namespace"] = .string(config.metadata.namespace ?? "")
        meta[member: "finalizers"] = [.string(BpfProgramLabels.operatorFinalizer)]
        // Owned by the ConfigMap, so an edit of the DaemonSet brings the operator back to revert it.
        meta[member: "ownerReferences"] = [["apiVersion": "v1", "kind": "ConfigMap", "name": .string(config.metadata.name ?? ""),
                                            "uid": .string(config.metadata.uid ?? ""), "controller": true, "blockOwnerDeletion": true]]
        ds[member: "metadata"] = meta

        var spec = ds["spec"] ?? [:]
        var pod = spec["template"] ?? [:]
        var podMeta = pod["metadata"] ?? [:]
        var annotations = podMeta["annotations"] ?? [:]
        for (key, annotation) in Self.annotated { annotations[member: annotation] = .string(data[key] ?? "") }
        annotations[member: Self.tomlAnnotation] = .string(Self.fnv64(data["bpfman.toml"] ?? ""))
        podMeta[member: "annotations"] = annotations
        pod[member: "metadata"] = podMeta
        var podSpec = pod["spec"] ?? [:]
        podSpec[member: "automountServiceAccountToken"] = true
        let containers = (podSpec["containers"]?.arrayValue ?? []).map { c -> AnyJSON in
            var c = c
            switch c["name"]?.stringValue {
            case "bpfman":
                if let image = data["bpfman.image"], !image.isEmpty { c[member: "image"] = .string(image) }
            case "bpfman-agent":
                if let image = data["bpfman.agent.image"], !image.isEmpty { c[member: "image"] = .string(image) }
                var args = (c["args"]?.arrayValue ?? []).compactMap(\.stringValue)
                for (flag, key) in [("health-probe-bind-address", "bpfman.agent.healthprobe.addr"), ("metrics-bind-address", "bpfman.agent.metric.addr")] {
                    guard let value = data[key], !value.isEmpty else { continue }
                    args = args.map { $0.contains(flag) ? "--\(flag)=\(value)" : $0 }
                }
                c[member: "args"] = .array(args.map { .string($0) })
            default:
                break
            }
            return c
        }
        podSpec[member: "containers"] = .array(containers)
        pod[member: "spec"] = podSpec
        spec[member: "template"] = pod
        ds[member: "spec"] = spec
        return ds
    }

    /// FNV-1a, 64 bit, as hex: enough to notice a change.
    static func fnv64(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}

struct OperatorError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
