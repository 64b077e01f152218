import BpfmanAPI
import KubeClient
import KubeController
import Logging

/// One node's agent: the caches and a controller per program kind, with
/// every watch declared here. Each controller reconciles one object per key
/// (not upstream's resync of every object of the kind), fed by its kind, the
/// BpfPrograms it owns on this node, and label changes of this node.
public final class Agent: Sendable {
    /// A pass that must be tried again (a refused load, a map owner not loaded
    /// yet, a bad pull secret) backs off per object from half a second to five
    /// minutes instead of coming back every 5 s for ever; any change to the
    /// object, its BpfPrograms, the node or its pods still reconciles at once.
    public static let retryBackoff = Backoff(base: .milliseconds(500), cap: .seconds(300))

    /// Objects of one kind reconciled at once. bpfman serializes what must
    /// be (its store lock); the API reads and writes of different objects
    /// overlap. A key is never handed to two workers.
    public static let workers = 4

    public let ctx: AgentContext
    let manager: ControllerManager
    /// Each kind's controller by the kind's name, the first part of `bpfman.io/Owner`.
    let controllers: [String: Controller]

    /// Whether a change to a BpfProgram is someone else's: the agent itself
    /// only creates them and writes their kernel-id annotation and status, and
    /// its own pass already accounts for those, so they start no other pass
    /// of the owner. A deletion (always), a deletion starting, finalizers,
    /// labels, owners or spec changing do.
    @Sendable static func notOwnWrite<K: BpfmanKind>(_ old: BpfmanObject<K>, _ new: BpfmanObject<K>) -> Bool {
        let o = old.metadata, n = new.metadata
        return o.deletionTimestamp != n.deletionTimestamp || o.finalizers != n.finalizers || o.labels != n.labels
            || o.ownerReferences != n.ownerReferences || old.spec != new.spec
    }

    /// Whether a change to a user object concerns the agent: its spec, its
    /// deletion starting, or a resync (the same version handed again). The
    /// operator's finalizer and status writes do not; each of them used to
    /// start a second pass, and a second bpfman List, for every new object.
    @Sendable static func concernsAgent<K: BpfmanKind>(_ old: BpfmanObject<K>, _ new: BpfmanObject<K>) -> Bool {
        old.metadata.resourceVersion == new.metadata.resourceVersion || old.spec != new.spec
            || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp || old.metadata.uid != new.metadata.uid
    }

    public init(_ ctx: AgentContext) {
        self.ctx = ctx
        var manager = ControllerManager()
        var controllers: [String: Controller] = [:]
        manager.cache(ctx.nodes)
        manager.cache(ctx.bpfPrograms)
        manager.cache(ctx.pods)
        manager.cache(ctx.bpfNsPrograms)
        func wire<K: BpfmanKind>(_ name: String, _ reconciler: any Reconciler, _ informer: Informer<BpfmanObject<K>>, ownerKind: String,
                                 watchesPods: Bool = true) {
            let controller = Controller(name: name, reconciler: reconciler, workers: Agent.workers, logger: ctx.logger,
                                        backoff: Agent.retryBackoff)
            controller.watches(informer, updated: Agent.concernsAgent) { [ObjectKey(namespace: $0.metadata.namespace, name: $0.metadata.name ?? "")] }
            controller.owns(ctx.bpfPrograms, ownerKind: ownerKind, ownerNamespaced: false, added: { _ in false }, updated: Agent.notOwnWrite)
            controller.owns(ctx.bpfNsPrograms, ownerKind: ownerKind, ownerNamespaced: true, added: { _ in false }, updated: Agent.notOwnWrite)
            // This node's labels decide selection: a change re-checks every object of the kind.
            let all: @Sendable () -> Void = { controller.enqueueAll(informer) }
            ctx.nodes.addHandler(.init(onAdd: { _ in all() }, onUpdate: { old, new in
                if old.metadata.labels != new.metadata.labels { all() }
            }))
            // Pods coming, going or changing labels or phase change which containers a selector finds.
            if watchesPods {
                ctx.pods.addHandler(.init(onAdd: { _ in all() }, onUpdate: { old, new in
                    if old.metadata.labels != new.metadata.labels || old.status?.phase != new.status?.phase { all() }
                }, onDelete: { _ in all() }))
            }
            manager.add(controller)
            manager.cache(informer)
            controllers[ownerKind] = controller
        }
        func addProgram<K: ProgramObjectKind>(_: K.Type) {
            let reconciler = ProgramReconciler<K>(ctx)
            wire(K.reconciler.rawValue, reconciler, reconciler.programs, ownerKind: K.resource.kind, watchesPods: K.Info.selectsContainers)
        }
        func addApplication<A: ApplicationObjectKind>(_: A.Type) {
            let reconciler = ApplicationReconciler<A>(ctx)
            wire(A.reconciler.rawValue, reconciler, reconciler.applications, ownerKind: A.resource.kind)
        }
        for kind in AllKinds.programs { addProgram(kind) }
        for kind in AllKinds.applications { addApplication(kind) }
        self.manager = manager
        self.controllers = controllers
    }

    /// Runs until cancelled; `ready` is called once every cache has synced.
    public func run(ready: @escaping @Sendable () -> Void = {}) async throws {
        try await manager.run(ready: { [self] in
            ready()
            Task { await passOwnersOfLoadedPrograms() }
        })
    }

    /// Once at start: every owner bpfman has programs for gets a pass, also
    /// one that went away while the agent was down (no watch reports it), so
    /// what was loaded for it and no BpfProgram accounts for is unloaded.
    func passOwnersOfLoadedPrograms() async {
        let loaded: AgentPlanner.Loaded
        do { loaded = try await ctx.loadedPrograms(owner: nil) } catch {
            ctx.logger.warning("cannot list bpfman's programs for owners that went away while the agent was down",
                               metadata: ["error": "\(error)"])
            return
        }
        for identity in Set(loaded.values.compactMap { $0.request.metadata[MetadataKey.owner] }) {
            guard let owner = BpfProgramTemplate.owner(ofIdentity: identity), let controller = controllers[owner.kind] else { continue }
            controller.enqueue(ObjectKey(namespace: owner.namespace, name: owner.name))
        }
    }
}
