import BpfmanAPI

/// One thing the agent does for one BpfProgram, in the order a plan lists
/// them; `AgentExecutor` carries them out. Writes happen only when they
/// change the object.
enum AgentAction: Sendable, Equatable {
    /// The BpfProgram is new: create it (the step's program is its template),
    /// with what the actions before it set (the kernel id annotation).
    case create
    /// A bpfman call. A load carries the BpfProgram's name (`bpfman.io/BpfProgram`),
    /// so it can come before the object exists.
    case call(NodeDecision.Call)
    /// The `bpfman.io/ProgramId` annotation: the kernel id the calls before
    /// leave (none after an unload); part of the create when before it.
    case setProgramID
    /// The one condition, with its cause as the message's tail.
    case setCondition(BpfProgramConditionType, cause: String?)
    case removeFinalizer(String)
    case delete
}

/// What a pass does to one BpfProgram.
struct AgentStep: Sendable, Equatable {
    /// The object as the pass found it, or the template of one to create.
    var program: BpfProgram
    /// The kernel id bpfman has for it now, if loaded.
    var loadedID: UInt32?
    var actions: [AgentAction]
}
