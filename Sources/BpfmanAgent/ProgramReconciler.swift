import BpfmanAPI
import BpfmanModel
import Foundation
import KubeClient
import KubeController
import Logging

/// Reconciles one program object on this node, converging in one pass: every
/// attach point gets its BpfProgram (created if missing), bpfman is asked
/// only for what differs (load, unload, in-place update), each BpfProgram's
/// annotation and condition are written only when they change, and
/// BpfPrograms of attach points that went away are retired.
public final class ProgramReconciler<K: ProgramObjectKind>: Reconciler {
    public typealias Object = BpfmanObject<K>
    let ctx: AgentContext
    public let programs: Informer<Object>

    public init(_ ctx: AgentContext) {
        precondition(K.Info.self is any AttachPointSource.Type, "\(K.resource.kind): the agent cannot place a \(K.Info.self)")
        self.ctx = ctx
        programs = Informer(client: ctx.client, resyncPeriod: ctx.resyncPeriod)
    }

    var kindName: String { K.resource.kind }

    /// This object's BpfPrograms (BpfNsPrograms in its namespace) on this node.
    func owned(by name: String, namespace: String?) -> [BpfProgram] {
        ctx.bpfProgramsView().filter { bp in
            guard !K.reconciler.isNamespaced || bp.metadata.namespace == namespace else { return false }
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
        let namespace = K.reconciler.isNamespaced ? key.namespace : nil
        let owned = owned(by: key.name, namespace: namespace)
        let identity = BpfProgramTemplate.ownerIdentity(kind: kindName, namespace: namespace, name: key.name)
        guard let object = programs.get(namespace: namespace, name: key.name), object.metadata.deletionTimestamp == nil else {
            return try await ctx.pass(owner: key.name, identity: identity, units: [], common: nil, node: node, owned: owned, finalizer: K.reconciler.finalizer)
        }
        let template = BpfProgramTemplate(kind: K.reconciler, node: ctx.nodeName,
                                          owner: OwnerReference(apiVersion: object.apiVersion, kind: kindName, name: key.name,
                                                                uid: object.metadata.uid ?? ""), namespace: namespace)
        // Every kind's info conforms (checked in init).
        let info = object.spec.info as! any AttachPointSource
        let unit = await AgentUnit(info, kind: K.reconciler, template: template, procRoot: ctx.procRoot,
                                   env: ctx.selection(node, namespace: namespace))
        return try await ctx.pass(owner: key.name, identity: identity, units: [unit], common: object.spec.common, node: node, owned: owned, finalizer: K.reconciler.finalizer)
    }
}

struct AgentError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// An object that asks for what can never be done here (no interfaces named,
/// a namespaced program without containers): retrying cannot help, so the
/// condition says why and the object waits for a change instead of backing off.
struct SpecError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
