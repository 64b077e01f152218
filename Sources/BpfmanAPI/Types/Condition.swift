/// metav1.Condition.
public struct Condition: Codable, Sendable, Equatable {
    public var type: String
    public var status: String
    public var reason: String
    public var message: String
    public var lastTransitionTime: String
    public var observedGeneration: Int64?

    public init(type: String, status: String = "True", reason: String, message: String, lastTransitionTime: String,
                observedGeneration: Int64? = nil)
    {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }
}

/// `status` of every user-facing kind and of BpfProgram: conditions only.
public struct ProgramStatus: Codable, Sendable, Equatable {
    public var conditions: [Condition]?
    public init(conditions: [Condition]? = nil) { self.conditions = conditions }
}

/// Conditions the operator writes on the user objects (status always "True").
public enum ProgramConditionType: String, Sendable, CaseIterable {
    case notYetLoaded = "NotYetLoaded"
    case reconcileError = "ReconcileError"
    case reconcileSuccess = "ReconcileSuccess"
    case deleteError = "DeleteError"

    public var reason: String {
        switch self {
        case .notYetLoaded: return "ProgramsNotYetLoaded"
        case .reconcileError: return "ReconcileError"
        case .reconcileSuccess: return "ReconcileSuccess"
        case .deleteError: return "DeleteError"
        }
    }

    public var defaultMessage: String {
        switch self {
        case .notYetLoaded: return "Waiting for Program Object to be reconciled to all nodes"
        case .reconcileError: return "bpfProgramReconciliation failed"
        case .reconcileSuccess: return "bpfProgramReconciliation Succeeded on all nodes"
        case .deleteError: return "Program Deletion failed"
        }
    }

    /// A failure on some node (loading, or unloading on deletion): a Warning Event.
    public var isFailure: Bool { self == .reconcileError || self == .deleteError }
}

/// Conditions the agent writes on BpfProgram / BpfNsProgram (status always "True").
public enum BpfProgramConditionType: String, Sendable, CaseIterable {
    case loaded = "Loaded"
    case notLoaded = "NotLoaded"
    case notUnloaded = "NotUnLoaded"
    case notSelected = "NotSelected"
    case unloaded = "Unloaded"
    case mapOwnerNotFound = "MapOwnerNotFound"
    case mapOwnerNotLoaded = "MapOwnerNotLoaded"
    case bytecodeSelectorError = "BytecodeSelectorError"
    case noContainersOnNode = "NoContainersOnNode"
    case none = "None"

    public var reason: String {
        switch self {
        case .loaded: return "bpfmanLoaded"
        case .notLoaded: return "bpfmanNotLoaded"
        case .notUnloaded: return "bpfmanNotUnloaded"
        case .notSelected: return "nodeNotSelected"
        case .unloaded: return "bpfmanUnloaded"
        case .mapOwnerNotFound: return "mapOwnerNotFound"
        case .mapOwnerNotLoaded: return "mapOwnerNotLoaded"
        case .bytecodeSelectorError: return "bytecodeSelectorError"
        case .noContainersOnNode: return "noContainersOnNode"
        case .none: return "None"
        }
    }

    public var message: String {
        switch self {
        case .loaded: return "Successfully loaded bpfProgram"
        case .notLoaded: return "Failed to load bpfProgram"
        case .notUnloaded: return "Failed to unload bpfProgram"
        case .notSelected: return "This node is not selected to run the bpfProgram"
        case .unloaded: return "This BpfProgram object and all it's bpfman programs have been unloaded"
        case .mapOwnerNotFound: return "BpfProgram map owner not found"
        case .mapOwnerNotLoaded: return "BpfProgram map owner not loaded"
        case .bytecodeSelectorError: return "There was an error processing the provided bytecode selector"
        case .noContainersOnNode: return "There are no containers on the node that match the container selector"
        case .none: return "None of the conditions apply"
        }
    }

    /// The operator's failure set: these first conditions (or none at all) mean the node failed.
    public var isFailure: Bool {
        [.notLoaded, .notUnloaded, .mapOwnerNotFound, .mapOwnerNotLoaded, .bytecodeSelectorError].contains(self)
    }
}
