import Bpfman
import BpfmanAPI
import KubeClient
import KubeController

/// BpfApplication on this node: each program entry is a unit of the same
/// convergence as a program object, its BpfPrograms labelled with the entry's
/// `bpfman.io/appProgramId` (operator spec §3.9). Entries that go away are
/// retired in the same pass — including ones that never loaded, which
/// upstream leaves behind.
public final class ApplicationReconciler: Reconciler {
    let ctx: AgentContext
    public let applications: Informer<BpfApplication>

    public init(_ ctx: AgentContext) {
        self.ctx = ctx
        applications = Informer(client: ctx.client, resyncPeriod: ctx.resyncPeriod)
    }

    func owned(by name: String) -> [BpfProgram] {
        ctx.bpfProgramsView().filter { bp in
            bp.metadata.labels?[BpfProgramTemplate.ownedByLabel] == name
                && (bp.metadata.ownerReferences ?? []).contains { $0.kind == BpfApplicationKind.resource.kind && $0.controller == true }
        }
    }

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let node = ctx.nodes.get(name: ctx.nodeName) else { return .requeueAfter(.seconds(5)) }
        let owned = owned(by: key.name)
        let loaded = try await ctx.loadedPrograms()
        let convergence = Convergence(ctx: ctx, finalizer: ReconcilerKind.application.finalizer)
        guard let app = applications.get(name: key.name), app.metadata.deletionTimestamp == nil else {
            var requeue = false
            for bp in owned { requeue = try await convergence.retire(bp, loaded: loaded, delete: false) || requeue }
            return requeue ? .requeueAfter(.seconds(5)) : .done
        }
        let owner = OwnerReference(apiVersion: app.apiVersion, kind: BpfApplicationKind.resource.kind, name: key.name, uid: app.metadata.uid ?? "")
        var units: [Convergence.Unit] = []
        for item in app.spec.programs ?? [] {
            do {
                if let unit = try await Self.unit(item, app: key.name, owner: owner, env: ctx.selection(node), ctx: ctx) { units.append(unit) }
            } catch {
                ctx.logger.warning("cannot work out where an application program goes on this node",
                                   metadata: ["application": "\(key.name)", "type": "\(item.type?.rawValue ?? "?")", "error": "\(error)"])
                return .requeueAfter(.seconds(5))
            }
        }
        let common = AppCommon(nodeselector: app.spec.nodeselector, globaldata: app.spec.globaldata, bytecode: app.spec.bytecode)
        let requeue = try await convergence.converge(units: units, common: common, node: node, existing: owned, loaded: loaded)
        ctx.publishProgramGauges()
        return requeue ? .requeueAfter(.seconds(5)) : .done
    }

    /// The unit of one entry: its synthetic name and app program id as
    /// upstream forms them, and its attach points. Kretprobe and uretprobe
    /// entries read their own member and are return probes.
    static func unit(_ item: BpfApplicationProgram, app: String, owner: OwnerReference, env: Selection, ctx: AgentContext) async throws -> Convergence.Unit? {
        guard let type = item.type else { return nil }
        func make(_ kind: ReconcilerKind, _ id: String, _ function: String, _ mapOwner: LabelSelector?,
                  _ points: (AttachPointPlanner) async throws -> [AttachPoint]) async throws -> Convergence.Unit {
            let template = BpfProgramTemplate(kind: .application, node: ctx.nodeName, owner: owner, appProgramID: id,
                                              baseName: "\(app)-\(type.rawValue.lowercased())")
            return Convergence.Unit(template: template, function: function, mapOwner: mapOwner,
                                    points: try await points(AttachPointPlanner(kind: kind, procRoot: ctx.procRoot)))
        }
        let s = AttachPointName.sanitize
        switch type {
        case .xdp:
            guard let i = item.xdp else { return nil }
            return try await make(.xdp, "xdp-\(i.bpffunctionname)", i.bpffunctionname, i.mapownerselector) {
                try await XdpAgent.attachPoints(i, planner: $0, env: env)
            }
        case .tc:
            guard let i = item.tc else { return nil }
            return try await make(.tc, "tc-\(i.direction.rawValue)-\(i.bpffunctionname)", i.bpffunctionname, i.mapownerselector) {
                try await TcAgent.attachPoints(i, planner: $0, env: env)
            }
        case .tcx:
            guard let i = item.tcx else { return nil }
            return try await make(.tcx, "tcx-\(i.direction.rawValue)-\(i.bpffunctionname)", i.bpffunctionname, i.mapownerselector) {
                try await TcxAgent.attachPoints(i, planner: $0, env: env)
            }
        case .tracepoint:
            guard let i = item.tracepoint else { return nil }
            return try await make(.tracepoint, "tracepoint-\(i.bpffunctionname)", i.bpffunctionname, i.mapownerselector) { $0.tracepoint(i) }
        case .kprobe, .kretprobe:
            guard var i = type == .kprobe ? item.kprobe : item.kretprobe else { return nil }
            if type == .kretprobe { i.retprobe = true }
            return try await make(.kprobe, "\(type.member)-\(s(i.func_name))-\(i.bpffunctionname)", i.bpffunctionname, i.mapownerselector) { $0.kprobe(i) }
        case .uprobe, .uretprobe:
            guard var i = type == .uprobe ? item.uprobe : item.uretprobe else { return nil }
            if type == .uretprobe { i.retprobe = true }
            return try await make(.uprobe, "\(type.member)-\(s(i.func_name ?? ""))-\(i.bpffunctionname)", i.bpffunctionname, i.mapownerselector) {
                try await UprobeAgent.attachPoints(i, planner: $0, env: env)
            }
        case .fentry:
            guard let i = item.fentry else { return nil }
            return try await make(.fentry, "fentry-\(s(i.func_name))-\(i.bpffunctionname)", i.bpffunctionname, i.mapownerselector) { $0.fentry(i) }
        case .fexit:
            guard let i = item.fexit else { return nil }
            return try await make(.fexit, "fexit-\(s(i.func_name))-\(i.bpffunctionname)", i.bpffunctionname, i.mapownerselector) { $0.fexit(i) }
        }
    }
}
