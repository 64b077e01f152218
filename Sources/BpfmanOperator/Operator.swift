import BpfmanAPI
import KubeClient
import KubeController
import Logging

/// The operator's controllers and every watch they make, declared here: a
/// status controller per user kind (its kind, and its per-node objects on
/// status or finalizer changes only), and the `bpfman-config` controller
/// (the ConfigMap by name, and the DaemonSet it owns). Where the daemon runs
/// (Nodes, daemon pods, the DaemonSet) decides whom status waits for, so a
/// change there re-checks every object.
public final class Operator: Sendable {
    public let ctx: OperatorContext
    let manager: ControllerManager

    public init(_ ctx: OperatorContext, templates: OperatorTemplates, openShift: Bool) {
        self.ctx = ctx
        var manager = ControllerManager()
        manager.cache(ctx.bpfPrograms)
        manager.cache(ctx.bpfNsPrograms)
        manager.cache(ctx.nodes)
        manager.cache(ctx.daemonPods)
        manager.cache(ctx.daemonSets)
        func add<K: BpfmanKind>(_: K.Type) {
            let kind = K.reconciler
            let reconciler = ProgramStatusReconciler<K>(ctx, kind: kind)
            let controller = Controller(name: "\(kind.rawValue)-status", reconciler: reconciler, logger: ctx.logger)
            let objects = reconciler.objects
            controller.watches(objects)
            let kindName = K.resource.kind
            let namespaced = K.resource.namespaced
            // Per-node objects (BpfPrograms, or BpfNsPrograms in the object's namespace) map to their controlling owner.
            func perNode<P: BpfmanKind>(_ informer: Informer<BpfmanObject<P>>) {
                controller.watches(informer, updated: { $0.status != $1.status || $0.metadata.finalizers != $1.metadata.finalizers }) { bp in
                    (bp.metadata.ownerReferences ?? []).filter { $0.kind == kindName && $0.controller == true }
                        .map { ObjectKey(namespace: namespaced ? bp.metadata.namespace : nil, name: $0.name) }
                }
            }
            if namespaced { perNode(ctx.bpfNsPrograms) } else { perNode(ctx.bpfPrograms) }
            let all: @Sendable () -> Void = { controller.enqueueAll(objects) }
            ctx.nodes.addHandler(.init(onAdd: { _ in all() }, onDelete: { _ in all() }))
            ctx.daemonPods.addHandler(.init(onAdd: { _ in all() }, onUpdate: { old, new in
                if old.spec?.nodeName != new.spec?.nodeName || old.status?.phase != new.status?.phase
                    || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp { all() }
            }, onDelete: { _ in all() }))
            ctx.daemonSets.addHandler(.init(onAdd: { _ in all() }, onDelete: { _ in all() }))
            manager.add(controller)
            manager.cache(objects)
        }
        for kind in AllKinds.user { add(kind) }

        let config = BpfmanConfigReconciler(ctx, templates: templates, openShift: openShift)
        let configController = Controller(name: "configmap", reconciler: config, logger: ctx.logger)
        configController.watches(config.configMaps)
        configController.owns(ctx.daemonSets, ownerKind: "ConfigMap", ownerNamespaced: true)
        manager.add(configController)
        manager.cache(config.configMaps)
        self.manager = manager
    }

    /// Runs until cancelled; `ready` is called once every cache has synced.
    public func run(ready: @escaping @Sendable () -> Void = {}) async throws { try await manager.run(ready: ready) }
}
