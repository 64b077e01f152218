import BpfmanAPI
import BpfmanModel

/// The agent's decisions for one owner on this node, without I/O (operator
/// spec §3.3, §3.7, §3.8): which BpfPrograms to create, what to ask bpfman
/// for each (only what differs), which condition and kernel id each should
/// show, and which to retire. `AgentExecutor` carries the plan out.
enum AgentPlanner {
    typealias Loaded = [String: (id: UInt32, request: LoadRequest)]

    /// Everything a pass decides from, read before planning.
    struct Input: Sendable {
        /// The owner's programs on this node; empty when the owner is gone or being deleted.
        var units: [AgentUnit]
        /// What all units share; nil when the owner is gone or being deleted:
        /// then every BpfProgram is retired and left to garbage collection.
        var common: AppCommon?
        var nodeLabels: [String: String]
        /// The BpfPrograms of this owner on this node.
        var owned: [BpfProgram]
        /// Every BpfProgram on this node (map owners are looked for among them).
        var nodePrograms: [BpfProgram]
        /// bpfman's programs by BpfProgram name.
        var loaded: Loaded
        /// Why the bytecode's pull secret could not be used, if so.
        var credentialsError: String? = nil
        /// This kind's agent finalizer on its BpfPrograms.
        var finalizer: String
        /// The owner as bpfman's `bpfman.io/Owner` metadata names it.
        var identity: String
    }

    static func plan(_ input: Input) -> AgentPlan {
        var plan = AgentPlan()
        guard let common = input.common else {
            for bp in input.owned { plan.steps.append(retire(bp, input, delete: false)) }
            plan.orphans = orphans(input, used: [])
            return plan
        }
        let selected = common.nodeselector.matches(input.nodeLabels)
        struct Key: Hashable { var app: String; var point: String }
        var existing: [Key: BpfProgram] = [:]
        var order: [Key] = []
        for bp in input.owned {
            let key = Key(app: bp.metadata.labels?[BpfProgramTemplate.appProgramIDLabel] ?? "",
                          point: bp.metadata.annotations?[AttachPoint.annotationKey] ?? "")
            if existing.updateValue(bp, forKey: key) == nil { order.append(key) }
        }
        if input.credentialsError != nil { plan.retry = true }
        for unit in input.units {
            let owner = unit.template.owner.name
            if let problem = BpfProgramLabels.ownerNameProblem(owner) {
                // The operator puts this on the owner's status; trying to create would only fail with 422.
                plan.notes.append(.init(message: "no BpfProgram for this owner", owner: owner, error: problem))
                continue
            }
            let app = unit.template.appProgramID
            if let failure = unit.selectionFailure {
                if unit.selectionRetryable { plan.retry = true }
                // BpfPrograms of attach points found before stay as they are (the cause may pass);
                // with none, one BpfProgram says why nothing is attached here.
                let placeholder = Key(app: app, point: AttachPoint.selectionFailedKey)
                let mine = existing.keys.filter { $0.app == app }
                if mine.contains(where: { $0 != placeholder }) {
                    for k in mine { existing.removeValue(forKey: k) }
                    plan.notes.append(.init(message: "cannot work out where the program goes on this node; keeping what is there",
                                            owner: owner, error: failure))
                    continue
                }
                let point = AttachPoint(key: placeholder.point, annotations: [:], attach: nil)
                let have = existing.removeValue(forKey: placeholder)
                plan.steps.append(AgentStep(program: have ?? unit.template.object(for: point), loadedID: nil,
                                            actions: (have == nil ? [.create] : [])
                                                + [.setCondition(selected ? .notLoaded : .notSelected, cause: selected ? failure : nil)]))
                continue
            }
            let mapOwner: NodeDecision.MapOwner
            switch mapOwnerState(unit.mapOwner, nodePrograms: input.nodePrograms, loaded: input.loaded) {
            case .success(let state): mapOwner = state
            case .failure(let error):
                plan.notes.append(.init(message: "map owner", owner: owner, error: error.description))
                plan.retry = true
                // Keep this unit's BpfPrograms as they are until the selector is sorted out.
                for p in unit.points { existing.removeValue(forKey: Key(app: app, point: p.key)) }
                continue
            }
            for point in unit.points {
                let have = existing.removeValue(forKey: Key(app: app, point: point.key))
                // A new object's name is known before it exists; a program loaded under it by a pass
                // that ended before the create is this object's.
                let program = have ?? unit.template.object(for: point)
                let name = program.metadata.name ?? ""
                var step = AgentStep(program: program, loadedID: nil, actions: [])
                let loaded = input.loaded[name]
                step.loadedID = loaded?.id
                var cause: String?
                let desired: Result<LoadRequest, NodeDecision.NotLoading>
                if let why = NodeDecision.reasonNotToLoad(nodeSelected: selected, noTargets: point.noTargets, mapOwner: mapOwner) {
                    desired = .failure(.init(why))
                    if why == .mapOwnerNotFound || why == .mapOwnerNotLoaded { plan.retry = true }
                } else if let error = input.credentialsError {
                    desired = .failure(.init(.bytecodeSelectorError))
                    cause = error
                } else if let attach = point.attach {
                    var ownerID: UInt32?
                    if case .loaded(let id) = mapOwner { ownerID = id }
                    desired = .success(LoadRequest(
                        bytecode: bytecode(common.bytecode), name: unit.function, attach: attach,
                        globalData: (common.globaldata ?? [:]).mapValues(\.bytes),
                        metadata: [MetadataKey.bpfProgram: name, MetadataKey.programName: owner,
                                   MetadataKey.owner: unit.template.ownerIdentity], mapOwnerID: ownerID))
                } else {
                    if have == nil { step.actions = [.create] }
                    plan.steps.append(step)
                    continue
                }
                let decision = NodeDecision.decide(loaded: loaded, desired: desired)
                // Loaded under signing mode warn: why the image was not verified stays on the status.
                if decision.calls.isEmpty, decision.condition == .loaded, cause == nil {
                    cause = ImageSignature.loadedCause(loaded?.request.signature)
                }
                // A new object is created after the calls, with the kernel id they leave: one write, not two.
                step.actions = decision.calls.map(AgentAction.call) + [.setProgramID] + (have == nil ? [.create] : [])
                    + [.setCondition(decision.condition, cause: cause)]
                plan.steps.append(step)
            }
        }
        // BpfPrograms no unit wants any more: attach points that went away.
        for key in order { if let stale = existing[key] { plan.steps.append(retire(stale, input, delete: true)) } }
        plan.orphans = orphans(input, used: Set(plan.steps.compactMap(\.program.metadata.name)))
        return plan
    }

    /// bpfman's programs loaded for this owner (by `bpfman.io/Owner`, not by
    /// name alone: owners of other kinds may share it) under a name that no
    /// BpfProgram of the owner has and no step of this plan uses.
    static func orphans(_ input: Input, used: Set<String>) -> [UInt32] {
        let owned = Set(input.owned.compactMap(\.metadata.name))
        return input.loaded.filter { name, program in
            program.request.metadata[MetadataKey.owner] == input.identity && !owned.contains(name) && !used.contains(name)
        }.map(\.value.id).sorted()
    }

    /// Unload if loaded, then Unloaded, then the finalizer goes; a stale
    /// BpfProgram (`delete`) is deleted too, one of a deleted owner is left to
    /// garbage collection.
    static func retire(_ bp: BpfProgram, _ input: Input, delete: Bool) -> AgentStep {
        let loaded = input.loaded[bp.metadata.name ?? ""]
        var actions: [AgentAction] = loaded.map { [.call(.unload(id: $0.id))] } ?? []
        actions += [.setCondition(.unloaded, cause: nil), .removeFinalizer(input.finalizer)]
        if delete && bp.metadata.deletionTimestamp == nil { actions.append(.delete) }
        return AgentStep(program: bp, loadedID: loaded?.id, actions: actions)
    }

    /// Where a program stands with its map owner (operator spec §3.8).
    static func mapOwnerState(_ selector: LabelSelector?, nodePrograms: [BpfProgram], loaded: Loaded) -> Result<NodeDecision.MapOwner, AgentError> {
        guard let selector, !selector.isEmpty else { return .success(.notSet) }
        let owners = nodePrograms.filter { selector.matches($0.metadata.labels ?? [:]) }
        if owners.isEmpty { return .success(.notFound) }
        guard owners.count == 1, let owner = owners.first else {
            return .failure(AgentError("mapownerselector matches \(owners.count) BpfPrograms on this node; it must match one"))
        }
        guard owner.status?.conditions?.last?.type == BpfProgramConditionType.loaded.rawValue,
              let id = loaded[owner.metadata.name ?? ""]?.id else { return .success(.notLoaded) }
        return .success(.loaded(id: id))
    }

    static func bytecode(_ b: BytecodeSelector) -> BytecodeLocation {
        if let image = b.image {
            let policy = ImagePullPolicy(rawValue: image.imagepullpolicy?.rawValue ?? "IfNotPresent") ?? .ifNotPresent
            return .image(url: image.url, pullPolicy: policy, digest: nil)
        }
        return .file(path: b.path ?? "")
    }
}
