import BpfmanAPI
import Foundation
import KubeClient
import KubeController

/// `bpfman-config` → the node daemon (operator spec §4.3): the CSIDriver,
/// on OpenShift the `bpfman-restricted` SCC, and the `bpfman-daemon`
/// DaemonSet rendered from the template and kept as rendered (it is owned by
/// the ConfigMap, so a hand edit brings it back here). Deleting the
/// ConfigMap tears all of it down before its finalizer goes.
final class BpfmanConfigReconciler: Reconciler {
    static let name = "bpfman-config"
    let ctx: OperatorContext
    let templates: OperatorTemplates
    let openShift: Bool
    let configMaps: Informer<ConfigMapObject>

    init(_ ctx: OperatorContext, templates: OperatorTemplates, openShift: Bool) {
        self.ctx = ctx
        self.templates = templates
        self.openShift = openShift
        configMaps = Informer(client: ctx.client, fieldSelector: "metadata.name=\(Self.name)", resyncPeriod: ctx.resyncPeriod)
    }

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let cm = configMaps.get(namespace: key.namespace, name: key.name) else { return .done }
        let namespace = cm.metadata.namespace ?? ""
        let finalizer = BpfProgramLabels.operatorFinalizer
        if cm.metadata.deletionTimestamp != nil {
            guard cm.metadata.finalizers?.contains(finalizer) == true else { return .done }
            try await tearDown(namespace: namespace)
            try await ctx.setFinalizers(ConfigMapObject.resource, namespace: namespace, name: key.name,
                                        (cm.metadata.finalizers ?? []).filter { $0 != finalizer }, readAt: cm.metadata.resourceVersion)
            ctx.logger.info("bpfman-config deleted: node daemon removed", metadata: ["namespace": "\(namespace)"])
            return .done
        }
        if cm.metadata.finalizers?.contains(finalizer) != true {
            try await ctx.setFinalizers(ConfigMapObject.resource, namespace: namespace, name: key.name,
                                        (cm.metadata.finalizers ?? []) + [finalizer], readAt: cm.metadata.resourceVersion)
        }
        try await ensure(ClusterObjects.csiDriver, templates.csiDriver)
        if openShift, let scc = templates.restrictedSCC { try await ensure(ClusterObjects.scc, scc) }

        let rendered = templates.daemonSet.render(cm)
        let ds = DaemonSetObject.resource
        guard let live = ctx.daemonSets.get(namespace: namespace, name: OperatorContext.daemonName) else {
            do {
                _ = try await ctx.client.create(ds, namespace: namespace, rendered)
                ctx.apiWrites.increment()
                ctx.logger.info("created the bpfman-daemon DaemonSet", metadata: ["namespace": "\(namespace)"])
            } catch let e as KubeError where e.isAlreadyExists {
                return .requeueAfter(.seconds(1)) // the cache has not seen it yet
            }
            return .done
        }
        if Self.matches(rendered, live) { return .done }
        var body = rendered
        var meta = body["metadata"] ?? [:]
        meta[member: "resourceVersion"] = .string(live.metadata.resourceVersion ?? "")
        body[member: "metadata"] = meta
        _ = try await ctx.client.update(ds, namespace: namespace, name: OperatorContext.daemonName, body)
        ctx.apiWrites.increment()
        ctx.logger.info("updated the bpfman-daemon DaemonSet to the rendered one", metadata: ["namespace": "\(namespace)"])
        return .done
    }

    /// Whether the live DaemonSet holds everything rendered (it may carry the API server's defaults besides).
    static func matches(_ rendered: AnyJSON, _ live: DaemonSetObject) -> Bool {
        guard let spec = rendered["spec"], let liveSpec = live.spec, spec.isSubset(of: liveSpec) else { return false }
        let m = rendered["metadata"]
        let labels = m?["labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        return labels.allSatisfy { live.metadata.labels?[$0.key] == $0.value }
            && live.metadata.finalizers?.contains(BpfProgramLabels.operatorFinalizer) == true
            && live.metadata.ownerReferences?.contains { $0.kind == "ConfigMap" && $0.controller == true } == true
    }

    /// Creates a cluster object from its template when it is missing.
    func ensure(_ r: ResourceInfo, _ object: AnyJSON) async throws {
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        do {
            let _: DynamicObject = try await ctx.client.get(r, name: name)
        } catch let e as KubeError where e.isNotFound {
            do {
                _ = try await ctx.client.create(r, object)
                ctx.apiWrites.increment()
                ctx.logger.info("created \(r.kind) \(name)")
            } catch let e as KubeError where e.isAlreadyExists {}
        }
    }

    func tearDown(namespace: String) async throws {
        let ds = DaemonSetObject.resource
        if let live: DynamicObject = try await getIfPresent(ds, namespace: namespace, name: OperatorContext.daemonName) {
            let finalizers = (live["metadata"]?["finalizers"]?.arrayValue ?? []).filter { $0.stringValue != BpfProgramLabels.operatorFinalizer }
            if finalizers.count != live["metadata"]?["finalizers"]?.arrayValue?.count ?? 0 {
                try await ctx.patch(ds, namespace: namespace, name: OperatorContext.daemonName, ["metadata": ["finalizers": .array(finalizers)]])
            }
            try await deleteIfPresent(ds, namespace: namespace, name: OperatorContext.daemonName)
        }
        try await deleteIfPresent(ClusterObjects.csiDriver, namespace: nil, name: templates.csiDriver["metadata"]?["name"]?.stringValue ?? "")
        if openShift, let scc = templates.restrictedSCC {
            try await deleteIfPresent(ClusterObjects.scc, namespace: nil, name: scc["metadata"]?["name"]?.stringValue ?? "")
        }
    }

    func getIfPresent(_ r: ResourceInfo, namespace: String?, name: String) async throws -> DynamicObject? {
        do { return try await ctx.client.get(r, namespace: namespace, name: name) } catch let e as KubeError where e.isNotFound { return nil }
    }

    func deleteIfPresent(_ r: ResourceInfo, namespace: String?, name: String) async throws {
        do {
            try await ctx.client.delete(r, namespace: namespace, name: name)
            ctx.apiWrites.increment()
        } catch let e as KubeError where e.isNotFound {}
    }
}

/// The files the operator renders from (`config/bpfman-deployment`, `config/openshift`).
public struct OperatorTemplates: Sendable {
    public var daemonSet: DaemonSetRenderer
    public var csiDriver: AnyJSON
    public var restrictedSCC: AnyJSON?

    /// Reads them under `root` (upstream's image has them at `/config/...`).
    public init(root: String) throws {
        func read(_ path: String) throws -> String {
            guard let text = try? String(contentsOfFile: "\(root)/\(path)", encoding: .utf8) else {
                throw OperatorError("cannot read the template \(root)/\(path)")
            }
            return text
        }
        daemonSet = try DaemonSetRenderer(yaml: try read("bpfman-deployment/daemonset.yaml"))
        csiDriver = try DaemonSetRenderer.json(yaml: try read("bpfman-deployment/csidriverinfo.yaml"))
        restrictedSCC = try? DaemonSetRenderer.json(yaml: try read("openshift/restricted-scc.yaml"))
    }
}
