import Bpfman
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
        programs = Informer(client: ctx.client)
    }

    var kindName: String { P.Kind.resource.kind }

    /// This object's BpfPrograms on this node.
    func owned(by name: String) -> [BpfProgram] {
        ctx.bpfPrograms.list().filter { bp in
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
        let owned = owned(by: key.name)
        let loaded = try await ctx.loadedPrograms()
        guard let object = programs.get(name: key.name), object.metadata.deletionTimestamp == nil else {
            var requeue = false
            for bp in owned { requeue = try await retire(bp, loaded: loaded, delete: false) || requeue }
            return requeue ? .requeueAfter(.seconds(5)) : .done
        }
        let info = object.spec.info
        let points: [AttachPoint]
        do {
            points = try P.attachPoints(info, planner: AttachPointPlanner(kind: P.reconciler, procRoot: ctx.procRoot), node: node)
        } catch {
            ctx.logger.warning("cannot work out where the program goes on this node",
                               metadata: ["kind": "\(kindName)", "name": "\(key.name)", "error": "\(error)"])
            return .requeueAfter(.seconds(5))
        }
        let selected = object.spec.common.nodeselector.matches(node.metadata.labels ?? [:])
        let mapOwner: NodeDecision.MapOwner
        do {
            mapOwner = try self.mapOwner(P.mapOwner(info), loaded: loaded)
        } catch {
            ctx.logger.warning("map owner", metadata: ["name": "\(key.name)", "error": "\(error)"])
            return .requeueAfter(.seconds(5))
        }
        let template = BpfProgramTemplate(kind: P.reconciler, node: ctx.nodeName,
                                          owner: OwnerReference(apiVersion: object.apiVersion, kind: kindName, name: key.name,
                                                                uid: object.metadata.uid ?? ""))
        var existing: [String: BpfProgram] = [:]
        for bp in owned { existing[bp.metadata.annotations?[AttachPoint.annotationKey] ?? ""] = bp }
        var requeue = false
        for point in points {
            var bp: BpfProgram
            if let have = existing.removeValue(forKey: point.key) { bp = have } else { bp = try await ctx.create(template.object(for: point)) }
            let uid = bp.metadata.uid ?? ""
            let desired: Result<LoadRequest, NodeDecision.NotLoading>
            if let why = NodeDecision.reasonNotToLoad(deleting: false, nodeSelected: selected, noTargets: point.noTargets, mapOwner: mapOwner) {
                desired = .failure(.init(why))
                if why == .mapOwnerNotFound || why == .mapOwnerNotLoaded { requeue = true }
            } else {
                guard let attach = point.attach else { continue }
                var ownerID: UInt32?
                if case .loaded(let id) = mapOwner { ownerID = id }
                desired = .success(LoadRequest(
                    bytecode: Self.bytecode(object.spec.common.bytecode), name: P.function(info), attach: attach,
                    globalData: (object.spec.common.globaldata ?? [:]).mapValues(\.bytes),
                    metadata: [MetadataKey.uuid: uid, MetadataKey.programName: key.name], mapOwnerID: ownerID))
            }
            let have = loaded[uid]
            let decision = NodeDecision.decide(loaded: have, desired: desired)
            var id = have?.id
            var condition = decision.condition
            var cause: String?
            for call in decision.calls {
                do {
                    id = try await ctx.run(call, current: id)
                } catch {
                    condition = NodeDecision.failureCondition(call)
                    cause = AgentContext.message(error)
                    requeue = true
                    ctx.logger.warning("bpfman call failed", metadata: ["bpfprogram": "\(bp.metadata.name ?? "")", "error": "\(cause ?? "")"])
                    break
                }
            }
            bp = try await ctx.setProgramID(bp, condition == .loaded || condition == .notUnloaded ? id : nil)
            _ = try await ctx.setCondition(bp, condition, cause: cause)
        }
        for stale in existing.values { requeue = try await retire(stale, loaded: loaded, delete: true) || requeue }
        return requeue ? .requeueAfter(.seconds(5)) : .done
    }

    /// Unloads a BpfProgram's program, writes Unloaded, lets the object go
    /// (`delete`: it is stale, its owner stays). True when it must be tried again.
    func retire(_ bp: BpfProgram, loaded: [String: (id: UInt32, request: LoadRequest)], delete: Bool) async throws -> Bool {
        var bp = bp
        if let have = loaded[bp.metadata.uid ?? ""] {
            do {
                _ = try await ctx.run(.unload(id: have.id), current: have.id)
            } catch {
                _ = try await ctx.setCondition(bp, .notUnloaded, cause: AgentContext.message(error))
                return true
            }
        }
        bp = try await ctx.setCondition(bp, .unloaded, cause: nil)
        bp = try await ctx.removeFinalizer(bp, P.reconciler.finalizer)
        if delete && bp.metadata.deletionTimestamp == nil { try await ctx.delete(bp) }
        return false
    }

    /// Where the program stands with its map owner (operator spec §3.8).
    func mapOwner(_ selector: LabelSelector?, loaded: [String: (id: UInt32, request: LoadRequest)]) throws -> NodeDecision.MapOwner {
        guard let selector, !selector.isEmpty else { return .notSet }
        let owners = ctx.bpfPrograms.list().filter { selector.matches($0.metadata.labels ?? [:]) }
        if owners.isEmpty { return .notFound }
        guard owners.count == 1, let owner = owners.first else {
            throw AgentError("mapownerselector matches \(owners.count) BpfPrograms on this node; it must match one")
        }
        guard owner.status?.conditions?.last?.type == BpfProgramConditionType.loaded.rawValue,
              let id = loaded[owner.metadata.uid ?? ""]?.id else { return .notLoaded }
        return .loaded(id: id)
    }

    static func bytecode(_ b: BytecodeSelector) -> BytecodeLocation {
        if let image = b.image {
            let policy = ImagePullPolicy(rawValue: image.imagepullpolicy?.rawValue ?? "IfNotPresent") ?? .ifNotPresent
            return .image(url: image.url, pullPolicy: policy, digest: nil)
        }
        return .file(path: b.path ?? "")
    }
}

struct AgentError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
