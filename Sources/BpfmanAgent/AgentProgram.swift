import BpfmanAPI
import BpfmanModel

/// A program info the agent can place on this node: where its program goes.
/// The planner carries the program kind (whose annotation keys the points
/// get, and which hook an fentry/fexit info means). One conformance per info
/// type, generic over how it selects containers; a kind is agent-ready when
/// its `Info` conforms (`Agent` checks every kind of `AllKinds` at start).
protocol AttachPointSource: ProgramInfo {
    func attachPoints(planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint]
}

/// How the agent finds the containers a selector of this kind names.
protocol AgentContainerSelection: ContainerSelection {
    static func targets(_ selector: Self?, in env: Selection) async throws -> AttachPointPlanner.Containers
}

extension ContainerSelector: AgentContainerSelection {
    static func targets(_ selector: ContainerSelector?, in env: Selection) async throws -> AttachPointPlanner.Containers {
        try await env.select(selector)
    }
}

extension ContainerNsSelector: AgentContainerSelection {
    static func targets(_ selector: ContainerNsSelector?, in env: Selection) async throws -> AttachPointPlanner.Containers {
        try await env.select(selector)
    }
}

extension XdpInfo: AttachPointSource where Containers: AgentContainerSelection {
    func attachPoints(planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.xdp(self, interfaces: try env.interfaces(interfaceselector), containers: try await Containers.targets(containers, in: env))
    }
}

extension TcInfo: AttachPointSource where Containers: AgentContainerSelection {
    func attachPoints(planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.tc(self, interfaces: try env.interfaces(interfaceselector), containers: try await Containers.targets(containers, in: env))
    }
}

extension TcxInfo: AttachPointSource where Containers: AgentContainerSelection {
    func attachPoints(planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.tcx(self, interfaces: try env.interfaces(interfaceselector), containers: try await Containers.targets(containers, in: env))
    }
}

extension UprobeInfo: AttachPointSource where Containers: AgentContainerSelection {
    func attachPoints(planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.uprobe(self, containers: try await Containers.targets(containers, in: env))
    }
}

extension TracepointProgramInfo: AttachPointSource {
    func attachPoints(planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] { planner.tracepoint(self) }
}

extension KprobeProgramInfo: AttachPointSource {
    func attachPoints(planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] { planner.kprobe(self) }
}

/// FentryProgram and FexitProgram share their info; the kind says which hook.
extension FentryProgramInfo: AttachPointSource {
    func attachPoints(planner: AttachPointPlanner, env: Selection) async throws -> [AttachPoint] {
        planner.kind == FexitKind.reconciler ? planner.fexit(self) : planner.fentry(self)
    }
}

extension AgentUnit {
    /// The unit of a program info on this node as a `kind` object places it;
    /// where it cannot be placed, the unit says why.
    init(_ info: some AttachPointSource, kind: ReconcilerKind, template: BpfProgramTemplate, procRoot: String, env: Selection) async {
        self.init(template: template, function: info.bpffunctionname, mapOwner: info.mapownerselector, points: [])
        do {
            points = try await info.attachPoints(planner: AttachPointPlanner(kind: kind, procRoot: procRoot), env: env)
        } catch {
            selectionFailure = AgentContext.message(error)
            selectionRetryable = !(error is SpecError)
        }
    }
}

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
        guard let selector else { throw SpecError("a namespaced program needs a container selector (containers)") }
        return .selected(try await containers(objectNamespace ?? "default", selector.pods, selector.containernames))
    }
}
