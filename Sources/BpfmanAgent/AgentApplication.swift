import BpfmanAPI
import BpfmanModel
import KubeClient

/// An item of BpfApplication or BpfNsApplication as the agent reads it: its
/// type and members, the namespaced item having no members for the kinds
/// it cannot hold. One `ApplicationEntry.unit` serves both.
protocol ApplicationItem: Sendable {
    associatedtype Containers: AgentContainerSelection
    var type: EBPFProgType? { get }
    var xdp: XdpInfo<Containers>? { get }
    var tc: TcInfo<Containers>? { get }
    var tcx: TcxInfo<Containers>? { get }
    var uprobe: UprobeInfo<Containers>? { get }
    var uretprobe: UprobeInfo<Containers>? { get }
    var tracepoint: TracepointProgramInfo? { get }
    var kprobe: KprobeProgramInfo? { get }
    var kretprobe: KprobeProgramInfo? { get }
    var fentry: FentryProgramInfo? { get }
    var fexit: FexitProgramInfo? { get }
}

extension BpfApplicationProgram: ApplicationItem {}

extension BpfNsApplicationProgram: ApplicationItem {
    var tracepoint: TracepointProgramInfo? { nil }
    var kprobe: KprobeProgramInfo? { nil }
    var kretprobe: KprobeProgramInfo? { nil }
    var fentry: FentryProgramInfo? { nil }
    var fexit: FexitProgramInfo? { nil }
}

/// One application on this node: builds the unit of each entry with the
/// synthetic name and app program id upstream forms (operator spec §3.9).
struct ApplicationEntry: Sendable {
    let app: String
    let namespace: String?
    let owner: OwnerReference
    let env: Selection
    let node: String
    let procRoot: String
    let applicationKind: ReconcilerKind

    /// The unit of one entry; nil when the entry names no member (or one its kind cannot hold).
    func unit(for item: some ApplicationItem) async -> AgentUnit? {
        guard let type = item.type else { return nil }
        switch type {
        case .xdp:
            guard let i = item.xdp else { return nil }
            return await unit(i, type: type, id: "xdp-\(i.bpffunctionname)")
        case .tc:
            guard let i = item.tc else { return nil }
            return await unit(i, type: type, id: "tc-\(i.direction.rawValue)-\(i.bpffunctionname)")
        case .tcx:
            guard let i = item.tcx else { return nil }
            return await unit(i, type: type, id: "tcx-\(i.direction.rawValue)-\(i.bpffunctionname)")
        case .tracepoint:
            guard let i = item.tracepoint else { return nil }
            return await unit(i, type: type, id: "tracepoint-\(i.bpffunctionname)")
        case .kprobe, .kretprobe:
            guard var i = type == .kprobe ? item.kprobe : item.kretprobe else { return nil }
            if type == .kretprobe { i.retprobe = true }
            return await unit(i, type: type, id: Self.probeID(type, i.func_name, i.bpffunctionname))
        case .uprobe, .uretprobe:
            guard var i = type == .uprobe ? item.uprobe : item.uretprobe else { return nil }
            if type == .uretprobe { i.retprobe = true }
            return await unit(i, type: type, id: Self.probeID(type, i.func_name ?? "", i.bpffunctionname))
        case .fentry, .fexit:
            guard let i = type == .fentry ? item.fentry : item.fexit else { return nil }
            return await unit(i, type: type, id: Self.probeID(type, i.func_name, i.bpffunctionname))
        }
    }

    /// An entry's info, placed as an object of its program kind would be.
    func unit(_ info: some AttachPointSource, type: EBPFProgType, id: String) async -> AgentUnit? {
        guard let kind = AllKinds.program(for: type, namespaced: applicationKind.isNamespaced) else { return nil }
        let template = BpfProgramTemplate(kind: applicationKind, node: node, owner: owner, appProgramID: id,
                                          baseName: "\(app)-\(type.rawValue.lowercased())", namespace: namespace)
        return await AgentUnit(info, kind: kind, template: template, procRoot: procRoot, env: env)
    }

    /// Upstream's app program id of a probe entry: `<member>-<func>-<bpf function>`.
    static func probeID(_ type: EBPFProgType, _ funcName: String, _ function: String) -> String {
        "\(type.member)-\(AttachPointName.sanitize(funcName))-\(function)"
    }
}
