import BpfmanModel
import BpfmanAPI
import Foundation
import KubeClient
import KubeController
import Logging

/// Reconciles one program object on this node, converging in one pass: every
/// attach point gets its BpfProgram (created if missing), bpfman is asked
/// only for what differs (load, unload, in-place update), each BpfProgram's
/// annotation and condition are written only when they change, and
/// BpfPrograms of attach points that went away are retired.
public final class ProgramReconciler<P: AgentProgram>: Reconciler {
    public typealias Object = BpfmanObject<P.Kind>
    let ctx: AgentContext
    public let programs: Informer<Object>

    public init(_ ctx: AgentContext) {
        self.ctx = ctx
        programs = Informer(client: ctx.client, resyncPeriod: ctx.resyncPeriod)
    }

    var kindName: String { P.Kind.resource.kind }

    /// This object's BpfPrograms (BpfNsPrograms in its namespace) on this node.
    func owned(by name: String, namespace: String?) -> [BpfProgram] {
        ctx.bpfProgramsView().filter { bp in
            guard !P.reconciler.isNamespaced || bp.metadata.namespace == namespace else { return false }
            let l = bp.metadata.labels ?? [:]
            return l[BpfProgramTemplate.ownedByLabel] == name && (l[BpfProgramTemplate.appProgramIDLabel] ?? "") == ""
                && (bp.metadata.ownerReferences ?? []).contains { $0.kind == kindName && $0.controller == true }
        }
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let node = ctx.nodes.get(name: ctx.nodeName) else {
            ctx.logger.info("waiting for this node's Node object", metadata: ["node": "\(ctx.nodeName)"])
            return .requeueAfter(.seconds(5))
        }
        let namespace = P.reconciler.isNamespaced ? key.namespace : nil
        let owned = owned(by: key.name, namespace: namespace)
        guard let object = programs.get(namespace: namespace, name: key.name), object.metadata.deletionTimestamp == nil else {
            return try await ctx.pass(units: [], common: nil, node: node, owned: owned, finalizer: P.reconciler.finalizer)
        }
        let info = object.spec.info
        let template = BpfProgramTemplate(kind: P.reconciler, node: ctx.nodeName,
                                          owner: OwnerReference(apiVersion: object.apiVersion, kind: kindName, name: key.name,
                                                                uid: object.metadata.uid ?? ""), namespace: namespace)
        var unit = AgentUnit(template: template, function: P.function(info), mapOwner: P.mapOwner(info), points: [])
        do {
            unit.points = try await P.attachPoints(info, planner: AttachPointPlanner(kind: P.reconciler, procRoot: ctx.procRoot),
                                                   env: ctx.selection(node, namespace: namespace))
        } catch {
            unit.selectionFailure = AgentContext.message(error)
        }
        return try await ctx.pass(units: [unit], common: object.spec.common, node: node, owned: owned, finalizer: P.reconciler.finalizer)
    }
}

struct AgentError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
