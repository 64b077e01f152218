import BpfmanModel
import BpfmanAPI
import KubeClient

/// What differs between BpfApplication and BpfNsApplication: the kind, its
/// item type and how one item becomes a unit. The rest (`ApplicationReconciler`)
/// is shared.
protocol AgentApplication: Sendable {
    associatedtype Item: Codable & Sendable & Equatable
    associatedtype Kind: BpfmanKind where Kind.Spec == BpfApplicationSpec<Item>
    static var reconciler: ReconcilerKind { get }
    /// The unit of one entry, nil when the entry names no member.
    static func unit(_ item: Item, _ entry: ApplicationEntry) async -> AgentUnit?
}

/// One entry of an application on this node: builds its unit with the
/// synthetic name and app program id upstream forms.
struct ApplicationEntry: Sendable {
    let app: String
    let namespace: String?
    let owner: OwnerReference
    let env: Selection
    let node: String
    let procRoot: String
    let applicationKind: ReconcilerKind

    /// The unit of an entry whose member is a `P.Info`, attached as a `P` object would be.
    func unit<P: AgentProgram>(_: P.Type, _ info: P.Info, type: EBPFProgType, id: String) async -> AgentUnit {
        let template = BpfProgramTemplate(kind: applicationKind, node: node, owner: owner, appProgramID: id,
                                          baseName: "\(app)-\(type.rawValue.lowercased())", namespace: namespace)
        var unit = AgentUnit(template: template, function: P.function(info), mapOwner: P.mapOwner(info), points: [])
        do {
            unit.points = try await P.attachPoints(info, planner: AttachPointPlanner(kind: P.reconciler, procRoot: procRoot), env: env)
        } catch {
            unit.selectionFailure = AgentContext.message(error)
        }
        return unit
    }

    /// Upstream's app program id of a probe entry: `<member>-<func>-<bpf function>`.
    static func probeID(_ type: EBPFProgType, _ funcName: String, _ function: String) -> String {
        "\(type.member)-\(AttachPointName.sanitize(funcName))-\(function)"
    }
}

enum ClusterApplication: AgentApplication {
    typealias Kind = BpfApplicationKind
    static let reconciler = ReconcilerKind.application

    static func unit(_ item: BpfApplicationProgram, _ e: ApplicationEntry) async -> AgentUnit? {
        guard let type = item.type else { return nil }
        switch type {
        case .xdp:
            guard let i = item.xdp else { return nil }
            return await e.unit(XdpAgent.self, i, type: type, id: "xdp-\(i.bpffunctionname)")
        case .tc:
            guard let i = item.tc else { return nil }
            return await e.unit(TcAgent.self, i, type: type, id: "tc-\(i.direction.rawValue)-\(i.bpffunctionname)")
        case .tcx:
            guard let i = item.tcx else { return nil }
            return await e.unit(TcxAgent.self, i, type: type, id: "tcx-\(i.direction.rawValue)-\(i.bpffunctionname)")
        case .tracepoint:
            guard let i = item.tracepoint else { return nil }
            return await e.unit(TracepointAgent.self, i, type: type, id: "tracepoint-\(i.bpffunctionname)")
        case .kprobe, .kretprobe:
            guard var i = type == .kprobe ? item.kprobe : item.kretprobe else { return nil }
            if type == .kretprobe { i.retprobe = true }
            return await e.unit(KprobeAgent.self, i, type: type, id: ApplicationEntry.probeID(type, i.func_name, i.bpffunctionname))
        case .uprobe, .uretprobe:
            guard var i = type == .uprobe ? item.uprobe : item.uretprobe else { return nil }
            if type == .uretprobe { i.retprobe = true }
            return await e.unit(UprobeAgent.self, i, type: type, id: ApplicationEntry.probeID(type, i.func_name ?? "", i.bpffunctionname))
        case .fentry:
            guard let i = item.fentry else { return nil }
            return await e.unit(FentryAgent.self, i, type: type, id: ApplicationEntry.probeID(type, i.func_name, i.bpffunctionname))
        case .fexit:
            guard let i = item.fexit else { return nil }
            return await e.unit(FexitAgent.self, i, type: type, id: ApplicationEntry.probeID(type, i.func_name, i.bpffunctionname))
        }
    }
}

/// BpfNsApplication: XDP, TC, TCX and uprobes in the containers of its own
/// namespace, written as BpfNsPrograms there.
enum NamespacedApplication: AgentApplication {
    typealias Kind = BpfNsApplicationKind
    static let reconciler = ReconcilerKind.nsApplication

    static func unit(_ item: BpfNsApplicationProgram, _ e: ApplicationEntry) async -> AgentUnit? {
        guard let type = item.type else { return nil }
        switch type {
        case .xdp:
            guard let i = item.xdp else { return nil }
            return await e.unit(XdpNsAgent.self, i, type: type, id: "xdp-\(i.bpffunctionname)")
        case .tc:
            guard let i = item.tc else { return nil }
            return await e.unit(TcNsAgent.self, i, type: type, id: "tc-\(i.direction.rawValue)-\(i.bpffunctionname)")
        case .tcx:
            guard let i = item.tcx else { return nil }
            return await e.unit(TcxNsAgent.self, i, type: type, id: "tcx-\(i.direction.rawValue)-\(i.bpffunctionname)")
        case .uprobe, .uretprobe:
            guard var i = type == .uprobe ? item.uprobe : item.uretprobe else { return nil }
            if type == .uretprobe { i.retprobe = true }
            return await e.unit(UprobeNsAgent.self, i, type: type, id: ApplicationEntry.probeID(type, i.func_name ?? "", i.bpffunctionname))
        default:
            return nil
        }
    }
}
