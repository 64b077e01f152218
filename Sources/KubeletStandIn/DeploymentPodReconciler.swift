import Foundation
import KubeClient
import KubeController
import Logging

/// A Deployment as the stand-in reads it: replicas and the pod template.
public struct DeploymentTemplate: KubeResource, Equatable {
    public static let resource = ResourceInfo(group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true)
    public var apiVersion = "apps/v1"
    public var kind = "Deployment"
    public var metadata: ObjectMeta
    public var spec: Spec

    public struct Spec: Codable, Sendable, Equatable {
        public var replicas: Int?
        public var template: PodTemplate
    }
}

/// kubesim runs no Deployment controller or scheduler: the kubelet of the
/// first Ready node (by name) that the template's nodeSelector takes plays
/// both for every Deployment. It keeps `replicas` pods of the current
/// template on its node, named `<deployment>-<template hash>[-i]`, replaces
/// them when the template changes, and writes the Deployment's status
/// (replicas, ready and available counts, the Available condition).
struct DeploymentPodReconciler: Reconciler {
    let client: KubeClient
    let deployments: Informer<DeploymentTemplate>
    let pods: Informer<LocalPod>
    let node: String
    let logger: Logger

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let d = deployments.get(namespace: key.namespace, name: key.name), d.metadata.deletionTimestamp == nil else { return .done }
        guard try await scheduledHere(d.spec.template) else { return .done }
        let mine = ControllerPods.owned(by: "Deployment", key, in: pods)
        let replicas = max(0, d.spec.replicas ?? 1)
        let probe = try PodManifest(owner: d.metadata, kind: "Deployment", template: d.spec.template, name: d.name, node: node)
        let hash = probe.metadata.labels?[PodManifest.templateHashLabel] ?? ""
        let desired = try (0..<replicas).map { i in
            try PodManifest(owner: d.metadata, kind: "Deployment", template: d.spec.template,
                            name: "\(d.name)-\(hash)" + (replicas > 1 ? "-\(i)" : ""), node: node)
        }
        let result = try await ControllerPods(client: client, logger: logger).converge(desired: desired, current: mine)
        try await writeStatus(d, replicas: replicas, pods: mine.filter { $0.metadata.labels?[PodManifest.templateHashLabel] == hash })
        return result
    }

    /// Whether this node is the first Ready node, by name, that the template's nodeSelector takes.
    private func scheduledHere(_ template: PodTemplate) async throws -> Bool {
        let (nodes, _): ([DynamicObject], String) = try await client.listAll(NodeRegistration.resource)
        let ready = nodes.filter { n in
            let labels = (n["metadata"]?["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            let isReady = n["status"]?["conditions"]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true
            return isReady && DaemonSetPodReconciler.selects(template, labels)
        }.compactMap(\.name).sorted()
        return ready.first == node
    }

    private func writeStatus(_ d: DeploymentTemplate, replicas: Int, pods: [LocalPod]) async throws {
        let ready = pods.filter { p in
            p.status?["conditions"]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } == true
        }.count
        let available = ready >= replicas
        let status: AnyJSON = ["observedGeneration": .number(Double(d.metadata.generation ?? 0)), "replicas": .number(Double(pods.count)),
                               "updatedReplicas": .number(Double(pods.count)), "readyReplicas": .number(Double(ready)),
                               "availableReplicas": .number(Double(ready)),
                               "conditions": [["type": "Available", "status": available ? "True" : "False",
                                               "reason": available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"]]]
        let body = Array(try JSONEncoder.sorted.encode(AnyJSON.object(["status": status])))
        let _: DynamicObject = try await client.patch(DeploymentTemplate.resource, namespace: d.metadata.namespace, name: d.name,
                                                      type: .merge, body: body, subresource: "status")
    }
}
