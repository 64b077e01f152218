import BpfmanAPI

/// What one pass over an owner's programs on this node does: the steps per
/// BpfProgram, whether the pass must be tried again whatever the calls do,
/// and what to log. Made by `AgentPlanner`, pure.
struct AgentPlan: Sendable, Equatable {
    struct Note: Sendable, Equatable {
        var message: String
        var owner: String
        var error: String
    }

    var steps: [AgentStep] = []
    /// Programs bpfman has for this owner that no BpfProgram accounts for: a
    /// pass loaded them and ended before its create, and since then the
    /// owner or that attach point went away. Unloaded first.
    var orphans: [UInt32] = []
    /// Something here can only change with time (a map owner not loaded yet,
    /// a bad pull secret, attach points not found): try again with backoff.
    var retry = false
    var notes: [Note] = []
}
