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
        public var template: PodTemplate
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

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let ds = daemonSets.get(namespace: key.namespace, name: key.name)
        let mine = ControllerPods.owned(by: "DaemonSet", key, in: pods)
        guard let ds, ds.metadata.deletionTimestamp == nil, Self.selects(ds.spec.template, nodeLabels) else {
            return try await ControllerPods(client: client, logger: logger).converge(desired: [], current: mine)
        }
        let desired = try Self.pod(for: ds, node: node)
        return try await ControllerPods(client: client, logger: logger).converge(desired: [desired], current: mine)
    }

    /// `spec.template.spec.nodeSelector` against a node's labels (affinity is not read).
    static func selects(_ template: PodTemplate, _ labels: [String: String]) -> Bool {
        let selector = template.spec["nodeSelector"]?.objectValue ?? [:]
        return selector.allSatisfy { k, v in labels[k] == v.stringValue }
    }

    /// The pod the DaemonSet wants on `node`.
    static func pod(for ds: DaemonSetTemplate, node: String) throws -> PodManifest {
        try PodManifest(owner: ds.metadata, kind: "DaemonSet", template: ds.spec.template, name: "\(ds.name)-\(node)", node: node)
    }
}
