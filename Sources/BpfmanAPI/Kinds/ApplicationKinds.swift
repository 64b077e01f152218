import KubeClient

/// The `type` of a BpfApplication item.
public enum EBPFProgType: String, Codable, Sendable, CaseIterable {
    case xdp = "XDP", tc = "TC", tcx = "TCX", fentry = "Fentry", fexit = "Fexit", kprobe = "Kprobe"
    case kretprobe = "Kretprobe", uprobe = "Uprobe", uretprobe = "Uretprobe", tracepoint = "Tracepoint"

    /// The item member that must be set for this type.
    public var member: String { rawValue.lowercased() }
    static let namespaced: [EBPFProgType] = [.xdp, .tc, .tcx, .uprobe, .uretprobe]
}

/// One program of a BpfApplication: `type` and the one member it names.
public struct BpfApplicationProgram: Codable, Sendable, Equatable {
    public var type: EBPFProgType?
    public var xdp: XdpProgramInfo?
    public var tc: TcProgramInfo?
    public var tcx: TcxProgramInfo?
    public var fentry: FentryProgramInfo?
    public var fexit: FexitProgramInfo?
    public var kprobe: KprobeProgramInfo?
    public var kretprobe: KprobeProgramInfo?
    public var uprobe: UprobeProgramInfo?
    public var uretprobe: UprobeProgramInfo?
    public var tracepoint: TracepointProgramInfo?

    static var schema: SchemaValue {
        itemSchema(types: EBPFProgType.allCases, members: [
            "xdp": XdpProgramInfo.self, "tc": TcProgramInfo.self, "tcx": TcxProgramInfo.self, "fentry": FentryProgramInfo.self,
            "fexit": FexitProgramInfo.self, "kprobe": KprobeProgramInfo.self, "kretprobe": KprobeProgramInfo.self,
            "uprobe": UprobeProgramInfo.self, "uretprobe": UprobeProgramInfo.self, "tracepoint": TracepointProgramInfo.self,
        ])
    }
}

/// One program of a BpfNsApplication (XDP, TC, TCX, uprobes).
public struct BpfNsApplicationProgram: Codable, Sendable, Equatable {
    public var type: EBPFProgType?
    public var xdp: XdpNsProgramInfo?
    public var tc: TcNsProgramInfo?
    public var tcx: TcxNsProgramInfo?
    public var uprobe: UprobeNsProgramInfo?
    public var uretprobe: UprobeNsProgramInfo?

    static var schema: SchemaValue {
        itemSchema(types: EBPFProgType.namespaced, members: [
            "xdp": XdpNsProgramInfo.self, "tc": TcNsProgramInfo.self, "tcx": TcxNsProgramInfo.self,
            "uprobe": UprobeNsProgramInfo.self, "uretprobe": UprobeNsProgramInfo.self,
        ])
    }
}

/// An item schema with upstream's rule per member: required when `type` names it, forbidden otherwise.
func itemSchema(types: [EBPFProgType], members: [String: any ProgramInfo.Type]) -> SchemaValue {
    var props: [String: SchemaValue] = ["type": S.string("The program type; it names the one member to set.", enum: types.map(\.rawValue))]
    for (m, t) in members { props[m] = S.object(t.properties, required: t.required) }
    let rules = types.map { ty in
        (rule: "has(self.type) && self.type == '\(ty.rawValue)' ? has(self.\(ty.member)) : !has(self.\(ty.member))",
         message: "\(ty.member) configuration is required when type is \(ty.rawValue), and forbidden otherwise")
    }
    return S.object(props, validations: rules)
}

/// BpfApplication's spec: the shared fields and the programs.
public struct BpfApplicationSpec<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var nodeselector: LabelSelector
    public var globaldata: [String: ByteString]?
    public var bytecode: BytecodeSelector
    public var programs: [Item]?
}

public enum BpfApplicationKind: ApplicationObjectKind {
    public static let resource = bpfmanResource("BpfApplication", "bpfapplications", namespaced: false)
    public static var specSchema: SchemaValue {
        S.object(S.merge(AppCommon.properties, ["programs": S.array(BpfApplicationProgram.schema, "The programs.", minItems: 1)]),
                 required: AppCommon.required)
    }
    public static let specRequired = false
    public static let printerColumns = [Columns.nodeSelector, Columns.status, Columns.age]
    public static let summary = "BpfApplication loads several programs from one bytecode source on the selected nodes."
    public typealias Item = BpfApplicationProgram
}

public enum BpfNsApplicationKind: ApplicationObjectKind {
    public static let resource = bpfmanResource("BpfNsApplication", "bpfnsapplications", namespaced: true)
    public static var specSchema: SchemaValue {
        S.object(S.merge(AppCommon.properties, ["programs": S.array(BpfNsApplicationProgram.schema, "The programs.", minItems: 1)]),
                 required: AppCommon.required)
    }
    public static let specRequired = false
    public static let printerColumns = BpfApplicationKind.printerColumns
    public static let summary = "BpfNsApplication loads several programs into containers of its namespace."
    public typealias Item = BpfNsApplicationProgram
}

/// The per-node object the agent writes: the type, and status conditions.
public struct BpfProgramSpec: Codable, Sendable, Equatable {
    public var type: String?
    public init(type: String? = nil) { self.type = type }
}

public enum BpfProgramKind: BpfmanKind {
    public static let resource = bpfmanResource("BpfProgram", "bpfprograms", namespaced: false)
    public static var specSchema: SchemaValue { S.object(["type": S.string("The reconciler that made this object (xdp, tc, …, application).")]) }
    public static let specRequired = true
    public static let printerColumns = [PrinterColumn(name: "Type", jsonPath: ".spec.type"), Columns.status, Columns.age]
    public static let summary = "BpfProgram is the per-node state of one program, written by bpfman-agent."
    public typealias Spec = BpfProgramSpec
}

public enum BpfNsProgramKind: BpfmanKind {
    public static let resource = bpfmanResource("BpfNsProgram", "bpfnsprograms", namespaced: true)
    public static var specSchema: SchemaValue { BpfProgramKind.specSchema }
    public static let specRequired = true
    public static let printerColumns = BpfProgramKind.printerColumns
    public static let summary = "BpfNsProgram is the per-node state of one namespaced program, written by bpfman-agent."
    public typealias Spec = BpfProgramSpec
}

public typealias BpfApplication = BpfmanObject<BpfApplicationKind>
public typealias BpfNsApplication = BpfmanObject<BpfNsApplicationKind>
public typealias BpfProgram = BpfmanObject<BpfProgramKind>
public typealias BpfNsProgram = BpfmanObject<BpfNsProgramKind>

/// Every kind, listed once: the agent, the operator, CRD and RBAC generation
/// iterate these. Adding a kind is its type (resource, schema, columns) here
/// and its spec type; everything named after it derives from `reconciler`.
public enum AllKinds {
    /// The twelve program kinds.
    public static let programs: [any ProgramObjectKind.Type] = [
        XdpKind.self, TcKind.self, TcxKind.self, TracepointKind.self, KprobeKind.self, UprobeKind.self, FentryKind.self,
        FexitKind.self, XdpNsKind.self, TcNsKind.self, TcxNsKind.self, UprobeNsKind.self,
    ]
    public static let applications: [any ApplicationObjectKind.Type] = [BpfApplicationKind.self, BpfNsApplicationKind.self]
    /// What users apply: programs and applications.
    public static var user: [any BpfmanKind.Type] { programs + applications }
    /// Every kind with a CRD (the per-node ones too), by plural.
    public static let kinds: [any BpfmanKind.Type] = (programs + applications + [BpfProgramKind.self, BpfNsProgramKind.self])
        .sorted { $0.resource.plural < $1.resource.plural }

    /// The program kind an application entry of `type` stands for (operator spec §3.9).
    public static func program(for type: EBPFProgType, namespaced: Bool) -> ReconcilerKind? {
        let wanted = switch type {
        case .kretprobe: "kprobe"
        case .uretprobe: "uprobe"
        default: type.rawValue.lowercased()
        }
        for k in programs where k.reconciler.typeString == wanted && k.reconciler.isNamespaced == namespaced { return k.reconciler }
        return nil
    }
}
