import Bpfman
import BpfmanAPI
import Foundation
import KubeClient

/// One pass over an owner's programs on this node — a program object has
/// one unit, a BpfApplication one per program entry: every attach point gets
/// its BpfProgram (created if missing), bpfman is asked only for what differs,
/// annotation and condition are written only when they change, and
/// BpfPrograms nobody wants any more are retired.
struct Convergence {
    let ctx: AgentContext
    let finalizer: String

    /// One program of the owner: how its BpfPrograms are made, and where it goes.
    struct Unit {
        var template: BpfProgramTemplate
        var function: String
        var mapOwner: LabelSelector?
        var points: [AttachPoint]
        /// Why the attach points could not be worked out on this node, if so.
        var selectionFailure: String? = nil
    }

    typealias Loaded = [String: (id: UInt32, request: LoadRequest)]

    /// True when something must be tried again later.
    func converge(units: [Unit], common: AppCommon, node: NodeObject, existing owned: [BpfProgram], loaded: Loaded) async throws -> Bool {
        let selected = common.nodeselector.matches(node.metadata.labels ?? [:])
        struct Key: Hashable { var app: String; var point: String }
        var existing: [Key: BpfProgram] = [:]
        for bp in owned {
            existing[Key(app: bp.metadata.labels?[BpfProgramTemplate.appProgramIDLabel] ?? "",
                         point: bp.metadata.annotations?[AttachPoint.annotationKey] ?? "")] = bp
        }
        var requeue = false
        // The bytecode's pull secret, once for the pass; a bad one is this object's BytecodeSelectorError.
        var credentials = RegistryCredentials.Credentials.none
        var selectorError: String?
        do { credentials = try await ctx.credentials(common.bytecode) } catch {
            selectorError = "\(error)"
            requeue = true
        }
        for unit in units {
            if let problem = BpfProgramLabels.ownerNameProblem(unit.template.owner.name) {
                // The operator puts this on the owner's status; trying to create would only fail with 422.
                ctx.logger.warning("no BpfProgram for this owner", metadata: ["owner": "\(unit.template.owner.name)", "why": "\(problem)"])
                continue
            }
            if let failure = unit.selectionFailure {
                requeue = true
                // BpfPrograms of attach points found before stay as they are (the cause may pass);
                // with none, one BpfProgram says why nothing is attached here.
                let placeholder = Key(app: unit.template.appProgramID, point: AttachPoint.selectionFailedKey)
                let mine = existing.keys.filter { $0.app == unit.template.appProgramID }
                if mine.contains(where: { $0 != placeholder }) {
                    for k in mine { existing.removeValue(forKey: k) }
                    ctx.logger.warning("cannot work out where the program goes on this node; keeping what is there",
                                       metadata: ["owner": "\(unit.template.owner.name)", "error": "\(failure)"])
                    continue
                }
                let point = AttachPoint(key: placeholder.point, annotations: [:], attach: nil)
                var bp: BpfProgram
                if let have = existing.removeValue(forKey: placeholder) { bp = have } else { bp = try await ctx.create(unit.template.object(for: point)) }
                bp = try await ctx.setCondition(bp, selected ? .notLoaded : .notSelected, cause: selected ? failure : nil)
                continue
            }
            let mapOwner: NodeDecision.MapOwner
            do {
                mapOwner = try self.mapOwner(unit.mapOwner, loaded: loaded)
            } catch {
                ctx.logger.warning("map owner", metadata: ["owner": "\(unit.template.owner.name)", "error": "\(error)"])
                requeue = true
                // Keep this unit's BpfPrograms as they are until the selector is sorted out.
                for p in unit.points { existing.removeValue(forKey: Key(app: unit.template.appProgramID, point: p.key)) }
                continue
            }
            for point in unit.points {
                var bp: BpfProgram
                if let have = existing.removeValue(forKey: Key(app: unit.template.appProgramID, point: point.key)) {
                    bp = have
                } else {
                    bp = try await ctx.create(unit.template.object(for: point))
                }
                let uid = bp.metadata.uid ?? ""
                let desired: Result<LoadRequest, NodeDecision.NotLoading>
                var cause: String?
                if let why = NodeDecision.reasonNotToLoad(deleting: false, nodeSelected: selected, noTargets: point.noTargets, mapOwner: mapOwner) {
                    desired = .failure(.init(why))
                    if why == .mapOwnerNotFound || why == .mapOwnerNotLoaded { requeue = true }
                } else if let selectorError {
                    desired = .failure(.init(.bytecodeSelectorError))
                    cause = selectorError
                } else {
                    guard let attach = point.attach else { continue }
                    var ownerID: UInt32?
                    if case .loaded(let id) = mapOwner { ownerID = id }
                    desired = .success(LoadRequest(
                        bytecode: Self.bytecode(common.bytecode), name: unit.function, attach: attach,
                        globalData: (common.globaldata ?? [:]).mapValues(\.bytes),
                        metadata: [MetadataKey.uuid: uid, MetadataKey.programName: unit.template.owner.name], mapOwnerID: ownerID))
                }
                let have = loaded[uid]
                let decision = NodeDecision.decide(loaded: have, desired: desired)
                var id = have?.id
                var condition = decision.condition
                var signature = have?.request.signature
                for call in decision.calls {
                    do {
                        let done = try await ctx.run(call, current: id, credentials: credentials)
                        id = done.id
                        if case .load = call { signature = done.signature }
                    } catch {
                        condition = NodeDecision.failureCondition(call)
                        cause = AgentContext.message(error)
                        requeue = true
                        ctx.logger.warning("bpfman call failed", metadata: ["bpfprogram": "\(bp.metadata.name ?? "")", "error": "\(cause ?? "")"])
                        break
                    }
                }
                // Loaded under signing mode warn: the reason it was not verified stays on the status.
                if condition == .loaded, cause == nil, let signature, signature.verdict == .warning {
                    cause = "image signature \(signature.summary)"
                }
                bp = try await ctx.setProgramID(bp, condition == .loaded || condition == .notUnloaded ? id : nil)
                _ = try await ctx.setCondition(bp, condition, cause: cause)
            }
        }
        for stale in existing.values { requeue = try await retire(stale, loaded: loaded, delete: true) || requeue }
        return requeue
    }

    /// Unloads a BpfProgram's program, writes Unloaded, lets the object go
    /// (`delete`: it is stale, its owner stays). True when it must be tried again.
    func retire(_ bp: BpfProgram, loaded: Loaded, delete: Bool) async throws -> Bool {
        var bp = bp
        if let have = loaded[bp.metadata.uid ?? ""] {
            do {
                _ = try await ctx.run(.unload(id: have.id), current: have.id).id
            } catch {
                _ = try await ctx.setCondition(bp, .notUnloaded, cause: AgentContext.message(error))
                return true
            }
        }
        bp = try await ctx.setCondition(bp, .unloaded, cause: nil)
        bp = try await ctx.removeFinalizer(bp, finalizer)
        if delete && bp.metadata.deletionTimestamp == nil { try await ctx.delete(bp) }
        return false
    }

    /// Where a program stands with its map owner (operator spec §3.8).
    func mapOwner(_ selector: LabelSelector?, loaded: Loaded) throws -> NodeDecision.MapOwner {
        guard let selector, !selector.isEmpty else { return .notSet }
        let owners = ctx.bpfProgramsView().filter { selector.matches($0.metadata.labels ?? [:]) }
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
