import KubeClient

/// What distinguishes one bpfman.io kind: where it is served, its spec type,
/// its schema and printer columns.
public protocol BpfmanKind: Sendable {
    associatedtype Spec: Codable & Sendable & Equatable
    static var resource: ResourceInfo { get }
    static var specSchema: SchemaValue { get }
    /// Program kinds and BpfProgram require `spec`; the application kinds do not.
    static var specRequired: Bool { get }
    static var printerColumns: [PrinterColumn] { get }
    static var summary: String { get }
}

/// A program kind (XdpProgram … FexitProgram and the Ns ones): its spec is
/// the common part and one program info.
public protocol ProgramObjectKind: BpfmanKind where Spec == ProgramSpec<Info> {
    associatedtype Info: ProgramInfo
}

/// An application kind: its spec holds a list of items, each naming one program.
public protocol ApplicationObjectKind: BpfmanKind where Spec == BpfApplicationSpec<Item> {
    associatedtype Item: Codable & Sendable & Equatable
}

/// One `additionalPrinterColumns` entry.
public struct PrinterColumn: Sendable, Equatable {
    public var name: String
    public var jsonPath: String
    public var type: String = "string"
    public var priority: Int = 0
    public var format: String? = nil

    var schema: SchemaValue {
        var o: SchemaValue = ["name": .string(name), "jsonPath": .string(jsonPath), "type": .string(type)]
        if priority != 0 { o["priority"] = .int(priority) }
        if let format { o["format"] = .string(format) }
        return o
    }
}

/// A bpfman.io/v1alpha1 object of kind `K`.
public struct BpfmanObject<K: BpfmanKind>: KubeResource, Equatable {
    public static var resource: ResourceInfo { K.resource }
    public var apiVersion = "bpfman.io/v1alpha1"
    public var kind = K.resource.kind
    public var metadata: ObjectMeta
    public var spec: K.Spec
    public var status: ProgramStatus?

    public init(metadata: ObjectMeta, spec: K.Spec, status: ProgramStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

enum Columns {
    static let function = PrinterColumn(name: "BpfFunctionName", jsonPath: ".spec.bpffunctionname")
    static let nodeSelector = PrinterColumn(name: "NodeSelector", jsonPath: ".spec.nodeselector")
    static let status = PrinterColumn(name: "Status", jsonPath: ".status.conditions[0].reason")
    static let priority = PrinterColumn(name: "Priority", jsonPath: ".spec.priority", priority: 1)
    static let direction = PrinterColumn(name: "Direction", jsonPath: ".spec.direction", priority: 1)
    static let interfaces = PrinterColumn(name: "InterfaceSelector", jsonPath: ".spec.interfaceselector", priority: 1)
    static let proceedOn = PrinterColumn(name: "ProceedOn", jsonPath: ".spec.proceedon", priority: 1)
    static let funcName = PrinterColumn(name: "FunctionName", jsonPath: ".spec.func_name", priority: 1)
    static let offset = PrinterColumn(name: "Offset", jsonPath: ".spec.offset", type: "integer", priority: 1)
    static let retprobe = PrinterColumn(name: "RetProbe", jsonPath: ".spec.retprobe", type: "boolean", priority: 1)
    static let age = PrinterColumn(name: "Age", jsonPath: ".metadata.creationTimestamp", type: "date")
    static let base = [function, nodeSelector, status]
}

func bpfmanResource(_ kind: String, _ plural: String, namespaced: Bool) -> ResourceInfo {
    ResourceInfo(group: "bpfman.io", version: "v1alpha1", plural: plural, kind: kind, namespaced: namespaced)
}
