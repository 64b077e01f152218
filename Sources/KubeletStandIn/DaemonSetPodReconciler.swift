import Foundation
import KubeClient
import KubeController
import Logging

/// A DaemonSet as the stand-in reads it: the pod template and its node selector.
public struct DaemonSetTemplate: KubeResource, Equatable {
    public static let resource = ResourceInfo(group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true)
    public var apiVersion = "apps/v1"
    public var kind = "DaemonSet"
    public var metadata: ObjectMeta
    public var spec: Spec

    public struct Spec: Codable, Sendable, Equatable {
        public var template: Template
    }

    public struct Template: Codable, Sendable, Equatable {
        public var metadata: ObjectMeta?
        public var spec: AnyJSON
    }
}

/// The DaemonSet controller's work for this one node: each DaemonSet whose
/// node selector takes the node has exactly one pod here, `<name>-<node>`,
/// made from its current template (a changed template replaces the pod);
/// a DaemonSet deleted or no longer selecting the node has none.
struct DaemonSetPodReconciler: Reconciler {
    let client: KubeClient
    let daemonSets: Informer<DaemonSetTemplate>
    let pods: Informer<LocalPod>
    let node: String
    let nodeLabels: [String: String]
    let logger: Logger

    static let templateHashLabel = "controller-revision-hash"

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let ds = daemonSets.get(namespace: key.namespace, name: key.name)
        let mine = pods.list().filter { p in
            p.metadata.namespace == key.namespace
                && (p.metadata.ownerReferences ?? []).contains { $0.kind == "DaemonSet" && $0.name == key.name && $0.controller == true }
        }
        guard let ds, ds.metadata.deletionTimestamp == nil, Self.selects(ds, nodeLabels) else {
            for p in mine { try await delete(p) }
            return .done
        }
        let desired = try Self.pod(for: ds, node: node)
        let hash = desired.metadata.labels?[Self.templateHashLabel]
        var current: LocalPod?
        for p in mine {
            if p.metadata.labels?[Self.templateHashLabel] == hash && p.metadata.uid == mine.first?.metadata.uid && !p.isDeleting {
                current = p
            } else {
                try await delete(p)
            }
        }
        if current == nil {
            let body = try JSONEncoder().encode(desired)
            let obj = try JSONDecoder().decode(AnyJSON.self, from: body)
            do {
                let _: AnyJSON = try await client.create(LocalPod.resource, namespace: key.namespace, obj)
                logger.info("daemon pod created", metadata: ["daemonset": "\(key)", "pod": "\(desired.name)"])
            } catch let e as KubeError where e.isAlreadyExists || e.isConflict {
                return .requeueAfter(.seconds(1))  // the replaced pod is still going
            }
        }
        return .done
    }

    private func delete(_ p: LocalPod) async throws {
        do {
            try await client.delete(LocalPod.resource, namespace: p.metadata.namespace, name: p.name, preconditionUID: p.metadata.uid)
            logger.info("daemon pod deleted", metadata: ["pod": "\(p.metadata.namespace ?? "")/\(p.name)"])
        } catch let e as KubeError where e.isNotFound {}
    }

    /// `spec.template.spec.nodeSelector` against the node's labels (affinity is not read).
    static func selects(_ ds: DaemonSetTemplate, _ labels: [String: String]) -> Bool {
        let selector = ds.spec.template.spec["nodeSelector"]?.objectValue ?? [:]
        return selector.allSatisfy { k, v in labels[k] == v.stringValue }
    }

    /// The pod the DaemonSet wants on `node`: its template, bound to the node,
    /// owned by the DaemonSet, labelled with a hash of the template.
    static func pod(for ds: DaemonSetTemplate, node: String) throws -> PodManifest {
        let templateJSON = try JSONEncoder.sorted.encode(ds.spec.template)
        var meta = ObjectMeta(name: "\(ds.name)-\(node)", namespace: ds.metadata.namespace,
                              labels: (ds.spec.template.metadata?.labels ?? [:]).merging([templateHashLabel: fnv(templateJSON)]) { _, b in b })
        meta.annotations = ds.spec.template.metadata?.annotations
        meta.ownerReferences = [OwnerReference(apiVersion: "apps/v1", kind: "DaemonSet", name: ds.name, uid: ds.metadata.uid ?? "",
                                               controller: true, blockOwnerDeletion: true)]
        var spec = ds.spec.template.spec
        spec[member: "nodeName"] = .string(node)
        return PodManifest(metadata: meta, spec: spec)
    }

    /// A short stable hash (FNV-1a, hex) of the template's JSON.
    static func fnv(_ data: Data) -> String {
        var h: UInt32 = 2_166_136_261
        for b in data { h = (h ^ UInt32(b)) &* 16_777_619 }
        return String(h, radix: 16)
    }
}

/// A Pod to create, its spec kept whole (not only the fields the stand-in reads).
struct PodManifest: Codable, Equatable {
    var apiVersion = "v1"
    var kind = "Pod"
    var metadata: ObjectMeta
    var spec: AnyJSON
    var name: String { metadata.name ?? "" }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }
}
