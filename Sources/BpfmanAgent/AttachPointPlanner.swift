import BpfmanAPI
import BpfmanModel

/// The attach points a program object has on this node (operator spec §3.4),
/// from its spec and what selection found here: the interfaces, and the
/// containers when a container selector applies. Pure.
public struct AttachPointPlanner: Sendable {
    /// What a container selector found: `nil` when the object has none.
    public enum Containers: Sendable, Equatable {
        case none
        case selected([ContainerTarget])
    }

    public var kind: ReconcilerKind
    /// Where the host's /proc is seen (`/host/proc` in the agent's container).
    public var procRoot: String

    public init(kind: ReconcilerKind, procRoot: String = "/proc") {
        self.kind = kind
        self.procRoot = procRoot
    }

    func netns(_ pid: Int32) -> String { "\(procRoot)/\(pid)/ns/net" }

    /// Network hooks: one point per interface, or per interface and network
    /// namespace of the selected containers (the first container of each, by
    /// pod and name, names it): containers sharing a namespace share its
    /// interfaces, and a hook takes a program once.
    func network(_ base: [String], interfaces: [String], containers: Containers,
                 attach: (String, String?) -> AttachInfo) -> [AttachPoint] {
        interfaces.flatMap { iface -> [AttachPoint] in
            let stem = ([iface] + base).joined(separator: "-")
            let ann = [kind.annotation("interface"): iface]
            switch containers {
            case .none:
                return [point(stem, ann, attach(iface, nil))]
            case .selected(let found) where found.isEmpty:
                return [point("\(stem)-no-containers-on-node", ann.merging([kind.annotation("nocontainersonnode"): "true"]) { $1 }, nil)]
            case .selected(let found):
                var seen = Set<UInt64>()
                let distinct = found.filter { c in c.netnsInode.map { seen.insert($0).inserted } ?? true }
                return distinct.map { c in
                    point("\(stem)-\(c.pod)-\(c.container)", ann.merging([kind.annotation("containerpid"): "\(c.pid)"]) { $1 },
                          attach(iface, netns(c.pid)))
                }
            }
        }
    }

    func point(_ key: String, _ annotations: [String: String], _ attach: AttachInfo?) -> AttachPoint {
        AttachPoint(key: key, annotations: annotations.merging([AttachPoint.annotationKey: key]) { $1 }, attach: attach)
    }

    // MARK: per kind

    public func xdp<C>(_ info: XdpInfo<C>, interfaces: [String], containers: Containers) -> [AttachPoint] {
        let proceed = info.proceedon.map { $0.compactMap { XdpAction(name: $0.rawValue) } } ?? XdpAction.defaultProceedOn
        return network([], interfaces: interfaces, containers: containers) {
            .xdp(.init(iface: $0, priority: info.priority, proceedOn: proceed, netns: $1))
        }
    }

    public func tc<C>(_ info: TcInfo<C>, interfaces: [String], containers: Containers) -> [AttachPoint] {
        let proceed = info.proceedon.map { $0.compactMap { TcAction(name: $0.rawValue) } } ?? TcAction.defaultProceedOn
        let direction = TcDirection(rawValue: info.direction.rawValue) ?? .ingress
        return network([direction.rawValue], interfaces: interfaces, containers: containers) {
            .tc(.init(iface: $0, priority: info.priority, direction: direction, proceedOn: proceed, netns: $1))
        }
    }

    public func tcx<C>(_ info: TcxInfo<C>, interfaces: [String], containers: Containers) -> [AttachPoint] {
        let direction = TcDirection(rawValue: info.direction.rawValue) ?? .ingress
        return network([direction.rawValue], interfaces: interfaces, containers: containers) {
            .tcx(.init(iface: $0, priority: info.priority, direction: direction, netns: $1))
        }
    }

    public func tracepoint(_ info: TracepointProgramInfo) -> [AttachPoint] {
        info.names.map { point(AttachPointName.sanitize($0), [kind.annotation("tracepoint"): $0], .tracepoint(.init(tracepoint: $0))) }
    }

    public func kprobe(_ info: KprobeProgramInfo) -> [AttachPoint] {
        [point(AttachPointName.sanitize(info.func_name), [kind.annotation("function"): info.func_name],
               .kprobe(.init(fnName: info.func_name, offset: info.offset ?? 0, retprobe: info.retprobe ?? false)))]
    }

    public func fentry(_ info: FentryProgramInfo) -> [AttachPoint] {
        [point(AttachPointName.sanitize(info.func_name), [kind.annotation("function"): info.func_name], .fentry(.init(fnName: info.func_name)))]
    }

    public func fexit(_ info: FexitProgramInfo) -> [AttachPoint] {
        [point(AttachPointName.sanitize(info.func_name), [kind.annotation("function"): info.func_name], .fexit(.init(fnName: info.func_name)))]
    }

    /// Uprobes in containers attach by the container's pid (bpfman enters its mount namespace).
    public func uprobe<C>(_ info: UprobeInfo<C>, containers: Containers) -> [AttachPoint] {
        let stem = "\(AttachPointName.sanitize(info.target))-\(AttachPointName.sanitize(info.func_name ?? ""))"
        let ann = [kind.annotation("target"): info.target]
        func attach(_ containerPid: Int32?) -> AttachInfo {
            .uprobe(.init(fnName: info.func_name, offset: info.offset ?? 0, target: info.target, retprobe: info.retprobe ?? false,
                          pid: info.pid, containerPid: containerPid))
        }
        switch containers {
        case .none:
            return [point(stem, ann, attach(nil))]
        case .selected(let found) where found.isEmpty:
            return [point("\(stem)-no-containers-on-node", ann.merging([kind.annotation("nocontainersonnode"): "true"]) { $1 }, nil)]
        case .selected(let found):
            return found.map { c in
                point("\(stem)-\(c.pod)-\(c.container)", ann.merging([kind.annotation("containerpid"): "\(c.pid)"]) { $1 }, attach(c.pid))
            }
        }
    }
}
