/// The per-type part of a program (upstream's `*ProgramInfo`, with
/// BpfProgramCommon inlined): used alone inside BpfApplication items and
/// together with `AppCommon` as a program kind's spec.
public protocol ProgramInfo: Codable, Sendable, Equatable {
    static var properties: [String: SchemaValue] { get }
    static var required: [String] { get }
    /// Whether objects of it may select containers (then the agent watches pods).
    static var selectsContainers: Bool { get }
    var bpffunctionname: String { get }
    var mapownerselector: LabelSelector? { get }
}

extension ProgramInfo {
    public static var selectsContainers: Bool { false }
}

/// `bpffunctionname` and `mapownerselector`, in every ProgramInfo.
enum CommonFields {
    static let properties: [String: SchemaValue] = [
        "bpffunctionname": S.string("The ELF function (entry point) to load."),
        "mapownerselector": labelSelectorSchema("Selects one BpfProgram on the same node whose maps this program shares."),
    ]
    static let required = ["bpffunctionname"]
}

public enum XdpProceedOn: String, Codable, Sendable, CaseIterable {
    case aborted, drop, pass, tx, redirect, dispatcherReturn = "dispatcher_return"
}

public enum TcProceedOn: String, Codable, Sendable, CaseIterable {
    case unspec, ok, reclassify, shot, pipe, stolen, queued, `repeat`, redirect, trap, dispatcherReturn = "dispatcher_return"
}

public enum Direction: String, Codable, Sendable, CaseIterable { case ingress, egress }

let priority = S.integer("Order on the hook, 0 (first) to 1000.", format: "int32", minimum: 0, maximum: 1000)
let direction = S.string("Hook direction.", enum: Direction.allCases.map(\.rawValue))

public struct XdpInfo<Containers: ContainerSelection>: ProgramInfo {
    public static var selectsContainers: Bool { true }
    public var bpffunctionname: String
    public var mapownerselector: LabelSelector?
    public var interfaceselector: InterfaceSelector
    public var containers: Containers?
    public var priority: Int32
    public var proceedon: [XdpProceedOn]?

    public static var properties: [String: SchemaValue] {
        S.merge(CommonFields.properties, [
            "interfaceselector": InterfaceSelector.schema, "containers": Containers.schema, "priority": BpfmanAPI.priority,
            "proceedon": S.array(S.string(enum: XdpProceedOn.allCases.map(\.rawValue)), "Return values that let the next program run.",
                                 maxItems: 6, default: ["pass", "dispatcher_return"]),
        ])
    }
    public static var required: [String] { CommonFields.required + ["interfaceselector", "priority"] + Containers.requiredKey }
}


public struct TcInfo<Containers: ContainerSelection>: ProgramInfo {
    public static var selectsContainers: Bool { true }
    public var bpffunctionname: String
    public var mapownerselector: LabelSelector?
    public var interfaceselector: InterfaceSelector
    public var containers: Containers?
    public var priority: Int32
    public var direction: Direction
    public var proceedon: [TcProceedOn]?

    public static var properties: [String: SchemaValue] {
        S.merge(CommonFields.properties, [
            "interfaceselector": InterfaceSelector.schema, "containers": Containers.schema, "priority": BpfmanAPI.priority,
            "direction": BpfmanAPI.direction,
            "proceedon": S.array(S.string(enum: TcProceedOn.allCases.map(\.rawValue)), "Return values that let the next program run.",
                                 maxItems: 11, default: ["pipe", "dispatcher_return"]),
        ])
    }
    public static var required: [String] { CommonFields.required + ["interfaceselector", "priority", "direction"] + Containers.requiredKey }
}


public struct TcxInfo<Containers: ContainerSelection>: ProgramInfo {
    public static var selectsContainers: Bool { true }
    public var bpffunctionname: String
    public var mapownerselector: LabelSelector?
    public var interfaceselector: InterfaceSelector
    public var containers: Containers?
    public var direction: Direction
    public var priority: Int32

    public static var properties: [String: SchemaValue] {
        S.merge(CommonFields.properties, [
            "interfaceselector": InterfaceSelector.schema, "containers": Containers.schema,
            "priority": BpfmanAPI.priority, "direction": BpfmanAPI.direction,
        ])
    }
    public static var required: [String] { CommonFields.required + ["interfaceselector", "priority", "direction"] + Containers.requiredKey }
}


public struct TracepointProgramInfo: ProgramInfo {
    public var bpffunctionname: String
    public var mapownerselector: LabelSelector?
    public var names: [String]

    public static var properties: [String: SchemaValue] {
        S.merge(CommonFields.properties, ["names": S.array(S.string(), "Tracepoints, e.g. syscalls/sys_enter_openat.")])
    }
    public static var required: [String] { CommonFields.required + ["names"] }
}

public struct KprobeProgramInfo: ProgramInfo {
    public var bpffunctionname: String
    public var mapownerselector: LabelSelector?
    public var func_name: String
    public var offset: UInt64?
    public var retprobe: Bool?

    public static var properties: [String: SchemaValue] {
        S.merge(CommonFields.properties, [
            "func_name": S.string("Kernel function to probe."),
            "offset": S.integer("Offset into the function.", format: "int64", default: 0),
            "retprobe": S.boolean("Probe the return (kretprobe).", default: false),
        ])
    }
    public static var required: [String] { CommonFields.required + ["func_name"] }
}

public struct UprobeInfo<Containers: ContainerSelection>: ProgramInfo {
    public static var selectsContainers: Bool { true }
    public var bpffunctionname: String
    public var mapownerselector: LabelSelector?
    public var func_name: String?
    public var offset: UInt64?
    public var target: String
    public var retprobe: Bool?
    public var pid: Int32?
    public var containers: Containers?

    public static var properties: [String: SchemaValue] {
        S.merge(CommonFields.properties, [
            "func_name": S.string("Function to probe."),
            "offset": S.integer("Offset into the function.", format: "int64", default: 0),
            "target": S.string("Library name or absolute path of the binary."),
            "retprobe": S.boolean("Probe the return (uretprobe).", default: false),
            "pid": S.integer("Only this process.", format: "int32"),
            "containers": Containers.schema,
        ])
    }
    public static var required: [String] { CommonFields.required + ["target"] + Containers.requiredKey }
}


/// Fentry and fexit: a kernel function.
public struct FentryProgramInfo: ProgramInfo {
    public var bpffunctionname: String
    public var mapownerselector: LabelSelector?
    public var func_name: String

    public static var properties: [String: SchemaValue] {
        S.merge(CommonFields.properties, ["func_name": S.string("Kernel function to attach to.")])
    }
    public static var required: [String] { CommonFields.required + ["func_name"] }
}

public typealias FexitProgramInfo = FentryProgramInfo

public typealias XdpProgramInfo = XdpInfo<ContainerSelector>
public typealias XdpNsProgramInfo = XdpInfo<ContainerNsSelector>
public typealias TcProgramInfo = TcInfo<ContainerSelector>
public typealias TcNsProgramInfo = TcInfo<ContainerNsSelector>
public typealias TcxProgramInfo = TcxInfo<ContainerSelector>
public typealias TcxNsProgramInfo = TcxInfo<ContainerNsSelector>
public typealias UprobeProgramInfo = UprobeInfo<ContainerSelector>
public typealias UprobeNsProgramInfo = UprobeInfo<ContainerNsSelector>
