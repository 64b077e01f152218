import BpfmanAPI

/// One program of an owner on this node — a program object has one unit, a
/// BpfApplication one per program entry: how its BpfPrograms are made and
/// where it goes. Worked out before planning (it may ask the CRI runtime).
struct AgentUnit: Sendable {
    var template: BpfProgramTemplate
    var function: String
    var mapOwner: LabelSelector?
    var points: [AttachPoint]
    /// Why the attach points could not be worked out on this node, if so.
    var selectionFailure: String? = nil
    /// Whether that cause may pass by itself (a missing interface may appear;
    /// a spec error waits for the object to change).
    var selectionRetryable = true
}
