import BpfmanAPI
import BpfmanModel
import KubeClient
import KubeController

/// An application (BpfApplication or BpfNsApplication) on this node: each
/// program entry is a unit of the same convergence as a program object, its
/// BpfPrograms labelled with the entry's `bpfman.io/appProgramId` (operator
/// spec §3.9). Entries that go away are retired in the same pass — including
/// ones that never loaded, which upstream leaves behind.
final class ApplicationReconciler<A: ApplicationObjectKind>: Reconciler {
    typealias Object = BpfmanObject<A>
    let ctx: AgentContext
    let applications: Informer<Object>

    init(_ ctx: AgentContext) {
        precondition(A.Item.self is any ApplicationItem.Type, "\(A.resource.kind): the agent cannot read a \(A.Item.self)")
        self.ctx = ctx
        applications = Informer(client: ctx.client, resyncPeriod: ctx.resyncPeriod)
    }

    var kindName: String { A.resource.kind }

    func owned(by name: String, namespace: String?) -> [BpfProgram] {
        ctx.bpfProgramsView().filter { bp in
            guard !A.reconciler.isNamespaced || bp.metadata.namespace == namespace else { return false }
            return bp.metadata.labels?[BpfProgramTemplate.ownedByLabel] == name
                && (bp.metadata.ownerReferences ?? []).contains { $0.kind == kindName && $0.controller == true }
        }
    }

    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let node = ctx.nodes.get(name: ctx.nodeName) else { return .requeueAfter(.seconds(5)) }
        let namespace = A.reconciler.isNamespaced ? key.namespace : nil
        let owned = owned(by: key.name, namespace: namespace)
        let identity = BpfProgramTemplate.ownerIdentity(kind: kindName, namespace: namespace, name: key.name)
        guard let app = applications.get(namespace: namespace, name: key.name), app.metadata.deletionTimestamp == nil else {
            return try await ctx.pass(owner: key.name, identity: identity, units: [], common: nil, node: node, owned: owned, finalizer: A.reconciler.finalizer)
        }
        let entry = ApplicationEntry(app: key.name, namespace: namespace,
                                     owner: OwnerReference(apiVersion: app.apiVersion, kind: kindName, name: key.name, uid: app.metadata.uid ?? ""),
                                     env: ctx.selection(node, namespace: namespace), node: ctx.nodeName, procRoot: ctx.procRoot,
                                     applicationKind: A.reconciler)
        var units: [AgentUnit] = []
        for item in app.spec.programs ?? [] {
            // Every application kind's item conforms (checked in init).
            let item: any ApplicationItem = item as! any ApplicationItem
            if let unit = await entry.unit(for: item) { units.append(unit) }
        }
        let common = AppCommon(nodeselector: app.spec.nodeselector, globaldata: app.spec.globaldata, bytecode: app.spec.bytecode)
        return try await ctx.pass(owner: key.name, identity: identity, units: units, common: common, node: node, owned: owned, finalizer: A.reconciler.finalizer)
    }
}
