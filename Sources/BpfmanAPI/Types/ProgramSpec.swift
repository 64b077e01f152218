/// A program kind's spec: its ProgramInfo plus the application-wide fields
/// (`nodeselector`, `globaldata`, `bytecode`), all at one level in JSON.
@dynamicMemberLookup
public struct ProgramSpec<Info: ProgramInfo>: Codable, Sendable, Equatable {
    public var info: Info
    public var common: AppCommon

    public init(info: Info, common: AppCommon) {
        self.info = info
        self.common = common
    }

    public init(from decoder: Decoder) throws {
        info = try Info(from: decoder)
        common = try AppCommon(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try info.encode(to: encoder)
        try common.encode(to: encoder)
    }

    public subscript<V>(dynamicMember path: WritableKeyPath<Info, V>) -> V {
        get { info[keyPath: path] }
        set { info[keyPath: path] = newValue }
    }

    public subscript<V>(dynamicMember path: WritableKeyPath<AppCommon, V>) -> V {
        get { common[keyPath: path] }
        set { common[keyPath: path] = newValue }
    }

    static func schema(validations: [(rule: String, message: String)] = []) -> SchemaValue {
        S.object(S.merge(Info.properties, AppCommon.properties), required: Info.required + AppCommon.required,
                 validations: validations)
    }
}

/// upstream's BpfAppCommon: where programs run, their global data, their bytecode.
public struct AppCommon: Codable, Sendable, Equatable {
    public var nodeselector: LabelSelector
    public var globaldata: [String: ByteString]?
    public var bytecode: BytecodeSelector

    public init(nodeselector: LabelSelector = LabelSelector(), globaldata: [String: ByteString]? = nil, bytecode: BytecodeSelector) {
        self.nodeselector = nodeselector
        self.globaldata = globaldata
        self.bytecode = bytecode
    }

    static var properties: [String: SchemaValue] {
        ["nodeselector": labelSelectorSchema("Nodes to run on; {} selects all."),
         "globaldata": S.map(S.string(format: "byte"), "Initial values of global variables, by name."),
         "bytecode": BytecodeSelector.schema]
    }
    static let required = ["nodeselector", "bytecode"]
}
