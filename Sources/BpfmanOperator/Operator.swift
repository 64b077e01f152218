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
    let controllers: [Controller]
    let starts: [@Sendable () async throws -> Void]
    let syncs: [@Sendable () async -> Void]

    public init(_ ctx: OperatorContext, templates: OperatorTemplates, openShift: Bool) {
        self.ctx = ctx
        var controllers: [Controller] = []
        var starts: [@Sendable () async throws -> Void] = [
            { try await ctx.bpfPrograms.run() }, { try await ctx.bpfNsPrograms.run() }, { try await ctx.nodes.run() },
            { try await ctx.daemonPods.run() }, { try await ctx.daemonSets.run() },
        ]
        var syncs: [@Sendable () async -> Void] = [
            { await ctx.bpfPrograms.waitForSync() }, { await ctx.bpfNsPrograms.waitForSync() }, { await ctx.nodes.waitForSync() },
            { await ctx.daemonPods.waitForSync() }, { await ctx.daemonSets.waitForSync() },
        ]
        let reported: @Sendable (BpfProgram, BpfProgram) -> Bool = {
            $0.status != $1.status || $0.metadata.finalizers != $1.metadata.finalizers
        }
        let reportedNs: @Sendable (BpfNsProgram, BpfNsProgram) -> Bool = {
            $0.status != $1.status || $0.metadata.finalizers != $1.metadata.finalizers
        }
        func add<K: BpfmanKind>(_: K.Type, _ kind: ReconcilerKind) {
            let reconciler = ProgramStatusReconciler<K>(ctx, kind: kind)
            let controller = Controller(name: "\(kind.rawValue)-status", reconciler: reconciler, logger: ctx.logger)
            let objects = reconciler.objects
            controller.watches(objects)
            let kindName = K.resource.kind
            if K.resource.namespaced {
                controller.watches(ctx.bpfNsPrograms, updated: reportedNs) { bp in
                    (bp.metadata.ownerReferences ?? []).filter { $0.kind == kindName && $0.controller == true }
                        .map { ObjectKey(namespace: bp.metadata.namespace, name: $0.name) }
                }
            } else {
                controller.watches(ctx.bpfPrograms, updated: reported) { bp in
                    (bp.metadata.ownerReferences ?? []).filter { $0.kind == kindName && $0.controller == true }
                        .map { ObjectKey(namespace: nil, name: $0.name) }
                }
            }
            let all: @Sendable () -> Void = { [queue = controller.queue] in
                Task { for o in objects.list() { await queue.add(ObjectKey(namespace: o.metadata.namespace, name: o.metadata.name ?? "")) } }
            }
            ctx.nodes.addHandler(.init(onAdd: { _ in all() }, onDelete: { _ in all() }))
            ctx.daemonPods.addHandler(.init(onAdd: { _ in all() }, onUpdate: { old, new in
                if old.spec?.nodeName != new.spec?.nodeName || old.status?.phase != new.status?.phase
                    || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp { all() }
            }, onDelete: { _ in all() }))
            ctx.daemonSets.addHandler(.init(onAdd: { _ in all() }, onDelete: { _ in all() }))
            controllers.append(controller)
            starts.append { try await objects.run() }
            syncs.append { await objects.waitForSync() }
        }
        add(XdpKind.self, .xdp)
        add(TcKind.self, .tc)
        add(TcxKind.self, .tcx)
        add(TracepointKind.self, .tracepoint)
        add(KprobeKind.self, .kprobe)
        add(UprobeKind.self, .uprobe)
        add(FentryKind.self, .fentry)
        add(FexitKind.self, .fexit)
        add(BpfApplicationKind.self, .application)
        add(XdpNsKind.self, .xdpNs)
        add(TcNsKind.self, .tcNs)
        add(TcxNsKind.self, .tcxNs)
        add(UprobeNsKind.self, .uprobeNs)
        add(BpfNsApplicationKind.self, .nsApplication)

        let config = BpfmanConfigReconciler(ctx, templates: templates, openShift: openShift)
        let configController = Controller(name: "configmap", reconciler: config, logger: ctx.logger)
        configController.watches(config.configMaps)
        configController.owns(ctx.daemonSets, ownerKind: "ConfigMap", ownerNamespaced: true)
        controllers.append(configController)
        starts.append { try await config.configMaps.run() }
        syncs.append { await config.configMaps.waitForSync() }

        self.controllers = controllers
        self.starts = starts
        self.syncs = syncs
    }

    /// Runs until cancelled; `ready` is called once every cache has synced.
    public func run(ready: @escaping @Sendable () -> Void = {}) async throws {
        try await withThrowingTaskGroup(of: Void.self) { g in
            for start in starts { g.addTask { try await start() } }
            for sync in syncs { await sync() }
            ready()
            for c in controllers { g.addTask { await c.run() } }
            try await g.next()
            g.cancelAll()
        }
    }
}
