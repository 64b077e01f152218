import Foundation
import KubeClient
import KubeController
import Logging
import Synchronization

/// The kubelet stand-in of one local node: registers the Node, plays the
/// DaemonSet controller for the node's own daemon pods, and runs every Pod
/// bound to the node under the node's CRI runtime, with truthful status.
/// Never shipped in an image: it stands where kind's kubelet would.
public final class Kubelet: Sendable {
    public struct Config: Sendable {
        public var node: NodeFacts
        public var labels: [String: String]
        /// The API server's CA, for the pods' ServiceAccount credentials (ca.crt).
        public var caPEM: String?

        public init(node: NodeFacts, labels: [String: String] = [:]) {
            self.node = node
            self.labels = labels
        }
    }

    let client: KubeClient
    let config: Config
    let runtime: any PodRuntime
    let logger: Logger
    let syncer: PodSyncer
    let pods: Informer<LocalPod>
    let daemonSets: Informer<DaemonSetTemplate>
    let deployments: Informer<DeploymentTemplate>
    /// Pod UID per key, to clean up after a pod the cache no longer has.
    private let known = Mutex<[ObjectKey: String]>([:])

    public init(client: KubeClient, config: Config, runtime: any PodRuntime, logger: Logger) {
        self.client = client
        self.config = config
        self.runtime = runtime
        self.logger = logger
        pods = Informer<LocalPod>(client: client, fieldSelector: "spec.nodeName=\(config.node.nodeName)")
        daemonSets = Informer<DaemonSetTemplate>(client: client)
        deployments = Informer<DeploymentTemplate>(client: client)
        syncer = PodSyncer(runtime: runtime, node: config.node, ports: Self.ports(client: client, caPEM: config.caPEM), logger: logger)
    }

    /// The syncer's API reads and writes.
    static func ports(client: KubeClient, caPEM: String?) -> PodSyncer.Ports {
        let configMap: @Sendable (String, String) async throws -> [String: String]? = { ns, name in
            do {
                let cm: DynamicObject = try await client.get(ConfigMapData.resource, namespace: ns, name: name)
                let data: [String: AnyJSON] = cm["data"]?.objectValue ?? [:]
                return data.compactMapValues { $0.stringValue }
            } catch let e as KubeError where e.isNotFound {
                return nil
            }
        }
        let writeStatus: @Sendable (LocalPod, AnyJSON) async throws -> Void = { pod, status in
            var s = status
            let old: [String: AnyJSON] = pod.status?.objectValue ?? [:]
            for key in old.keys where s[key] == nil { s[member: key] = .null }
            let body = Array(try JSONEncoder().encode(AnyJSON.object(["status": s])))
            let _: DynamicObject = try await client.patch(LocalPod.resource, namespace: pod.metadata.namespace, name: pod.name,
                                                          type: .merge, body: body, subresource: "status")
        }
        var ports = PodSyncer.Ports(configMap: configMap, writeStatus: writeStatus)
        let token = ServiceAccountToken(client: client, caPEM: caPEM)
        ports.serviceAccount = { pod, dir in try await token.write(for: pod, podDir: dir) }
        return ports
    }

    /// Registers the Node, then runs until cancelled.
    public func run(onReady: @Sendable () -> Void = {}) async throws {
        try await NodeRegistration(client: client, node: config.node, labels: config.labels, runtime: runtime, logger: logger).register()
        let reconciler = PodReconciler(kubelet: self)
        let podController = Controller(name: "kubelet-pods", reconciler: reconciler, workers: 4, logger: logger)
        podController.watches(pods)
        let dsController = Controller(name: "kubelet-daemonsets",
                                      reconciler: DaemonSetPodReconciler(client: client, daemonSets: daemonSets, pods: pods,
                                                                         node: config.node.nodeName, nodeLabels: nodeLabels, logger: logger),
                                      logger: logger)
        dsController.watches(daemonSets)
        dsController.owns(pods, ownerKind: "DaemonSet", ownerNamespaced: true)
        let deployController = Controller(name: "kubelet-deployments",
                                          reconciler: DeploymentPodReconciler(client: client, deployments: deployments, pods: pods,
                                                                              node: config.node.nodeName, logger: logger),
                                          logger: logger)
        deployController.watches(deployments)
        deployController.owns(pods, ownerKind: "Deployment", ownerNamespaced: true)
        try await withThrowingTaskGroup(of: Void.self) { g in
            g.addTask { try await self.pods.run() }
            g.addTask { try await self.daemonSets.run() }
            g.addTask { try await self.deployments.run() }
            await pods.waitForSync()
            await daemonSets.waitForSync()
            await deployments.waitForSync()
            onReady()
            logger.info("kubelet stand-in serving", metadata: ["node": "\(config.node.nodeName)", "pods": "\(pods.count)"])
            g.addTask { await podController.run() }
            g.addTask { await dsController.run() }
            g.addTask { await deployController.run() }
            g.addTask { await self.collectOrphans() }
            try await g.next()
            g.cancelAll()
        }
    }

    var nodeLabels: [String: String] { NodeRegistration.labels(node: config.node.nodeName, extra: config.labels) }

    /// Sandboxes of pods the API no longer has (deleted while the stand-in
    /// was down, or a delete event missed) are removed, every 10 s.
    private func collectOrphans() async {
        while !Task.isCancelled {
            if let uids = try? await syncer.runtimePodUIDs() {
                let live = Set(pods.list().compactMap(\.metadata.uid))
                for uid in uids.subtracting(live) {
                    logger.info("removing the sandbox of a pod the API does not have", metadata: ["uid": "\(uid)"])
                    do { try await syncer.kill(uid: uid) } catch { logger.warning("orphan cleanup failed", metadata: ["uid": "\(uid)", "error": "\(error)"]) }
                }
            }
            try? await Task.sleep(for: .seconds(10))
        }
    }

    /// The UID whose runtime state the key last had (nil when nothing is left of it).
    func known(_ key: ObjectKey) -> String? { known.withLock { $0[key] } }

    /// Records the key's UID; only once what an earlier UID left is gone,
    /// so a kill that failed is tried again on the next pass.
    func remember(_ key: ObjectKey, uid: String?) { known.withLock { $0[key] = uid } }
}

/// A ConfigMap read as untyped data (configMap volumes).
enum ConfigMapData {
    static let resource = ResourceInfo(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true)
}

/// One Pod key: run it, or remove what is left of it.
struct PodReconciler: Reconciler {
    let kubelet: Kubelet

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        let pod = kubelet.pods.get(namespace: key.namespace, name: key.name)
        let live = pod.flatMap { $0.isDeleting ? nil : $0 }
        if let previous = kubelet.known(key), previous != live?.metadata.uid {
            try await kubelet.syncer.kill(uid: previous)
        }
        if let pod, pod.isDeleting, let uid = pod.metadata.uid {
            kubelet.remember(key, uid: uid)
            try await kubelet.syncer.kill(uid: uid)
            kubelet.remember(key, uid: nil)
            try? await kubelet.client.delete(LocalPod.resource, namespace: key.namespace, name: key.name, preconditionUID: uid)
            return .done
        }
        kubelet.remember(key, uid: live?.metadata.uid)
        guard let live else { return .done }
        return .requeueAfter(try await kubelet.syncer.sync(live))
    }
}
