import BpfmanModel
import BpfmanAPI

/// What the agent needs to know of one cluster-scoped program kind; all the
/// rest (`ProgramReconciler`) is shared.
public protocol AgentProgram: Sendable {
    associatedtype Info: ProgramInfo & CommonProgramFields
    associatedtype Kind: BpfmanKind where Kind.Spec == ProgramSpec<Info>
    static var reconciler: ReconcilerKind { get }
    /// The attach points on this node.
    static func attachPoints(_ info: Info, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint]
}

extension AgentProgram {
    static func function(_ info: Info) -> String { info.bpffunctionname }
    static func mapOwner(_ info: Info) -> LabelSelector? { info.mapownerselector }
}

/// The two fields every program info has.
public protocol CommonProgramFields {
    var bpffunctionname: String { get }
    var mapownerselector: LabelSelector? { get }
}

extension XdpInfo: CommonProgramFields {}
extension TcInfo: CommonProgramFields {}
extension TcxInfo: CommonProgramFields {}
extension UprobeInfo: CommonProgramFields {}
extension TracepointProgramInfo: CommonProgramFields {}
extension KprobeProgramInfo: CommonProgramFields {}
extension FentryProgramInfo: CommonProgramFields {}

/// What selection sees on this node: the Node, and the containers of its pods.
public struct Selection: Sendable {
    public var node: NodeObject
    /// The program object's namespace (namespaced kinds see only its pods).
    public var objectNamespace: String?
    /// Containers of this node's running pods in `namespace` (nil: all) matching `pods`, optionally by name.
    public var containers: @Sendable (_ namespace: String?, _ pods: LabelSelector, _ names: [String]?) async throws -> [ContainerTarget]

    public init(node: NodeObject, objectNamespace: String? = nil,
                containers: @escaping @Sendable (String?, LabelSelector, [String]?) async throws -> [ContainerTarget]) {
        self.node = node
        self.objectNamespace = objectNamespace
        self.containers = containers
    }

    func interfaces(_ s: InterfaceSelector) throws -> [String] { try InterfaceResolution.interfaces(s, node: node) }

    func select(_ selector: ContainerSelector?) async throws -> AttachPointPlanner.Containers {
        guard let selector else { return .none }
        let ns = selector.namespace.flatMap { $0.isEmpty ? nil : $0 }
        return .selected(try await containers(ns, selector.pods, selector.containernames))
    }

    /// Namespaced kinds: the pods of the object's own namespace only.
    func select(_ selector: ContainerNsSelector?) async throws -> AttachPointPlanner.Containers {
        guard let selector else { throw AgentError("a namespaced program needs a container selector (containers)") }
        return .selected(try await containers(objectNamespace ?? "default", selector.pods, selector.containernames))
    }
}

public enum XdpAgent: AgentProgram {
    public typealias Kind = XdpKind
    public static let reconciler = ReconcilerKind.xdp
    public static func attachPoints(_ i: XdpProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.xdp(i, interfaces: try env.interfaces(i.interfaceselector), containers: try await env.select(i.containers))
    }
}

public enum TcAgent: AgentProgram {
    public typealias Kind = TcKind
    public static let reconciler = ReconcilerKind.tc
    public static func attachPoints(_ i: TcProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.tc(i, interfaces: try env.interfaces(i.interfaceselector), containers: try await env.select(i.containers))
    }
}

public enum TcxAgent: AgentProgram {
    public typealias Kind = TcxKind
    public static let reconciler = ReconcilerKind.tcx
    public static func attachPoints(_ i: TcxProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.tcx(i, interfaces: try env.interfaces(i.interfaceselector), containers: try await env.select(i.containers))
    }
}

public enum TracepointAgent: AgentProgram {
    public typealias Kind = TracepointKind
    public static let reconciler = ReconcilerKind.tracepoint
    public static func attachPoints(_ i: TracepointProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.tracepoint(i)
    }
}

public enum KprobeAgent: AgentProgram {
    public typealias Kind = KprobeKind
    public static let reconciler = ReconcilerKind.kprobe
    public static func attachPoints(_ i: KprobeProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.kprobe(i)
    }
}

public enum UprobeAgent: AgentProgram {
    public typealias Kind = UprobeKind
    public static let reconciler = ReconcilerKind.uprobe
    public static func attachPoints(_ i: UprobeProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.uprobe(i, containers: try await env.select(i.containers))
    }
}

public enum FentryAgent: AgentProgram {
    public typealias Kind = FentryKind
    public static let reconciler = ReconcilerKind.fentry
    public static func attachPoints(_ i: FentryProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.fentry(i)
    }
}

public enum FexitAgent: AgentProgram {
    public typealias Kind = FexitKind
    public static let reconciler = ReconcilerKind.fexit
    public static func attachPoints(_ i: FexitProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.fexit(i)
    }
}

public enum XdpNsAgent: AgentProgram {
    public typealias Kind = XdpNsKind
    public static let reconciler = ReconcilerKind.xdpNs
    public static func attachPoints(_ i: XdpNsProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.xdp(i, interfaces: try env.interfaces(i.interfaceselector), containers: try await env.select(i.containers))
    }
}

public enum TcNsAgent: AgentProgram {
    public typealias Kind = TcNsKind
    public static let reconciler = ReconcilerKind.tcNs
    public static func attachPoints(_ i: TcNsProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.tc(i, interfaces: try env.interfaces(i.interfaceselector), containers: try await env.select(i.containers))
    }
}

public enum TcxNsAgent: AgentProgram {
    public typealias Kind = TcxNsKind
    public static let reconciler = ReconcilerKind.tcxNs
    public static func attachPoints(_ i: TcxNsProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.tcx(i, interfaces: try env.interfaces(i.interfaceselector), containers: try await env.select(i.containers))
    }
}

public enum UprobeNsAgent: AgentProgram {
    public typealias Kind = UprobeNsKind
    public static let reconciler = ReconcilerKind.uprobeNs
    public static func attachPoints(_ i: UprobeNsProgramInfo, planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.uprobe(i, containers: try await env.select(i.containers))
    }
}
